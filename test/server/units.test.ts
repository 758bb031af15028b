import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { sniffImage, sniffVideo } from '../../src/server/sniff.ts';
import { parseRange } from '../../src/server/range.ts';
import { configFromEnv, parseServerConfig } from '../../src/server/config.ts';
import { Limiter } from '../../src/server/limiter.ts';
import { toErrorReply, HttpError } from '../../src/server/http-error.ts';
import { PolypsegError } from '../../src/errors.ts';

const img = (format: 'jpeg' | 'png' | 'webp' | 'tiff') =>
  sharp({ create: { width: 8, height: 6, channels: 3, background: '#a33' } })
    [format]()
    .toBuffer();

test('sniffImage recognises real files by content and nothing else', async () => {
  for (const f of ['jpeg', 'png', 'webp', 'tiff'] as const) assert.equal(sniffImage(await img(f)), f);
  const bmpHeader = Buffer.alloc(54);
  bmpHeader.write('BM', 0);
  bmpHeader.writeUInt32LE(40, 14);
  assert.equal(sniffImage(bmpHeader), 'bmp');
  assert.equal(sniffImage(Buffer.from('BM is also how some text starts, like this one')), null);
  assert.equal(sniffImage(Buffer.from('hello, I am a text file named photo.jpg')), null);
  assert.equal(sniffImage(Buffer.alloc(0)), null);
  assert.equal(sniffImage(Buffer.from([0xff, 0xd8])), null);
});

test('sniffVideo recognises container signatures', () => {
  const box = (type: string, brand: string) =>
    Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from(type + brand)]);
  assert.equal(sniffVideo(box('ftyp', 'isom')), 'mp4');
  assert.equal(sniffVideo(box('ftyp', 'qt  ')), 'mov');
  assert.equal(sniffVideo(box('moov', '')), 'mov');
  const ebml = (doc: string) =>
    Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84]), Buffer.from(doc)]);
  assert.equal(sniffVideo(ebml('webm')), 'webm');
  assert.equal(sniffVideo(ebml('matroska')), 'mkv');
  assert.equal(sniffVideo(Buffer.from('RIFF\x00\x00\x00\x00AVI LIST', 'latin1')), 'avi');
  assert.equal(sniffVideo(Buffer.from('RIFF\x00\x00\x00\x00WEBPVP8 ', 'latin1')), null);
  assert.equal(sniffVideo(Buffer.from('just some text')), null);
});

test('parseRange handles the forms video players send', () => {
  assert.equal(parseRange(undefined, 100), null);
  assert.deepEqual(parseRange('bytes=0-', 100), { start: 0, end: 99 });
  assert.deepEqual(parseRange('bytes=10-19', 100), { start: 10, end: 19 });
  assert.deepEqual(parseRange('bytes=90-200', 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
  assert.equal(parseRange('bytes=100-', 100), 'unsatisfiable');
  assert.equal(parseRange('bytes=20-10', 100), 'unsatisfiable');
  assert.equal(parseRange('bytes=0-1,5-6', 100), null);
  assert.equal(parseRange('items=0-1', 100), null);
});

test('config: defaults, environment (sizes in MB) and readable errors', () => {
  const d = parseServerConfig({});
  assert.equal(d.host, '127.0.0.1');
  assert.equal(d.port, 3000);
  assert.equal(d.workers, 1);
  const env = configFromEnv({
    PORT: '8080',
    POLYPSEG_MAX_IMAGE_MB: '2',
    POLYPSEG_DATA_DIR: '/x',
    POLYPSEG_WORKERS: '2',
  });
  const c = parseServerConfig(env);
  assert.equal(c.port, 8080);
  assert.equal(c.limits.imageBytes, 2 * 1024 * 1024);
  assert.equal(c.limits.imagePixels, d.limits.imagePixels);
  assert.equal(c.dataDir, '/x');
  assert.equal(c.workers, 2);
  assert.throws(() => configFromEnv({ PORT: 'abc' }), PolypsegError);
  assert.throws(() => parseServerConfig({ port: 70000 }), /port/);
});

test('Limiter runs at most N tasks and refuses beyond the waiting room with 503', async () => {
  const limiter = new Limiter(1, 1);
  let release!: () => void;
  const first = limiter.run(() => new Promise<void>((r) => (release = r)));
  const order: string[] = [];
  const second = limiter.run(async () => void order.push('second'));
  await assert.rejects(
    limiter.run(async () => 0),
    (e: HttpError) => e.statusCode === 503 && e.headers['retry-after'] === '2',
  );
  assert.deepEqual(order, []);
  release();
  await first;
  await second;
  assert.deepEqual(order, ['second']);
  assert.equal(await limiter.run(async () => 7), 7);
});

test('Limiter with a budget: running weights never exceed it, small tasks share, large ones take turns in order', async () => {
  // the image pool's setting: 2 workers, a budget of one maximum-size (40 MP) image
  const limiter = new Limiter(2, Number.POSITIVE_INFINITY, 40e6);
  const gates: Array<() => void> = [];
  const started: string[] = [];
  let peak = 0;
  const task = (name: string) => async () => {
    started.push(name);
    peak = Math.max(peak, limiter.load.weight);
    await new Promise<void>((r) => gates.push(r));
    return name;
  };
  const runs = [
    limiter.run(task('big1'), 39.7e6),
    limiter.run(task('big2'), 39.7e6),
    limiter.run(task('small1'), 2e6),
    limiter.run(task('huge'), 1e9),
  ];
  await new Promise((r) => setImmediate(r));
  // big2 waits for big1; small1 waits behind big2 (arrival order: large images are never starved)
  assert.deepEqual(started, ['big1']);
  assert.deepEqual(limiter.load, { active: 1, weight: 39.7e6 });
  gates.shift()!();
  await runs[0];
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, ['big1', 'big2']);
  gates.shift()!();
  await runs[1];
  await new Promise((r) => setImmediate(r));
  // small1 runs; a task over the budget counts as the whole budget and waits until it runs alone
  assert.deepEqual(started, ['big1', 'big2', 'small1']);
  gates.shift()!();
  await runs[2];
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, ['big1', 'big2', 'small1', 'huge']);
  gates.shift()!();
  assert.deepEqual(await Promise.all(runs), ['big1', 'big2', 'small1', 'huge']);
  assert.ok(peak <= 40e6, `peak weight ${peak}`);
  assert.deepEqual(limiter.load, { active: 0, weight: 0 });

  // small images still run two at a time (the concurrency), whatever the budget
  const small = [limiter.run(task('a'), 1e6), limiter.run(task('b'), 1e6), limiter.run(task('c'), 1e6)];
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(limiter.load, { active: 2, weight: 2e6 });
  while (gates.length) {
    gates.shift()!();
    await new Promise((r) => setImmediate(r));
  }
  assert.deepEqual(await Promise.all(small), ['a', 'b', 'c']);
});

test('error replies: HttpError keeps its status, Fastify 4xx map to codes, 5xx hide details', () => {
  assert.deepEqual(toErrorReply(new HttpError(415, 'unsupported_media_type', 'nope')).body, {
    error: { code: 'unsupported_media_type', message: 'nope' },
  });
  const fst = Object.assign(new Error('body/x must be string'), {
    statusCode: 400,
    code: 'FST_ERR_VALIDATION',
  });
  assert.equal(toErrorReply(fst).body.error.code, 'bad_request');
  const crash = toErrorReply(new Error('/secret/path exploded'));
  assert.equal(crash.statusCode, 500);
  assert.doesNotMatch(crash.body.error.message, /secret/);
});
