// Issue 25: every check of readSingleFile (src/server/multipart.ts) pinned by a test that fails when
// the check is weakened: the parser's limits, the wrong-field / extra-part / size / file-name /
// part-header checks, each error mapping (client errors 4xx, file-system errors stay 5xx) and the
// body idle timeout. A small Fastify app on loopback runs the reader the way the upload routes do
// (in memory like /api/segment, to disk like /api/videos) without loading a model.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyMultipart from '@fastify/multipart';
import pino from 'pino';
import { readSingleFile } from '../../src/server/multipart.ts';
import type { BodyDeadlines } from '../../src/server/upload-limits.ts';
import { HttpError, toErrorReply } from '../../src/server/http-error.ts';
import { rawPost, rawRequest, type RawReply } from './helpers.ts';

const MAX_BYTES = 1.5 * 1024 * 1024; // "1.5 MB" in messages
const IDLE_MS = 1000;
const TYPE = 'multipart/form-data; boundary=XYZ';

let app: FastifyInstance;
let url: string;
let dir: string;
const logs: string[] = [];

/** What the reader is given: the field, the size limit and the body deadlines. */
const options = (field: string, deadlines: Partial<BodyDeadlines> = {}) => ({
  field,
  maxBytes: MAX_BYTES,
  // the silence rule unless a test says otherwise (upload-limits.test.ts covers the rules themselves)
  deadlines: { idleMs: IDLE_MS, minBytesPerSecond: 0, totalMs: Number.POSITIVE_INFINITY, ...deadlines },
});

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polypseg-multipart-'));
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  app = Fastify({ loggerInstance: pino({ level: 'info' }, sink) as FastifyBaseLogger });
  app.setErrorHandler((err, req, reply) => {
    const { statusCode, headers, body } = toErrorReply(err);
    req.log.info({ status: statusCode, code: body.error.code }, body.error.message);
    if (!req.raw.complete) reply.header('connection', 'close');
    return reply.code(statusCode).headers(headers).send(body);
  });
  app.removeAllContentTypeParsers();
  await app.register(fastifyMultipart, { throwFileSizeLimit: true });
  let n = 0;
  app.post('/memory', async (req) => {
    const bytes = await readSingleFile(req, options('image'), (part) => part.toBuffer());
    return { bytes: bytes.length, head: bytes.subarray(0, 8).toString('hex') };
  });
  app.post('/disk', async (req) => {
    const path = join(dir, `upload-${n++}`);
    await readSingleFile(req, options('video'), (part) => pipeline(part.file, createWriteStream(path)));
    return { bytes: (await stat(path)).size };
  });
  // a body that must average 2000 bytes/s after a 300 ms grace, or arrive whole within 800 ms
  app.post('/slow', async (req) => {
    await readSingleFile(req, options('image', { idleMs: 300, minBytesPerSecond: 2000 }), (p) =>
      p.toBuffer(),
    );
    return {};
  });
  app.post('/total', async (req) => {
    await readSingleFile(req, options('image', { totalMs: 800 }), (p) => p.toBuffer());
    return {};
  });
  // storing fails on the server's side: a directory that is not there
  app.post('/disk-gone', async (req) => {
    const path = join(dir, 'no-such-dir', 'upload');
    await readSingleFile(req, options('video'), (part) => pipeline(part.file, createWriteStream(path)));
    return {};
  });
  // what `consume` may throw besides the parser's errors
  const thrown: Record<string, () => unknown> = {
    http: () => new HttpError(422, 'undecodable', 'not an image'),
    client: () => Object.assign(new Error('client side'), { statusCode: 409 }),
    'status-500': () => Object.assign(new Error('parser gave up'), { statusCode: 500 }),
    'status-text': () => Object.assign(new Error('odd status'), { statusCode: '409' }),
    nothing: () => undefined,
    busy: () => new HttpError(503, 'busy', 'the server is busy', { 'retry-after': '2' }),
  };
  app.post<{ Querystring: { kind: string } }>('/throws', async (req) => {
    await readSingleFile(req, options('image'), async (part) => {
      await part.toBuffer();
      throw thrown[req.query.kind]!();
    });
    return {};
  });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A part: Content-Disposition with name (and filename unless null), then more headers, then the body. */
