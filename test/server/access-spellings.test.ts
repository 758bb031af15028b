// Issue 19 (1): the token is decided on the routed request. Every spelling of every private route,
// enumerated from the router, is refused without the token; no handler runs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeModelDir } from '../helpers/model-fixture.ts';
import { multipartBody, picture, rawRequest, startServer, type TestServer } from './helpers.ts';

const TOKEN = 'spelling-test-token-0123456789';
const JOB_ID = '00000000-0000-4000-8000-000000000000';
let modelDir: string;
let webDir: string;
let server: TestServer;
let png: Buffer;

before(async () => {
  modelDir = await makeModelDir({ inputSize: 32 });
  png = await picture(64, 48, 'png');
  // a real built page, so the static plugin's catch-all route is in the router too
  webDir = await mkdtemp(join(tmpdir(), 'polypseg-web-'));
  await mkdir(join(webDir, 'assets'));
  await writeFile(join(webDir, 'index.html'), '<!doctype html><title>page</title>');
  await writeFile(join(webDir, 'assets', 'app.js'), 'console.log(1)');
  server = await startServer(modelDir, { apiToken: TOKEN, webDir });
});
after(async () => {
  await server?.close();
  await rm(modelDir, { recursive: true, force: true });
  await rm(webDir, { recursive: true, force: true });
});

const pct = (c: string) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0');

/** Ways to write one path that a router, a proxy or a normaliser might take for the same route. */
export function spellings(path: string): string[] {
  const out = new Set<string>([path]);
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (c === '/') {
      out.add(`${path.slice(0, i)}%2f${path.slice(i + 1)}`);
      out.add(`${path.slice(0, i)}%2F${path.slice(i + 1)}`);
      out.add(`${path.slice(0, i)}//${path.slice(i + 1)}`);
      out.add(`${path.slice(0, i)}/./${path.slice(i + 1)}`);
      continue;
    }
    out.add(path.slice(0, i) + pct(c) + path.slice(i + 1));
    out.add(path.slice(0, i) + pct(c).toUpperCase() + path.slice(i + 1));
    out.add(path.slice(0, i) + '%25' + pct(c).slice(1) + path.slice(i + 1)); // double encoding
  }
  const first = path.split('/')[1] ?? '';
  out.add(path.replace(`/${first}`, `/${first.toUpperCase()}`));
  out.add(`${path}/`);
  out.add(`/${path}`);
  out.add(`/./${path.slice(1)}`);
  out.add(`/x/..${path}`);
  out.add(`/x/%2e%2e${path}`);
  out.add(
    path
      .split('/')
      .map((seg) => [...seg].map(pct).join(''))
      .join('/'),
  );
  return [...out];
}

function request(method: string, path: string): Promise<{ status: number; body: string }> {
  const { host } = new URL(server.url);
  let body: Buffer = Buffer.alloc(0);
  let type = '';
  if (method === 'POST') {
    const field = path.toLowerCase().includes('vid') ? 'video' : 'image';
    body = multipartBody('b0undary', [{ name: field, filename: 'x.png', body: png }]);
    type = 'Content-Type: multipart/form-data; boundary=b0undary\r\n';
  }
  const head = `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n${type}Content-Length: ${body.length}\r\n\r\n`;
  return rawRequest(server.url, Buffer.concat([Buffer.from(head), body]));
}

test('without the token no spelling of any private route reaches its handler', async () => {
  const table = server.app.routeTable();
  const privateRoutes = table.filter((r) => !r.public);
  // the router must hold the API: guards against an empty table making this test vacuous
  for (const must of [
    'POST /api/segment',
    'POST /api/videos',
    'GET /api/videos/:id',
    'DELETE /api/videos/:id',
  ])
    assert.ok(
      privateRoutes.some((r) => `${r.method} ${r.url}` === must),
      `${must} is a private route`,
    );
  assert.ok(table.some((r) => r.public && r.url === '/healthz'));
  assert.ok(
    table.some((r) => r.public && r.url === '/*'),
    "the page's static route is public",
  );
  let tried = 0;
  for (const route of privateRoutes) {
    const path = route.url.replace(/:\w+/g, JOB_ID);
    for (const spelled of spellings(path)) {
      const res = await request(route.method, spelled);
      tried++;
      // 401 (a private route or no route), or the public static route refusing a path it cannot serve
      assert.ok(
        res.status === 401 || res.status === 404 || res.status === 400 || res.status === 403,
        `${route.method} ${spelled} -> ${res.status} ${res.body.slice(0, 120)}`,
      );
      if (res.status !== 401) assert.doesNotMatch(res.body, /"id"|"status"|"polyps"|"onnxUrl"/);
    }
  }
  assert.ok(tried > 200, `tried ${tried} spellings`);
  // nothing ran: no job was created, no image segmented
  const jobs = await readdir(join(server.dataDir, 'jobs')).catch(() => []);
  assert.deepEqual(jobs, []);
  assert.ok(!server.logs.some((l) => /video job queued|image segmented/.test(l)));
});

test('the canonical spellings of the private routes work with the token; public routes without', async () => {
  const { host } = new URL(server.url);
  const get = (path: string, auth = '') =>
    rawRequest(server.url, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${auth}Connection: close\r\n\r\n`);
  assert.equal((await get('/api/model', `Authorization: Bearer ${TOKEN}\r\n`)).status, 200);
  assert.equal((await get('/%61pi/model', `Authorization: Bearer ${TOKEN}\r\n`)).status, 200);
  assert.equal((await get('/%61pi/model')).status, 401);
  for (const open of ['/healthz', '/', '/index.html', '/assets/app.js', '/api/docs', '/api/openapi.json'])
    assert.equal((await get(open)).status, 200, open);
  // an unknown path under /api/ falls to the page's static route (public) and is simply not found
  assert.equal((await get('/api/no-such-route')).status, 404);
});
