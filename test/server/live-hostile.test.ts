// Hostile live-mode clients (issue 21): malformed and oversized frames, floods, too many sessions,
// silence, and a client that stops reading. The server answers or closes; it never crashes, never
// logs an error for a client's fault, and keeps serving the well-behaved clients.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import sharp from 'sharp';
import { encodeFrame, type ServerMessage } from '../../src/server/live/protocol.ts';
import { makeModelDir } from '../helpers/model-fixture.ts';
import { rawPicture, startServer, type TestServer } from './helpers.ts';
import { LiveClient } from './live-client.ts';

let modelDir: string;
let server: TestServer;
const LIMITS = {
  sessions: 4,
  idleSeconds: 1.5,
  heartbeatSeconds: 0.4,
  framePixels: 64 * 64,
  messagesPerSecond: 100,
};

before(async () => {
  modelDir = await makeModelDir({ inputSize: 32 });
  server = await startServer(modelDir, { live: LIMITS });
});
after(async () => {
  await server?.close();
  await rm(modelDir, { recursive: true, force: true });
});

const rgba = (width: number, height: number) => {
  const rgb = rawPicture(width, height);
  const px = new Uint8Array(width * height * 4).fill(255);
  for (let i = 0; i < width * height; i++) px.set(rgb.subarray(i * 3, i * 3 + 3), i * 4);
  return px;
};
const frame = (id: number, width = 32, height = 32) =>
  encodeFrame({ format: 'rgba', width, height, id, capturedAt: id }, rgba(width, height));
const jpeg = async (id: number, width: number, height: number, declared = [width, height]) =>
  encodeFrame(
    { format: 'jpeg', width: declared[0]!, height: declared[1]!, id, capturedAt: id },
    await sharp(rawPicture(width, height), { raw: { width, height, channels: 3 } })
      .jpeg()
      .toBuffer(),
  );