function part(
  name: string,
  body: string | Buffer,
  opts: { filename?: string | null; headers?: string } = {},
) {
  const filename = opts.filename === null ? '' : `; filename="${opts.filename ?? 'a.png'}"`;
  const type = opts.filename === null ? '' : 'Content-Type: image/png\r\n';
  return Buffer.concat([
    Buffer.from(
      `--XYZ\r\nContent-Disposition: form-data; name="${name}"${filename}\r\n${type}${opts.headers ?? ''}\r\n`,
    ),
    Buffer.from(body),
    Buffer.from('\r\n'),
  ]);
}
const END = Buffer.from('--XYZ--\r\n');
const form = (...parts: Buffer[]) => Buffer.concat([...parts, END]);

const post = (path: string, body: Buffer, type = TYPE) => rawPost(url, path, type, body);
const json = (res: RawReply) => JSON.parse(res.body) as { error: { code: string; message: string } };

async function refused(path: string, body: Buffer, status: number, code: string, message: RegExp) {
  const res = await post(path, body);
  assert.equal(res.status, status, `${path}: ${res.status} ${res.body}`);
  assert.equal(json(res).error.code, code, res.body);
  assert.match(json(res).error.message, message);
}

test('one file in the named field is read whole, in memory and to disk', async () => {
  const png = Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.alloc(5000, 7)]);
  const mem = await post('/memory', form(part('image', png)));
  assert.equal(mem.status, 200, mem.body);
  assert.deepEqual(JSON.parse(mem.body), { bytes: 5008, head: '89504e470d0a1a0a' });
  const disk = await post('/disk', form(part('video', png)));
  assert.equal(disk.status, 200, disk.body);
  assert.deepEqual(JSON.parse(disk.body), { bytes: 5008 });
  // exactly the size limit, and a file name of exactly the longest length, are fine
  const full = await post(
    '/disk',
    form(part('video', Buffer.alloc(MAX_BYTES, 1), { filename: 'n'.repeat(255) })),
  );
  assert.equal(full.status, 200, full.body);
  assert.deepEqual(JSON.parse(full.body), { bytes: MAX_BYTES });
  // a file part without a file name (curl, scripts) is still a file: the name is never used
  const noName = Buffer.concat([
    Buffer.from(
      '--XYZ\r\nContent-Disposition: form-data; name="image"\r\nContent-Type: application/octet-stream\r\n\r\n',
    ),
    png,
    Buffer.from('\r\n'),
    END,
  ]);
  const res = await post('/memory', noName);
  assert.equal(res.status, 200, res.body);
});

test('anything but exactly one file in the named field is a 400 that names the field', async () => {
  const one = /^send exactly one file, in the multipart field 'image', and nothing else$/;
  await refused('/memory', form(part('image', 'x'), part('image', 'y')), 400, 'bad_request', one);
  await refused(
    '/memory',
    form(part('image', 'x'), part('note', 'hi', { filename: null })),
    400,
    'bad_request',
    one,
  );
  await refused('/memory', form(part('image', 'x', { filename: null })), 400, 'bad_request', one);
  await refused(
    '/memory',
    form(part('note', 'hi', { filename: null }), part('image', 'x')),
    400,
    'bad_request',
    one,
  );
  await refused('/memory', END, 400, 'bad_request', /^missing file field 'image'$/);
  await refused(
    '/memory',
    form(part('other', 'x')),
    400,
    'bad_request',
    /^expected the file in field 'image', got 'other'$/,
  );
  // a field name is cut at 100 characters by the parser, and so in the message
  const long = await post('/memory', form(part('f'.repeat(5000), 'x')));
  assert.equal(long.status, 400);
  assert.match(json(long).error.message, /got 'f{100}'$/);
  await refused(
    '/disk',
    form(part('video', 'x'), part('video', 'y')),
    400,
    'bad_request',
    /^send exactly one file, in the multipart field 'video', and nothing else$/,
  );
});

test('part headers: at most 16 pairs are read, so a Content-Disposition after them is not seen', async () => {
  const padded = (pairs: number) =>
    Buffer.concat([
      Buffer.from(`--XYZ\r\n${'X-Pad: 1\r\n'.repeat(pairs)}`),
      Buffer.from('Content-Disposition: form-data; name="image"; filename="a.png"\r\n\r\nhello\r\n'),
      END,
    ]);
  assert.equal((await post('/memory', padded(15))).status, 200);
  await refused('/memory', padded(16), 400, 'bad_request', /missing file field 'image'/);
});

test('over the size limit: 413 naming the limit, whether read into memory or written to disk', async () => {
  const big = form(part('image', Buffer.alloc(MAX_BYTES + 1, 1)));
  await refused('/memory', big, 413, 'too_large', /^the upload is larger than the 1\.5 MB limit$/);
  await refused(
    '/disk',
    form(part('video', Buffer.alloc(MAX_BYTES + 1, 1))),
    413,
    'too_large',
    /^the upload is larger than the 1\.5 MB limit$/,
  );
});

