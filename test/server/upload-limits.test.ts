// Upload deadlines and budgets a dripping or flooding client cannot defeat (issue 19, items 2 and 4).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { exited, LISTENING, serveArgs, spawnCli } from '../../scripts/lib/cli-process.ts';
import { makeModelDir } from '../helpers/model-fixture.ts';
import { multipartBody, picture, startServer, upload, type TestServer } from './helpers.ts';
import { bodyCutoff, ByteBudget, ClientUploads } from '../../src/server/upload-limits.ts';

let modelDir: string;
before(async () => {
  modelDir = await makeModelDir({ inputSize: 32 });
});
after(async () => {
  await rm(modelDir, { recursive: true, force: true });
});

/**
 * A client that opens an upload to `route` (field `field`), sends the multipart head and then one
 * byte every `everyMs`. `closed` resolves with the ms from the start until the server closed it.
 */
function dripper(url: string, route: string, field: string, everyMs: number) {
  const { hostname, port } = new URL(url);
  const started = Date.now();
  const socket: Socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  let answer = '';
  socket.on('data', (c: Buffer) => (answer += c.toString('latin1')));
  const head = multipartBody('XYZ', [{ name: field, filename: 'a', body: '' }], false).subarray(0, -2);
  socket.write(
    `POST ${route} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: multipart/form-data; boundary=XYZ\r\nContent-Length: 10000000\r\n\r\n`,
  );
  socket.write(head);
  const drip = setInterval(() => socket.write('x'), everyMs);
  const closed = new Promise<number>((resolve) =>
    socket.on('close', () => {
      clearInterval(drip);
      resolve(Date.now() - started);
    }),
  );
  return {
    closed,
    answer: () => answer,
    stop: () => {
      clearInterval(drip);
      socket.destroy();
    },
  };
}

test('units: the body cutoff, the per-client count and the byte budget', () => {
  const rules = { idleMs: 10_000, minBytesPerSecond: 100, totalMs: 60_000 };
  // silent: the idle rule
  assert.deepEqual(bodyCutoff({ start: 0, last: 0, received: 0 }, rules), { at: 10_000, reason: 'idle' });
  // a byte a second keeps it from going silent, but not above 100 bytes/s after the 10 s grace
  assert.deepEqual(bodyCutoff({ start: 0, last: 9_000, received: 9 }, rules), { at: 10_090, reason: 'slow' });
  // fast enough: the total time rules
  assert.deepEqual(bodyCutoff({ start: 0, last: 55_000, received: 10_000_000 }, rules), {
    at: 60_000,
    reason: 'total',
  });
  assert.deepEqual(
    bodyCutoff({ start: 0, last: 5_000, received: 2_000 }, { ...rules, minBytesPerSecond: 0 }),
    {
      at: 15_000,
      reason: 'idle',
    },
  );

  const clients = new ClientUploads(2);
  const a1 = clients.enter('a');
  clients.enter('a');
  assert.throws(() => clients.enter('a'), { statusCode: 503 });
  clients.enter('b');
  a1();
  a1(); // idempotent: frees one place only
  assert.equal(clients.count('a'), 1);
  clients.enter('a');
  assert.throws(() => clients.enter('a'), { statusCode: 503 });

  const budget = new ByteBudget(100);
  const x = budget.open();
  const y = budget.open();
  x.add(60);
  assert.throws(() => y.add(41), { statusCode: 503, headers: { 'retry-after': '2' } });
  y.add(40);
  x.release();
  x.release();
  assert.equal(budget.inUse, 40);
  y.release();
  assert.equal(budget.inUse, 0);
});

test('24 clients dripping a byte a second into image uploads do not keep a normal image from its 200', async () => {
  const s = await startServer(modelDir);
  const drips = Array.from({ length: 24 }, () => dripper(s.url, '/api/segment', 'image', 1000));
  try {
    await new Promise((r) => setTimeout(r, 1500));
    const started = Date.now();
    const res = await upload(`${s.url}/api/segment`, 'image', await picture(64, 48, 'jpeg'), 'a.jpg');
    const ms = Date.now() - started;
    assert.equal(res.status, 200, await res.text());
    assert.ok(ms < 10_000, `took ${ms} ms`);
  } finally {
    for (const d of drips) d.stop();
    await s.close();
  }
});

