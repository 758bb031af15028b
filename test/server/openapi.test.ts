import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import * as api from '../../src/api/schemas.ts';
import type { JobView } from '../../src/api/schemas.ts';
import type { Job } from '../../src/server/job-store.ts';
import { jsonSchema } from '../../src/server/json-schema.ts';
import type { OpenApiDocument } from '../../src/server/openapi.ts';
import { publicJob } from '../../src/server/video-service.ts';
import { makeModelDir } from '../helpers/model-fixture.ts';
import { startServer, type TestServer } from './helpers.ts';

let modelDir: string;
let server: TestServer;
let doc: OpenApiDocument;

before(async () => {
  modelDir = await makeModelDir({ inputSize: 32 });
  server = await startServer(modelDir);
  doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as OpenApiDocument;
});
after(async () => {
  await server.close();
  await rm(modelDir, { recursive: true, force: true });
});

/** The shared module's object schemas, by the title they give the document. */
const shared = new Map<string, z.ZodObject>(
  Object.values(api)
    .filter((s): s is z.ZodObject => s instanceof z.ZodObject)
    .flatMap((s) => {
      const title = s.meta()?.title;
      return typeof title === 'string' ? [[title, s] as const] : [];
    }),
);

const ROUTES = [
  ['/healthz', 'get'],
  ['/api/segment', 'post'],
  ['/api/videos', 'post'],
  ['/api/videos/{id}', 'get'],
  ['/api/videos/{id}', 'delete'],
  ['/api/videos/{id}/events', 'get'],
  ['/api/videos/{id}/result.mp4', 'get'],
  ['/api/videos/{id}/frames.json', 'get'],
  ['/api/model', 'get'],
  ['/api/model.onnx', 'get'],
] as const;

test('the document covers every route, and nothing else', () => {
  const listed = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m} ${path}`),
  );
  assert.deepEqual(listed.sort(), ROUTES.map(([path, method]) => `${method} ${path}`).sort());
});

test("every body in the document is one of src/api/schemas.ts's schemas", () => {
  const binary = jsonSchema(api.binarySchema);
  const bodies: Array<[string, unknown]> = [];
  for (const [path, ops] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(ops)) {
      const request = op.requestBody as { content: Record<string, { schema: unknown }> } | undefined;
      for (const [type, c] of Object.entries(request?.content ?? {}))
        bodies.push([`${method} ${path} request ${type}`, c.schema]);
      for (const [status, r] of Object.entries(op.responses))
        for (const [type, c] of Object.entries(r.content ?? {}))
          bodies.push([`${method} ${path} ${status} ${type}`, c.schema]);
    }
  assert.ok(bodies.length > 20);
  for (const [where, schema] of bodies) {
    if (where.endsWith('text/event-stream')) continue; // its events carry JobViews; checked below
    if (isDeepStrictEqual(schema, binary)) continue;
    const ref = (schema as { $ref?: string }).$ref;
    assert.match(ref ?? '', /^#\/components\/schemas\//, `${where} names a shared schema`);
    const name = ref!.split('/').pop()!;
    assert.ok(shared.has(name), `${where}: ${name} is defined in src/api/schemas.ts`);
  }
  // every component is a shared schema, as zod writes it (nested named schemas as references)
  for (const [name, component] of Object.entries(doc.components.schemas)) {
    const source = shared.get(name);
    assert.ok(source, `component ${name} comes from src/api/schemas.ts`);
    const props = (component as { properties?: object }).properties ?? {};
    assert.deepEqual(Object.keys(props), Object.keys(source.shape), `${name}'s fields`);
  }
  const status = (path: string, method: string, code: string) =>
    (doc.paths[path]![method]!.responses[code]!.content!['application/json']!.schema as { $ref: string })
      .$ref;
  assert.equal(status('/api/videos/{id}', 'get', '200'), '#/components/schemas/JobView');
  assert.equal(status('/api/videos/{id}', 'get', '404'), '#/components/schemas/Error');
  assert.equal(status('/api/segment', 'post', '200'), '#/components/schemas/Segmentation');
  assert.equal(status('/api/videos/{id}/frames.json', 'get', '200'), '#/components/schemas/Frames');
  assert.equal(status('/healthz', 'get', '200'), '#/components/schemas/Health');
  assert.equal(doc.paths['/api/videos/{id}']!.delete!.responses['204']!.content, undefined);
});

test("the document's JobView has exactly the fields of the JobView type, in the order the server writes them", () => {
  // a compile error here when the type gains or loses a field
  const fields: Record<keyof JobView, true> = {
    id: true,
    status: true,
    progress: true,
    fps: true,
    frames: true,
    width: true,
    height: true,
    duration: true,
    processingFps: true,
    error: true,
    createdAt: true,
    finishedAt: true,
  };
  const component = doc.components.schemas.JobView as { properties: object };
  assert.deepEqual(Object.keys(component.properties).sort(), Object.keys(fields).sort());
  const failed: Job = {
    id: '00000000-0000-0000-0000-000000000000',
    status: 'failed',
    progress: 0.5,
    fps: 25,
    frames: 100,
    width: 64,
    height: 48,
    duration: 4,
    processingFps: null,
    error: 'the video could not be processed',
    inputType: 'mp4',
    attempts: 1,
    createdAt: 0,
    startedAt: 1,
    finishedAt: 2,
  };
  // what GET /api/videos/:id and the progress events send, field for field
  assert.deepEqual(Object.keys(publicJob(failed)), Object.keys(component.properties));
  assert.deepEqual(api.jobViewSchema.parse(publicJob(failed)), publicJob(failed));
});

test('query and path parameters come from the shared schemas', () => {
  const names = (path: string, method: string) =>
    doc.paths[path]![method]!.parameters.map((p) => `${p.in}:${p.name}${p.required ? '!' : ''}`);
  assert.deepEqual(
    names('/api/segment', 'post'),
    Object.keys(api.segmentQuerySchema.shape).map((k) => `query:${k}`),
  );
  assert.deepEqual(names('/api/videos/{id}/result.mp4', 'get'), ['path:id!', 'query:download']);
});

test('without an API token the document declares no security and no 401; 403 and 400 stay', () => {
  assert.equal(doc.components.securitySchemes, undefined);
  assert.match(doc.info.description, /no API token/);
  for (const [path, ops] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(ops)) {
      assert.equal(op.security, undefined, `${method} ${path}`);
      assert.ok(!('401' in op.responses), `${method} ${path}`);
      assert.ok('403' in op.responses, `${method} ${path}`);
      if (path.includes('{id}')) assert.ok('400' in op.responses, `${method} ${path}`);
    }
});

test('with an API token the docs page says which operations need it', async () => {
  const guarded = await startServer(modelDir, { apiToken: 'docs-page-token-0123456789' });
  try {
    const page = await (await fetch(`${guarded.url}/api/docs`)).text();
    const sections = page.split('<section>').slice(1);
    const needing = sections.filter((s) => s.includes('Needs the API token'));
    assert.equal(needing.length, 9, 'every /api operation');
    assert.ok(sections.some((s) => s.includes('/healthz') && !s.includes('Needs the API token')));
    assert.match(page, /answers 405 with an <code>Allow<\/code> header/);
  } finally {
    await guarded.close();
  }
});

test('the docs page names the shared types', async () => {
  const page = await (await fetch(`${server.url}/api/docs`)).text();
  assert.match(page, /<code>JobView<\/code> fields:/);
  assert.match(page, /<code>polyps<\/code> <small>array<\/small>/);
});