test('a file name over 255 characters is refused, before the file is read', async () => {
  await refused(
    '/memory',
    form(part('image', 'x', { filename: 'n'.repeat(256) })),
    400,
    'bad_request',
    /^the file name is longer than 255 characters$/,
  );
  await refused(
    '/disk',
    form(part('video', Buffer.alloc(100_000), { filename: 'n'.repeat(256) })),
    400,
    'bad_request',
    /longer than 255/,
  );
});

test('bytes besides the file (boundaries, part headers, preamble) are capped at 16 KB', async () => {
  const body = (extra: number) => {
    const core = form(part('image', 'hello'));
    // busboy skips a preamble before the first boundary; it still arrives and counts
    const overhead = core.length - 'hello'.length;
    const preamble = Buffer.alloc(16 * 1024 - overhead + extra, 'p');
    preamble.write('\r\n', preamble.length - 2); // a delimiter after a preamble starts with CRLF
    return Buffer.concat([preamble, core]);
  };
  assert.equal((await post('/memory', body(0))).status, 200, 'exactly 16 KB besides the file');
  await refused('/memory', body(1), 400, 'bad_request', /^the multipart part headers are larger than 16 KB$/);
  await refused(
    '/memory',
    form(part('image', 'hello', { headers: `X-Pad: ${'a'.repeat(20_000)}\r\n` })),
    400,
    'bad_request',
    /part headers are larger than 16 KB/,
  );
});

test('a request that is not multipart is a 415 that names the field', async () => {
  // a body of another type is refused by Fastify before the route (no parser for it); a POST without
  // a body reaches the reader
  const { host } = new URL(url);
  const res = await rawRequest(
    url,
    `POST /memory HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
  );
  assert.equal(res.status, 415, res.body);
  assert.deepEqual(json(res).error, {
    code: 'unsupported_media_type',
    message: "send multipart/form-data with the file in the field 'image' (curl -F image=@FILE)",
  });
});

test("a malformed body is 400 bad_multipart with the parser's reason; a storage failure stays a 500", async () => {
  const good = form(part('image', Buffer.alloc(3000, 1)));
  for (const [what, body] of [
    ['truncated', good.subarray(0, good.length - 40)],
    ['no closing boundary', part('image', 'hello')],
  ] as const) {
    const res = await post('/memory', body);
    assert.equal(res.status, 400, `${what}: ${res.body}`);
    assert.equal(json(res).error.code, 'bad_multipart', what);
    assert.match(json(res).error.message, /^the multipart body is malformed or incomplete \(.+\)$/, what);
  }
  const gone = await post('/disk-gone', form(part('video', 'hello')));
  assert.equal(gone.status, 500, gone.body);
  assert.equal(json(gone).error.code, 'internal_error');
  assert.doesNotMatch(gone.body, /no-such-dir|polypseg-multipart/, 'no server path in the answer');
});

test("consume's own errors: an HTTP error or a client status passes; anything else is a malformed body", async () => {
  const body = form(part('image', 'hello'));
  const kinds: Array<[string, number, string, RegExp]> = [
    ['http', 422, 'undecodable', /^not an image$/],
    // the code names the status (issue 24: a status without its own code falls back to its HTTP reason)
    ['client', 409, 'conflict', /^client side$/],
    ['status-500', 400, 'bad_multipart', /\(parser gave up\)$/],
    ['status-text', 400, 'bad_multipart', /\(odd status\)$/],
    ['nothing', 400, 'bad_multipart', /\(unreadable\)$/],
    ['busy', 503, 'busy', /^the server is busy$/], // an HTTP error keeps its status, 5xx included
  ];
  for (const [kind, status, code, message] of kinds) {
    const res = await post(`/throws?kind=${kind}`, body);
    assert.equal(res.status, status, `${kind}: ${res.body}`);
    assert.equal(json(res).error.code, code, kind);
    assert.match(json(res).error.message, message, kind);
  }
});

/** Sends the head and `chunks` of a body (each after `gapMs`), then waits for the server to answer or close. */
function dribble(
  path: string,
  chunks: Buffer[],
  gapMs: number,
  contentLength: number,
): Promise<RawReply & { ms: number }> {
  const { hostname, port } = new URL(url);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const got: Buffer[] = [];
    const timers: NodeJS.Timeout[] = [];
    socket.on('data', (c) => got.push(c));
    socket.on('error', () => undefined);
    socket.setTimeout(15_000, () => {
      socket.destroy();
      reject(new Error('neither an answer nor a close within 15 s'));
    });
    socket.on('close', () => {
      for (const t of timers) clearTimeout(t);
      const text = Buffer.concat(got).toString('latin1');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      resolve({
        status: Number(head.split(' ')[1] ?? 0),
        headers: head,
        body: rest.join('\r\n\r\n'),
        ms: Date.now() - started,
      });
    });
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\nContent-Type: ${TYPE}\r\nContent-Length: ${contentLength}\r\n\r\n`,
    );
    chunks.forEach((c, i) => timers.push(setTimeout(() => socket.write(c), i * gapMs)));
  });
}