test('a trickling body is cut off: images after their total time, videos below the minimum rate', async () => {
  const s = await startServer(modelDir, {
    limits: { bodyTimeoutSeconds: 1, imageUploadSeconds: 1.5, uploadMinBytesPerSecond: 0 },
  });
  const v = await startServer(modelDir, { limits: { bodyTimeoutSeconds: 1, uploadMinBytesPerSecond: 1000 } });
  // a byte every 200 ms never leaves the 1 s silence timeout a chance
  const image = dripper(s.url, '/api/segment', 'image', 200);
  const video = dripper(v.url, '/api/videos', 'video', 200);
  const giveUp = setTimeout(() => (image.stop(), video.stop()), 8000);
  try {
    const [imageMs, videoMs] = await Promise.all([image.closed, video.closed]);
    assert.ok(imageMs >= 1400 && imageMs < 5000, `image upload closed after ${imageMs} ms`);
    assert.ok(videoMs >= 900 && videoMs < 5000, `video upload closed after ${videoMs} ms`);
    assert.ok(s.logs.some((l) => /"reason":"total"/.test(l) && /request body stalled/.test(l)));
    assert.ok(v.logs.some((l) => /"reason":"slow"/.test(l) && /request body stalled/.test(l)));
  } finally {
    clearTimeout(giveUp);
    await s.close();
    await v.close();
  }
});

test('one client may have uploadsPerClient uploads in flight; the next gets a readable 503', async () => {
  const s = await startServer(modelDir, { limits: { uploadsPerClient: 2 } });
  const drips = [dripper(s.url, '/api/videos', 'video', 500), dripper(s.url, '/api/segment', 'image', 500)];
  try {
    await new Promise((r) => setTimeout(r, 500));
    const refused = await upload(`${s.url}/api/segment`, 'image', await picture(64, 48, 'png'), 'a.png');
    assert.equal(refused.status, 503);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.match(await refused.text(), /"code":"busy".*uploads in progress/);
    drips[0]!.stop();
    await drips[0]!.closed;
    await new Promise((r) => setTimeout(r, 200));
    const res = await upload(`${s.url}/api/segment`, 'image', await picture(64, 48, 'png'), 'a.png');
    assert.equal(res.status, 200);
  } finally {
    for (const d of drips) d.stop();
    await s.close();
  }
});

test('100 parallel fetch uploads each get an HTTP answer (200 or 503), never a broken pipe', async () => {
  // a server process of its own: in this process the client would write every body before the
  // server got to answer any, and early answers would never meet a body still being sent
  const dataDir = await mkdtemp(join(tmpdir(), 'polypseg-flood-'));
  const server = await spawnCli(serveArgs(modelDir, dataDir, '--image-concurrency', '1'), LISTENING);
  try {
    // noise does not compress: a 1 MB image is still being sent when the early answers come
    const side = 600;
    const bytes = await sharp(randomBytes(side * side * 3), {
      raw: { width: side, height: side, channels: 3 },
    })
      .png()
      .toBuffer();
    const answers = await Promise.all(
      Array.from({ length: 100 }, () =>
        upload(`${server.match[1]}/api/segment`, 'image', bytes, 'a.png').then(
          async (res) => {
            await res.arrayBuffer();
            return String(res.status);
          },
          (err: Error & { cause?: { code?: string } }) => `${err.message} ${err.cause?.code ?? ''}`,
        ),
      ),
    );
    const tally: Record<string, number> = {};
    for (const a of answers) tally[a] = (tally[a] ?? 0) + 1;
    assert.deepEqual(
      Object.keys(tally).filter((k) => k !== '200' && k !== '503'),
      [],
      JSON.stringify(tally),
    );
    assert.ok(tally['200']! > 0 && tally['503']! > 0, JSON.stringify(tally));
  } finally {
    server.proc.kill('SIGTERM');
    await exited(server.proc);
    await rm(dataDir, { recursive: true, force: true });
  }
});
