// Live mode's WebSocket (GET /api/live, issue 21): frames in, masks out; the same access rules as
// the HTTP API, applied to the upgrade request and to the in-band hello.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import sharp from 'sharp';
import { encodeFrame, type MaskMessage } from '../../src/server/live/protocol.ts';
import { decodeRle } from '../../src/server/live/rle.ts';
import { makeModelDir } from '../helpers/model-fixture.ts';
import { rawPicture, rawRequest, startServer, type TestServer } from './helpers.ts';
import { LiveClient } from './live-client.ts';

const TOKEN = 'live-token-0123456789abcdef';
let modelDir: string;
let open: TestServer;
let guarded: TestServer;

before(async () => {
  modelDir = await makeModelDir({ inputSize: 32 });
  open = await startServer(modelDir);
  guarded = await startServer(modelDir, { apiToken: TOKEN, allowedOrigins: ['https://viewer.example'] });
});
after(async () => {
  await open?.close();
  await guarded?.close();
  await rm(modelDir, { recursive: true, force: true });
});

async function jpegFrame(id: number, width = 48, height = 36): Promise<Uint8Array> {
  const jpeg = await sharp(rawPicture(width, height), { raw: { width, height, channels: 3 } })
    .jpeg()
    .toBuffer();
  return encodeFrame({ format: 'jpeg', width, height, id, capturedAt: 1000 + id }, jpeg);
}

function rgbaFrame(id: number, width = 32, height = 32): Uint8Array {
  const rgb = rawPicture(width, height);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++)
    rgba.set([rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!, 255], i * 4);
  return encodeFrame({ format: 'rgba', width, height, id, capturedAt: 1000 + id }, rgba);
}

test('hello, then JPEG and raw RGBA frames come back as run-length masks with polyps, ids and capture times', async () => {
  const client = await LiveClient.open(open.url);
  client.hello();
  const ready = await client.next();
  assert.deepEqual(ready, {
    type: 'ready',
    inputSize: 32,
    maxInFlight: 2,
    maxFrameBytes: 640 * 480 * 4 + 20,
    maxFramePixels: 640 * 480,
    model: 'tiny-test-unet',
    runtime: 'onnx',
  });
  client.ws.send(await jpegFrame(7));
  client.ws.send(rgbaFrame(8));
  const masks = await Promise.all(
    [7, 8].map((id) => client.next((m) => m.type === 'mask' && m.id === id) as Promise<MaskMessage>),
  );
  for (const [mask, [w, h]] of masks.map((m, i) => [m, i === 0 ? [48, 36] : [32, 32]] as const)) {
    assert.equal(mask.capturedAt, 1000 + mask.id);
    assert.deepEqual([mask.width, mask.height], [w, h]);
    const decoded = decodeRle(mask.rle, w, h);
    const area = decoded.data.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(mask.coverage - area / (w * h)) < 1e-9, 'coverage matches the mask');
    assert.equal(
      mask.polyps.reduce((a, p) => a + p.area, 0),
      area,
      'the polyps are the mask',
    );
    assert.ok(mask.serverMs >= 0 && mask.serverMs < 10_000);
  }
  assert.equal((await client.close()).code, 1005);
});

test('with a token: no hello, no token or a wrong one closes the session (1008) before any frame is segmented; the right one works and is never logged', async () => {
  for (const token of [undefined, '', 'wrong-token-wrong-token']) {
    const client = await LiveClient.open(guarded.url);
    client.ws.send(await jpegFrame(1)); // a frame before the hello is not segmented
    client.hello(token);
    const closed = await client.closed;
    assert.equal(closed.code, 1008, String(token));
    assert.deepEqual(
      client.messages.map((m) => m.type),
      ['error'],
    );
    assert.equal(client.messages[0]!.type === 'error' && client.messages[0]!.code, 'bad_message');
  }
  for (const token of [undefined, 'wrong-token-wrong-token', `${TOKEN}x`]) {
    const client = await LiveClient.open(guarded.url);
    client.hello(token);
    const closed = await client.closed;
    assert.equal(closed.code, 1008);
    assert.deepEqual(client.messages, [
      {
        type: 'error',
        code: 'unauthorized',
        message: 'this server needs an API token: a missing or wrong token',
      },
    ]);
  }
  const client = await LiveClient.ready(guarded.url, TOKEN);
  client.ws.send(await jpegFrame(3));
  await client.next((m) => m.type === 'mask' && m.id === 3);
  await client.close();
  assert.ok(!guarded.logs.some((l) => l.includes(TOKEN)), 'the token never reaches the log');
});

test('the upgrade request passes the access checks: foreign Host and cross-site Origin are refused (403) before a socket exists', async () => {
  const refused = async (headers: Record<string, string>, path?: string) => {
    const err = (await LiveClient.open(guarded.url, { headers, path }).then(
      (c) => {
        c.ws.terminate();
        return { status: 101 };
      },
      (e: { status?: number }) => e,
    )) as { status?: number };
    return err.status;
  };
  // the server's onRequest hook runs for the upgrade: Host (DNS rebinding)
  assert.equal(await refused({ host: 'evil.example' }), 403);
  assert.equal(await refused({ origin: 'https://evil.example' }), 403);
  assert.equal(await refused({ origin: 'null' }), 403);
  assert.equal(await refused({ origin: `http://evil.example:${new URL(guarded.url).port}` }), 403);
  // the server's own origin, an --allowed-origin, and no Origin (not a browser) may connect
  assert.equal(await refused({ origin: guarded.url }), 101);
  assert.equal(await refused({ origin: 'https://viewer.example' }), 101);
  assert.equal(await refused({}), 101);
  // an upgrade to a private route is still refused without the token (the token is in-band only here)
  assert.equal(await refused({}, '/api/model'), 401);
  assert.equal(await refused({}, '/api/nothing-here'), 401);
  // a plain GET of the socket's path is not an error of the server's
  const plain = await fetch(`${guarded.url}/api/live`);
  assert.ok(plain.status >= 400 && plain.status < 500, `plain GET: ${plain.status}`);
  await plain.body?.cancel();
});

test('a refused upgrade does not leave its socket open: the server closes it after the answer', async () => {
  const { port } = new URL(guarded.url);
  for (const [path, host, status] of [
    ['/api/live', 'evil.example', 403],
    ['/api/model', `127.0.0.1:${port}`, 401],
  ] as const) {
    // rawRequest resolves when the server closes the connection, and fails after the timeout
    const reply = await rawRequest(
      guarded.url,
      `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      5000,
    );
    assert.equal(reply.status, status, path);
  }
});