test('a body that goes silent is cut off after the idle time (408 logged); a slow steady one is not', async () => {
  logs.length = 0;
  const start = part('video', Buffer.alloc(2000, 1)).subarray(0, 300);
  const stalled = await dribble('/disk', [start], 0, 100_000);
  assert.ok(stalled.ms >= IDLE_MS * 0.9 && stalled.ms < IDLE_MS * 5, `closed after ${stalled.ms} ms`);
  const stallLog = logs.find((l) => l.includes('request body stalled; connection closed'));
  assert.ok(stallLog, logs.join(''));
  const stall = JSON.parse(stallLog) as { reason?: string; bytes?: number };
  assert.deepEqual([stall.reason, stall.bytes], ['idle', 300], stallLog);
  const answer = logs
    .map((l) => JSON.parse(l) as { status?: number; code?: string; msg: string })
    .find((l) => l.status);
  assert.deepEqual(answer && [answer.status, answer.code, answer.msg], [
    408,
    'body_timeout',
    `no data for ${IDLE_MS / 1000} s; upload abandoned`,
  ]);

  // 12 pieces 150 ms apart: 1.65 s in all, longer than the idle time, but never silent for that long
  const whole = form(part('video', Buffer.alloc(6000, 2)));
  const pieces = Array.from({ length: 12 }, (_, i) =>
    whole.subarray((i * whole.length) / 12, ((i + 1) * whole.length) / 12),
  );
  const steady = await dribble('/disk', pieces, 150, whole.length);
  assert.equal(steady.status, 200, steady.body);
  assert.deepEqual(JSON.parse(steady.body), { bytes: 6000 });
});

test('after an upload the idle timer is gone: a kept-alive connection is not cut later', async () => {
  logs.length = 0;
  const { hostname, port } = new URL(url);
  const body = form(part('image', 'hello'));
  const request = `POST /memory HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: ${TYPE}\r\nContent-Length: ${body.length}\r\n\r\n`;
  const socket = connect(Number(port), hostname);
  const answers: string[] = [];
  socket.on('data', (c) => answers.push(String(c)));
  try {
    socket.write(Buffer.concat([Buffer.from(request), body]));
    await new Promise((r) => setTimeout(r, IDLE_MS * 1.6));
    assert.match(answers.join(''), /^HTTP\/1\.1 200/);
    assert.ok(!socket.destroyed && !socket.readableEnded, 'the connection is still open');
    assert.ok(!logs.some((l) => l.includes('stalled')), logs.join(''));
  } finally {
    socket.destroy();
  }
});

test('a trickle under the minimum rate, or a body past its total time, is cut off with its own 408 reason', async () => {
  const whole = form(part('image', Buffer.alloc(4000, 3)));
  // 100 bytes every 100 ms: never silent for the idle time, but 1000 bytes/s and 4 s in all
  const pieces = Array.from({ length: 40 }, (_, i) => whole.subarray(i * 100, (i + 1) * 100));
  for (const [path, reason, message] of [
    ['/slow', 'slow', 'the upload is slower than 2000 bytes/s; upload abandoned'],
    ['/total', 'total', 'the upload did not complete within 0.8 s; upload abandoned'],
  ] as const) {
    logs.length = 0;
    const res = await dribble(path, pieces, 100, whole.length);
    assert.ok(res.ms < 3000, `${path}: closed after ${res.ms} ms`);
    const lines = logs.map(
      (l) => JSON.parse(l) as { reason?: string; status?: number; code?: string; msg: string },
    );
    assert.equal(
      lines.find((l) => l.msg === 'request body stalled; connection closed')?.reason,
      reason,
      path,
    );
    const answer = lines.find((l) => l.status);
    assert.deepEqual(
      answer && [answer.status, answer.code, answer.msg],
      [408, 'body_timeout', message],
      path,
    );
  }
});
