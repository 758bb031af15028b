// The API document tells the whole truth (issue 24): every operation is exercised with good and bad
// requests, with and without the token, and every answer is checked against /api/openapi.json as the
// server serves it (status, content type, documented headers, JSON body by its schema).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobViewSchema } from '../../src/api/schemas.ts';
import type { OpenApiDocument } from '../../src/server/openapi.ts';
import { makeModelDir } from '../helpers/model-fixture.ts';
import { makeClip } from '../video/video-fixtures.ts';
import { contract, type Contract, type Observed } from './contract.ts';
import { blackPng, multipartBody, picture, pngHeaderOnly, startServer, type TestServer } from './helpers.ts';

const TOKEN = 'contract-test-token-0123456789';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const BOUNDARY = 'contract-boundary';

let modelDir: string;
let work: string;
let webDir: string;
let server: TestServer;
let doc: OpenApiDocument;
let api: Contract;
/** every answer checked, to re-check against broken documents */
const answers: Observed[] = [];

before(async () => {
  modelDir = await makeModelDir({ inputSize: 32 });
  work = await mkdtemp(join(tmpdir(), 'polypseg-contract-'));
  // a built page, so the page's catch-all static route is in the router too
  webDir = join(work, 'web');
  await mkdir(webDir);
  await writeFile(join(webDir, 'index.html'), '<!doctype html><title>page</title>');
  server = await startServer(modelDir, {
    apiToken: TOKEN,
    webDir,
    // no video may wait: a running job makes the next upload a 503
    queueSize: 0,
    limits: {
      imageConcurrency: 1,
      imagePixels: 1_000_000,
      imageBytes: 200_000,
      videoBytes: 1_000_000,
      eventStreamsPerJob: 1,
      // five uploads in flight per client address: stalled ones make the sixth a 503
      uploadsPerClient: 5,
    },
  });
  doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as OpenApiDocument;
  api = contract(doc);
});
after(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
  await rm(modelDir, { recursive: true, force: true });
});

interface Send {
  /** send the API token (default) */
  token?: boolean;
  headers?: Record<string, string>;
  body?: Buffer;
}

