// Security headers on every answer, event streams (hijacked replies) included (issue 19 #6).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTENT_SECURITY_POLICY } from '../../src/server/access.ts';
import { makeModelDir } from '../helpers/model-fixture.ts';
import { makeClip } from '../video/video-fixtures.ts';
import { startServer, type TestServer } from './helpers.ts';
import { submit } from './video-helpers.ts';

let modelDir: string;
let work: string;
let server: TestServer;

before(async () => {
  modelDir = await makeModelDir({ inputSize: 32 });
  work = await mkdtemp(join(tmpdir(), 'polypseg-headers-'));
  makeClip(join(work, 'clip.mp4'), { width: 64, height: 48, fps: 10, frames: 3 });
  server = await startServer(modelDir);
});
after(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
  await rm(modelDir, { recursive: true, force: true });
});

test('a progress event stream carries CSP, nosniff and the other security headers', async () => {
  const res = await submit(server.url, await readFile(join(work, 'clip.mp4')));
  const { id } = (await res.json()) as { id: string };
  const events = await fetch(`${server.url}/api/videos/${id}/events`);
  try {
    assert.equal(events.status, 200);
    assert.match(events.headers.get('content-type')!, /text\/event-stream/);
    assert.equal(events.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    assert.equal(events.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(events.headers.get('x-frame-options'), 'DENY');
    assert.equal(events.headers.get('cross-origin-resource-policy'), 'same-origin');
  } finally {
    await events.body?.cancel();
  }
});