const errorsIn = (messages: ServerMessage[]) =>
  messages.flatMap((m) => (m.type === 'error' ? [`${m.code}${m.id === undefined ? '' : `#${m.id}`}`] : []));
/** No error-level log line (a client's fault is logged at info or not at all). */
const noErrorLogs = () =>
  assert.deepEqual(
    server.logs.filter((l) => (JSON.parse(l) as { level: number }).level >= 50),
    [],
  );

test('malformed frames are answered with an error naming the problem; the session goes on', async () => {
  const client = await LiveClient.ready(server.url);
  const good = await jpeg(1, 48, 36);
  const broken = (edit: (m: Uint8Array) => void, from = good) => {
    const m = from.slice();
    edit(m);
    return m;
  };
  const garbage: Array<[Uint8Array | string, string]> = [
    [new Uint8Array([1, 2, 3]), 'bad_frame'], // shorter than the header
    [broken((m) => (m[0] = 9)), 'bad_frame'], // unknown version
    [broken((m) => (m[1] = 7)), 'bad_frame'], // unknown format
    [broken((m) => m.fill(0, 2, 6)), 'bad_frame'], // 0×0
    [broken((m) => m.fill(0x41, 20)), 'bad_frame#1'], // a JPEG header over junk bytes
    [good.subarray(0, 200), 'bad_frame#1'], // a truncated JPEG
    [await jpeg(2, 48, 36, [40, 30]), 'bad_frame#2'], // the JPEG's size is not the declared one
    [await jpeg(3, 80, 60), 'bad_frame#3'], // over the pixel limit (64×64)
    [frame(4).subarray(0, 100), 'bad_frame#4'], // RGBA of the wrong length
    [
      encodeFrame({ format: 'rgba', width: 65535, height: 65535, id: 5, capturedAt: 0 }, new Uint8Array(8)),
      'bad_frame#5',
    ],
    ['{"type":"hello"}', 'bad_message'], // text after the hello
    ['\u0000\u00ff not json', 'bad_message'],
  ];
  for (const [message, expected] of garbage) {
    const seen = client.messages.length;
    client.ws.send(message);
    const answer = await client.next((m) => m.type === 'error', 10_000, seen);
    assert.equal(errorsIn([answer])[0], expected, `answer to ${String(message).slice(0, 40)}`);
    assert.ok(answer.type === 'error' && answer.message.length > 10 && !answer.message.includes('/tmp'));
  }
  client.ws.send(good);
  await client.next((m) => m.type === 'mask' && m.id === 1);
  await client.close();
  noErrorLogs();
});

test('anything but a hello as the first message, binary garbage included, closes the socket (1008)', async () => {
  for (const first of [
    frame(1),
    new Uint8Array(1000).fill(7),
    '{"type":"hello","token":5}',
    '{"type":"start"}',
    '[]',
  ]) {
    const client = await LiveClient.open(server.url);
    client.ws.send(first);
    assert.equal((await client.closed).code, 1008);
    assert.deepEqual(errorsIn(client.messages), ['bad_message']);
  }
});

test('an oversized message is refused before it is buffered (1009); other sessions are unaffected', async () => {
  const bystander = await LiveClient.ready(server.url);
  const client = await LiveClient.ready(server.url);
  client.ws.send(new Uint8Array(64 * 64 * 4 + 21));
  assert.equal((await client.closed).code, 1009);
  bystander.ws.send(frame(9));
  await bystander.next((m) => m.type === 'mask' && m.id === 9);
  await bystander.close();
});

test('20 connections: 4 sessions start, the others are told the server is full (1013); freed slots are reused', async () => {
  const clients = await Promise.all(Array.from({ length: 20 }, () => LiveClient.open(server.url)));
  clients.forEach((c) => c.hello());
  const outcomes = await Promise.all(
    clients.map((c) =>
      c
        .next((m) => m.type === 'ready' || m.type === 'error')
        .then((m) => (m.type === 'ready' ? 'ready' : m.type === 'error' ? m.code : m.type)),
    ),
  );
  const live = clients.filter((_, i) => outcomes[i] === 'ready');
  assert.equal(live.length, 4, outcomes.join());
  // the four share the server: each one's frames are answered
  live.forEach((c, i) => c.ws.send(frame(100 + i)));
  await Promise.all(live.map((c, i) => c.next((m) => m.type === 'mask' && m.id === 100 + i)));
  for (const [i, c] of clients.entries()) {
    if (outcomes[i] === 'ready') continue;
    assert.ok(['too_many_sessions', 'busy'].includes(outcomes[i]!), outcomes[i]);
    assert.equal((await c.closed).code, 1013);
  }
  const full = clients.find((_, i) => outcomes[i] === 'too_many_sessions')!;
  assert.match(
    (full.messages[0] as { message: string }).message,
    /as many live sessions as it allows; try again later or segment in this browser/,
  );
  await live[0]!.close();
  const next = await LiveClient.ready(server.url);
  await Promise.all([next.close(), ...live.slice(1).map((c) => c.close())]);
});

test('a burst of frames: two run, the newest waits, the others are dropped and said so, never queued', async () => {
  const client = await LiveClient.ready(server.url);
  const burst = Array.from({ length: 10 }, (_, i) => frame(i + 1));
  client.ws.send(burst[0]!); // warm: one frame through
  await client.next((m) => m.type === 'mask' && m.id === 1);
  const seen = client.messages.length;
  for (const f of burst.slice(1)) client.ws.send(f);
  const answered = async () => {
    for (;;) {
      const done = client.messages.slice(seen).filter((m) => m.type === 'mask' || m.type === 'dropped');
      if (done.length >= 9) return done;
      await client.next(() => true, 10_000, client.messages.length);
    }
  };
  const done = await answered();
  const ids = (type: string) => done.filter((m) => m.type === type).map((m) => (m as { id: number }).id);
  assert.deepEqual(
    [...ids('mask'), ...ids('dropped')].sort((a, b) => a - b),
    [2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  assert.ok(ids('mask').length <= 4 && ids('dropped').length >= 5, `masks ${ids('mask')}`);
  assert.ok(ids('mask').includes(10), 'the newest frame is never the one dropped');
  await client.close();
});

test('a flood is rate-limited (frames dropped, one error), and at 4× the rate the session is closed', async () => {
  const client = await LiveClient.ready(server.url);
  const tiny = new Uint8Array(4);
  for (let i = 0; i < 4 * LIMITS.messagesPerSecond + 10; i++) client.ws.send(tiny);
  assert.equal((await client.closed).code, 1008);
  const errors = errorsIn(client.messages);
  assert.equal(errors.filter((e) => e === 'rate_limited').length, 2, errors.join()); // the warning, then the close
  assert.ok(errors.filter((e) => e === 'bad_frame').length <= LIMITS.messagesPerSecond);
});

test('silence: no hello, or no frame for the idle timeout, closes the session', async () => {
  const mute = await LiveClient.open(server.url);
  const idle = await LiveClient.ready(server.url);
  const started = Date.now();
  assert.equal((await idle.closed).code, 1000);
  assert.deepEqual(errorsIn(idle.messages), ['idle']);
  assert.equal((await mute.closed).code, 1008);
  assert.deepEqual(errorsIn(mute.messages), ['unauthorized']);
  const waited = Date.now() - started;
  assert.ok(waited >= 1000 && waited < 8000, `closed after ${waited} ms`);
});

test('a client that stops reading is cut off (no pong to the heartbeat) and its slot freed', async () => {
  const reader = await LiveClient.ready(server.url);
  const stalled = await LiveClient.ready(server.url);
  stalled.ws._socket.pause(); // reads nothing more: neither answers nor pings
  stalled.ws.send(frame(1));
  for (let i = 0; i < 20; i++) {
    // the reader keeps working meanwhile
    reader.ws.send(frame(200 + i));
    await reader.next((m) => m.type === 'mask' && m.id === 200 + i);
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 1500));
  assert.ok(
    server.logs.some((l) => l.includes('live client stopped answering pings')),
    'the server cut the stalled client',
  );
  stalled.ws._socket.resume();
  assert.equal((await stalled.closed).code, 1006); // terminated, no close handshake
  await reader.close();
  noErrorLogs();
});