/** One request over plain HTTP (any method, any Host), its answer checked against the document. */
function send(method: string, target: string, opts: Send = {}): Promise<Observed> {
  const { hostname, port } = new URL(server.url);
  const headers: Record<string, string> = {
    ...(opts.token === false ? {} : { authorization: `Bearer ${TOKEN}` }),
    ...(opts.body ? { 'content-length': String(opts.body.length) } : {}),
    ...opts.headers,
  };
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path: target, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const answer: Observed = {
          method,
          path: target.split('?')[0]!,
          status: res.statusCode!,
          headers: Object.fromEntries(
            Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
          ),
          body: Buffer.concat(chunks),
        };
        try {
          api.check(answer);
          answers.push(answer);
          resolve(answer);
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const multipart = (field: string, body: Buffer | string, filename = 'upload.bin') => ({
  headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
  body: multipartBody(BOUNDARY, [{ name: field, filename, body }]),
});

const json = (a: Observed) => JSON.parse(a.body.toString('utf8')) as Record<string, unknown>;
const code = (a: Observed) => (json(a).error as { code: string }).code;

/** Polls a job until it has one of the statuses (each answer checked too). */
async function until(id: string, statuses: string[]): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const a = await send('GET', `/api/videos/${id}`);
    if (statuses.includes(json(a).status as string)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${id} never reached ${statuses.join('/')}`);
}

/** Uploads that send their headers and part of the body, then stall: each holds one of this client's upload places. */
function stalledUploads(n: number): Socket[] {
  const { hostname, port } = new URL(server.url);
  return Array.from({ length: n }, () => {
    const socket = connect(Number(port), hostname);
    socket.on('error', () => undefined);
    socket.write(
      `POST /api/segment HTTP/1.1\r\nHost: ${new URL(server.url).host}\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: 100000\r\n\r\n--${BOUNDARY}\r\n`,
    );
    return socket;
  });
}

test('the served document is well formed, with the bearer scheme, 401 on every /api operation and 400 on every {id} one', () => {
  assert.equal(doc.openapi, '3.1.0');
  assert.ok(doc.info.title && doc.info.version && doc.info.description);
  // no OpenAPI 3.1 meta-schema ships in an installed package: check what a generator or validator
  // relies on. Every schema compiles under Ajv's strict JSON Schema 2020-12 (refs resolve, no unknown keyword)
  assert.ok(api.compileAll() > 40);
  const schemes: Record<string, unknown> = doc.components.securitySchemes ?? {};
  assert.deepEqual(Object.keys(schemes), ['bearerToken']);
  const bearer = schemes.bearerToken as { type: string; scheme: string; description: string };
  assert.deepEqual([bearer.type, bearer.scheme], ['http', 'bearer']);
  assert.match(bearer.description, /Authorization: Bearer/);
  const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ path, method, op })),
  );
  assert.equal(operations.length, 10);
  for (const { path, method, op } of operations) {
    const where = `${method} ${path}`;
    // every {param} of the path is a required path parameter, and nothing else is
    const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    assert.deepEqual(
      op.parameters.filter((p) => p.in === 'path').map((p) => p.name),
      inPath,
      `${where}: path parameters`,
    );
    assert.ok(op.parameters.every((p) => p.in !== 'path' || p.required));
    assert.ok(
      Object.keys(op.responses).length > 0 && Object.keys(op.responses).every((s) => /^[1-5]\d\d$/.test(s)),
    );
    for (const [status, r] of Object.entries(op.responses)) {
      assert.ok(r.description, `${where} ${status} has a description`);
      if (Number(status) >= 400)
        assert.deepEqual(
          r.content,
          { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          `${where} ${status} is the shared Error`,
        );
    }
    for (const requirement of op.security ?? [])
      for (const scheme of Object.keys(requirement))
        assert.ok(schemes[scheme], `${where}: scheme ${scheme} is declared`);
    const isApi = path.startsWith('/api/');
    assert.equal(op.security !== undefined, isApi, `${where}: security exactly on /api`);
    assert.equal('401' in op.responses, isApi, `${where}: 401 exactly on /api`);
    assert.ok('403' in op.responses, `${where}: 403 (Host) on every operation`);
    if (path.includes('{id}')) {
      assert.ok('400' in op.responses, `${where}: 400 for an id that does not match its pattern`);
      const id = op.parameters.find((p) => p.name === 'id')!;
      assert.equal((id.schema as { pattern: string }).pattern, '^[0-9a-f-]{36}$');
    }
  }
  // uploads say what the server enforces: one non-empty file of the accepted types
  const upload = doc.components.schemas.ImageUpload as { properties: { image: Record<string, unknown> } };
  assert.equal(upload.properties.image.minLength, 1);
  assert.equal(upload.properties.image.maxLength, 200_000);
  const encoding = (
    doc.paths['/api/segment']!.post!.requestBody as { content: Record<string, { encoding: object }> }
  ).content['multipart/form-data']!.encoding;
  assert.deepEqual(encoding, {
    image: { contentType: 'image/jpeg, image/png, image/webp, image/bmp, image/tiff' },
  });
});

test('every operation answers good and bad requests as the document says', async (t) => {
  const png = await picture(64, 48, 'png');
  const short = join(work, 'short.mp4');
  const long = join(work, 'long.mp4');
  makeClip(short, { width: 64, height: 48, fps: 10, frames: 8 });
  // a job that runs long enough to be seen running (deleted, so it never runs to the end)
  makeClip(long, { width: 64, height: 48, fps: 25, frames: 1500 });
  const host = { host: 'evil.example' };
  const crossSite = { origin: 'https://evil.example' };

  // ----- health, model, docs: public and private GETs
  assert.equal((await send('GET', '/healthz', { token: false })).status, 200);
  assert.equal((await send('HEAD', '/healthz', { token: false })).status, 200);
  assert.equal((await send('GET', '/healthz', { token: false, headers: host })).status, 403);
  assert.equal((await send('GET', '/api/model')).status, 200);
  assert.equal((await send('GET', '/api/model', { token: false })).status, 401);
  assert.equal((await send('GET', '/api/model', { headers: { authorization: 'Bearer wrong' } })).status, 401);
  assert.equal((await send('GET', '/api/model', { headers: host })).status, 403);
  const onnx = await send('GET', '/api/model.onnx');
  assert.equal(onnx.status, 200);
  assert.ok(onnx.body.length > 1000);
  assert.equal((await send('GET', '/api/model.onnx', { token: false })).status, 401);
  assert.equal((await send('HEAD', '/api/model.onnx', { headers: host })).status, 403);

  // ----- methods a path does not list: 405 + Allow (401 first without the token)
  for (const [method, path] of [
    ['PUT', '/api/model'],
    ['TRACE', '/healthz'],
    ['DELETE', '/healthz'],
    ['GET', '/api/segment'],
    ['PATCH', '/api/videos'],
    ['POST', `/api/videos/${UNKNOWN_ID}`],
    ['OPTIONS', `/api/videos/${UNKNOWN_ID}/result.mp4`],
  ] as const) {
    const allowed = await send(method, path);
    assert.equal(allowed.status, 405, `${method} ${path}`);
    assert.equal(code(allowed), 'method_not_allowed');
    // without the token: 401, or (a GET, which the page's public catch-all route takes first) the 405;
    // the method list is no secret (the document is public), and no handler runs either way
    const anonymous = await send(method, path, { token: false });
    assert.equal(anonymous.status, method === 'GET' ? 405 : 401, `${method} ${path} without the token`);
  }
  // unknown paths: 404 with the token, 401 without; never a status its code does not name
  for (const path of ['/api/nope', '/api/videos/x/y'])
    assert.equal(code(await send('GET', path)), 'not_found', path);
  // the page's static route refuses a non-canonical path, and its code says so (it said bad_request)
  assert.equal(code(await send('GET', '//api/model')), 'forbidden');
  // an empty id is still the {id} route (the router's view): a 400, and its methods on a 405
  assert.equal(code(await send('GET', '/api/videos/')), 'bad_request');
  assert.equal((await send('PUT', '/api/videos/')).headers.allow, 'DELETE, GET, HEAD');
  // without the token: GET falls to the page's public route (404), any other method is refused (401)
  assert.equal((await send('GET', '/api/nope', { token: false })).status, 404);
  assert.equal((await send('POST', '/api/nope', { token: false })).status, 401);

  // ----- POST /api/segment
  const seg = (query = '', body = multipart('image', png, 'x.png'), extra: Send = {}) =>
    send('POST', `/api/segment${query}`, {
      ...body,
      ...extra,
      headers: { ...body.headers, ...extra.headers },
    });
  const segmented = await seg();
  assert.equal(segmented.status, 200);
  assert.equal((json(segmented).polyps as unknown[]).constructor, Array);
  assert.equal((await seg('?format=png')).headers['content-type'], 'image/png');
  assert.equal((await seg('?format=overlay&threshold=0.4&minArea=0&tta=true')).status, 200);
  assert.equal((await seg('', undefined, { token: false })).status, 401);
  assert.equal((await seg('', undefined, { headers: crossSite })).status, 403);
  assert.equal((await seg('', undefined, { headers: host })).status, 403);
  for (const query of ['?threshold=2', '?format=gif', '?unknown=1', '?minArea=-1'])
    assert.equal((await seg(query)).status, 400, query);
  assert.equal(code(await seg('', multipart('image', ''))), 'empty_file');
  assert.equal((await seg('', multipart('picture', png))).status, 400);
  assert.equal(
    (await seg('', { headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') })).status,
    415,
  );
  assert.equal((await seg('', multipart('image', 'plain text, not an image'))).status, 415);
  assert.equal((await seg('', multipart('image', blackPng(2000, 1000)))).status, 413, 'pixels');
  assert.equal(
    (await seg('', multipart('image', Buffer.concat([png, Buffer.alloc(300_000)])))).status,
    413,
    'bytes',
  );
  assert.equal((await seg('', multipart('image', pngHeaderOnly(64, 48)))).status, 422);
  // this client's upload places full (five uploads stalled mid-body): 503 + Retry-After
  const stalled = stalledUploads(5);
  try {
    let busy: Observed | undefined;
    for (let i = 0; i < 100 && !busy; i++) {
      const a = await seg();
      if (a.status === 503) busy = a;
      else await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(busy, 'a sixth image upload is refused while five are held');
    assert.equal(code(busy), 'busy');
  } finally {
    for (const s of stalled) s.destroy();
  }

  // ----- POST /api/videos and a finished job's answers
  const vid = (body: { headers: Record<string, string>; body: Buffer }, extra: Send = {}) =>
    send('POST', '/api/videos', { ...body, ...extra, headers: { ...body.headers, ...extra.headers } });
  // refused uploads first: while a job runs, the queue (size 0) refuses any upload with 503
  assert.equal(code(await vid(multipart('video', ''))), 'empty_file');
  assert.equal((await vid(multipart('video', 'not a video'))).status, 415);
  assert.equal((await vid(multipart('video', Buffer.alloc(1_200_000, 1)))).status, 413);
  const accepted = await vid(multipart('video', await readFile(short), 'short.mp4'));
  assert.equal(accepted.status, 202);
  const id = json(accepted).id as string;
  assert.equal(accepted.headers.location, `/api/videos/${id}`);
  assert.equal((await vid(multipart('video', await readFile(short)), { token: false })).status, 401);
  assert.equal((await vid(multipart('video', await readFile(short)), { headers: crossSite })).status, 403);
  await until(id, ['done']);

  const job = `/api/videos/${id}`;
  const events = await send('GET', `${job}/events`);
  assert.equal(events.status, 200);
  // the stream's events carry JobViews, as its description says
  const data = events.body
    .toString('utf8')
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => JSON.parse(l.slice(6)) as unknown);
  assert.ok(data.length >= 1);
  for (const d of data) assert.deepEqual(jobViewSchema.parse(d), d);
  const whole = await send('GET', `${job}/result.mp4?download=true`);
  assert.equal(whole.status, 200);
  assert.equal((await send('HEAD', `${job}/result.mp4`)).status, 200);
  assert.equal((await send('GET', `${job}/result.mp4`, { headers: { range: 'bytes=0-99' } })).status, 206);
  assert.equal(
    (await send('GET', `${job}/result.mp4`, { headers: { range: `bytes=${whole.body.length + 10}-` } }))
      .status,
    416,
  );
  assert.equal((await send('GET', `${job}/frames.json`)).status, 200);
  for (const tail of ['', '/events', '/result.mp4', '/frames.json']) {
    assert.equal((await send('GET', `${job}${tail}`, { token: false })).status, 401, tail);
    assert.equal((await send('GET', `${job}${tail}`, { headers: host })).status, 403, tail);
    assert.equal((await send('GET', `/api/videos/${UNKNOWN_ID}${tail}`)).status, 404, tail);
    for (const bad of ['not-an-id', '%C2%84', 'AAAAAAAA-0000-4000-8000-000000000000'])
      assert.equal((await send('GET', `/api/videos/${bad}${tail}`)).status, 400, `${bad}${tail}`);
  }
  assert.equal((await send('GET', `${job}/result.mp4?download=null`)).status, 400);

  // ----- a running job: unfinished answers, the progress-stream limit, the full queue
  const running = await vid(multipart('video', await readFile(long), 'long.mp4'));
  assert.equal(running.status, 202);
  const runningId = json(running).id as string;
  await until(runningId, ['running']);
  const stream = await openStream(`/api/videos/${runningId}/events`);
  try {
    assert.equal((await send('GET', `/api/videos/${runningId}/events`)).status, 429);
    assert.equal((await send('GET', `/api/videos/${runningId}/frames.json`)).status, 404);
    assert.equal((await send('GET', `/api/videos/${runningId}/result.mp4`)).status, 404);
    const full = await vid(multipart('video', await readFile(short)));
    assert.equal(full.status, 503);
    assert.ok(Number(full.headers['retry-after']) > 0);
  } finally {
    stream.destroy();
  }

  // ----- DELETE
  const del = `/api/videos/${runningId}`;
  assert.equal((await send('DELETE', del, { token: false })).status, 401);
  assert.equal((await send('DELETE', del, { headers: crossSite })).status, 403);
  assert.equal(
    (await send('DELETE', del, { headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') }))
      .status,
    415,
  );
  assert.equal((await send('DELETE', '/api/videos/not-an-id')).status, 400);
  assert.equal((await send('DELETE', del)).status, 204);
  assert.equal((await send('DELETE', del)).status, 404);
  assert.equal((await send('DELETE', job)).status, 204);

  // what the document lists but no request above produced (diagnostic: some need a fault)
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).flatMap(([m, op]) => Object.keys(op.responses).map((s) => `${m} ${path} ${s}`)),
  );
  const unexercised = documented.filter((d) => !api.seen.has(d));
  t.diagnostic(
    `${api.seen.size} (operation, status) pairs seen; documented, not produced: ${unexercised.join('; ')}`,
  );
  // every /api operation was refused without the token, every {id} one for a malformed id
  for (const d of documented.filter((x) => / \/api\/.* 401$/.test(x) || /\{id\}.* 400$/.test(x)))
    assert.ok(api.seen.has(d), `${d} was exercised`);
});

/** Opens a progress stream and keeps it open (its answer's head is checked); destroy() closes it. */
function openStream(path: string): Promise<{ destroy(): void }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: hostname, port, path, headers: { authorization: `Bearer ${TOKEN}` }, agent: false },
      (res) => {
        try {
          api.check({
            method: 'GET',
            path,
            status: res.statusCode!,
            headers: res.headers as Record<string, string>,
            body: Buffer.alloc(0),
          });
          assert.equal(res.statusCode, 200);
          resolve({ destroy: () => req.destroy() });
        } catch (err) {
          req.destroy();
          reject(err as Error);
        }
      },
    );
    req.on('error', () => undefined);
    req.end();
  });
}

test('the check fails when the document is wrong: a response schema, a status, a header, a content type', () => {
  assert.ok(answers.length > 60, `${answers.length} answers recorded`);
  const find = (method: string, pattern: RegExp, status: number) => {
    const a = answers.find((x) => x.method === method && pattern.test(x.path) && x.status === status);
    assert.ok(a, `an answer ${method} ${pattern} ${status} was recorded`);
    return a;
  };
  const broken = (edit: (d: OpenApiDocument) => void) => {
    const copy = structuredClone(doc);
    edit(copy);
    return contract(copy);
  };
  // the real document accepts every recorded answer
  for (const a of answers) api.check(a);
  const segmentation = find('POST', /^\/api\/segment$/, 200);
  const refusal = find('POST', /^\/api\/segment$/, 415);
  assert.throws(
    () =>
      broken((d) => {
        const error = d.components.schemas.Error as {
          properties: { error: { properties: { code: object } } };
        };
        error.properties.error.properties.code = { type: 'integer' };
      }).check(refusal),
    /does not match the document/,
  );
  assert.throws(
    () =>
      broken((d) => {
        // the image is 64 px wide
        (d.components.schemas.Segmentation as { properties: { width: object } }).properties.width = {
          type: 'integer',
          maximum: 10,
        };
      }).check(segmentation),
    /does not match the document/,
  );
  const job = find('GET', /^\/api\/videos\/[0-9a-f-]{36}$/, 200);
  assert.throws(
    () =>
      broken((d) => {
        (
          d.components.schemas.JobView as {
            additionalProperties: boolean;
            properties: Record<string, unknown>;
          }
        ).properties.createdAt = { type: 'integer' };
      }).check(job),
    /does not match the document/,
  );
  const unauthorized = find('GET', /^\/api\/model$/, 401);
  assert.throws(
    () => broken((d) => delete d.paths['/api/model']!.get!.responses['401']).check(unauthorized),
    /status 401 is not documented/,
  );
  const badId = find('DELETE', /not-an-id/, 400);
  assert.throws(
    () => broken((d) => delete d.paths['/api/videos/{id}']!.delete!.responses['400']).check(badId),
    /status 400 is not documented/,
  );
  const mask = answers.find((a) => a.headers['content-type'] === 'image/png')!;
  assert.throws(
    () =>
      broken((d) => {
        const ok = d.paths['/api/segment']!.post!.responses['200']!;
        ok.content = { 'application/json': ok.content!['application/json']! };
      }).check(mask),
    /content type image\/png is not documented/,
  );
  const refused = find('POST', /^\/api\/segment$/, 503);
  assert.throws(
    () =>
      broken((d) => {
        (d.paths['/api/segment']!.post!.responses['503'] as { headers: object }).headers = { 'X-Never': {} };
      }).check(refused),
    /header x-never is documented, not sent/,
  );
  assert.throws(
    () =>
      broken((d) => {
        delete (d.paths['/api/segment']!.post!.responses['503'] as { headers?: object }).headers;
      }).check(refused),
    /header retry-after is sent, not documented/,
  );
  const notAllowed = find('PUT', /^\/api\/model$/, 405);
  assert.throws(
    () => broken((d) => (d.paths['/api/model']!.put = d.paths['/api/model']!.get!)).check(notAllowed),
    /status 405 is not documented/,
  );
});

test('once the server is shutting down, a request on an open connection gets the documented 503', async () => {
  // an upload in flight keeps its connection open through close(); a request pipelined behind it
  // arrives while the server shuts down (this test closes the server: it runs last)
  const { hostname, port, host } = new URL(server.url);
  const image = multipartBody(BOUNDARY, [
    { name: 'image', filename: 'x.png', body: await picture(64, 48, 'png') },
  ]);
  const socket = connect(Number(port), hostname);
  const received: Buffer[] = [];
  socket.on('data', (c: Buffer) => received.push(c));
  const ended = new Promise((r) => socket.on('close', r));
  socket.write(
    `POST /api/segment HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${TOKEN}\r\n` +
      `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${image.length}\r\n\r\n`,
  );
  socket.write(image.subarray(0, 100));
  await new Promise((r) => setTimeout(r, 500));
  const closing = server.app.close();
  socket.write(image.subarray(100));
  socket.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  await ended;
  await closing;
  // the second answer on the connection
  const text = Buffer.concat(received).toString('utf8');
  const second = text.slice(text.indexOf('HTTP/1.1', 1));
  const [head = '', body = ''] = second.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const answer: Observed = {
    method: 'GET',
    path: '/healthz',
    status: Number(statusLine!.split(' ')[1]),
    headers: Object.fromEntries(
      lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
    ),
    body: Buffer.from(body),
  };
  assert.equal(answer.status, 503, second);
  api.check(answer);
  assert.equal(code(answer), 'busy');
});
