// Choosing the video queue: addresses, configuration and the data-directory check (no Redis needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromEnv, parseServerConfig } from '../../src/server/config.ts';
import { apiTmpName, assertWritableDataDir } from '../../src/server/data-dir.ts';
import { parseRedisUrl } from '../../src/server/redis/url.ts';
import { progressOf } from '../../src/server/redis/job-record.ts';

test('redis addresses: host, port, database and credentials parsed; the password never shown', () => {
  const t = parseRedisUrl('redis://polyp:s3cr%40t@queue.internal:6380/2');
  assert.equal(t.url, 'redis://polyp:***@queue.internal:6380/2');
  assert.deepEqual(t.options, {
    host: 'queue.internal',
    port: 6380,
    db: 2,
    username: 'polyp',
    password: 's3cr@t',
  });
  assert.deepEqual(parseRedisUrl('redis://127.0.0.1').options, { host: '127.0.0.1', port: 6379, db: 0 });
  assert.deepEqual(parseRedisUrl('rediss://h:1/0').options.tls, {});
  assert.throws(() => parseRedisUrl('http://h:6379'), /unsupported scheme http:/);
  assert.throws(() => parseRedisUrl('redis://h:6379/queue'), /database 'queue' is not a number/);
  assert.throws(() => parseRedisUrl('redis://h:6379/0?x=1'), /no query/);
  assert.throws(() => parseRedisUrl('h:6379'), /unsupported scheme h:/);
  assert.throws(
    () => parseRedisUrl('redis://:pw@/'),
    (err: Error) => !err.message.includes('pw'),
  );
});

test('queue configuration: POLYPSEG_QUEUE, --workers 0 only with Redis, Redis queue size ≥ 1', () => {
  assert.equal(parseServerConfig({}).queue, undefined, 'embedded by default');
  const c = parseServerConfig(configFromEnv({ POLYPSEG_QUEUE: 'redis://r:6379/1', POLYPSEG_WORKERS: '0' }));
  assert.deepEqual([c.queue, c.workers, c.queueLockMs], ['redis://r:6379/1', 0, 30_000]);
  assert.equal(parseServerConfig(configFromEnv({ POLYPSEG_QUEUE_LOCK_MS: '5000' })).queueLockMs, 5000);
  assert.throws(() => parseServerConfig({ workers: 0 }), /workers: 0 workers needs a Redis queue/);
  assert.throws(
    () => parseServerConfig({ queue: 'redis://r', queueSize: 0 }),
    /queueSize: a Redis queue needs/,
  );
  assert.throws(
    () => parseServerConfig({ queue: 'mysql://r' }),
    /queue: queue address 'mysql:\/\/r': unsupported scheme/,
  );
});

test('data directory: writable ones pass; an unwritable one is one clear error; API upload folders are per process', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polypseg-datadir-'));
  try {
    await assertWritableDataDir(join(dir, 'data'));
    assert.deepEqual(await readdir(join(dir, 'data', 'jobs')), [], 'the probe file is gone');
    await writeFile(join(dir, 'file'), 'x');
    await assert.rejects(
      assertWritableDataDir(join(dir, 'file', 'data')),
      /^PolypsegError: cannot use the data directory .*file\/data: a part of the path is a file/,
    );
    const [a, b] = [await apiTmpName(join(dir, 'data')), await apiTmpName(join(dir, 'data'))];
    assert.notEqual(a, b);
    assert.deepEqual(
      (await readdir(join(dir, 'data', 'tmp'))).length,
      2,
      "a new API process leaves others' uploads alone",
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a worker's progress object keeps what it learned and takes each new field", () => {
  const start = { progress: 0 };
  const sized = progressOf(start, { fps: 25, frames: 250, width: 96, height: 64, duration: 10 });
  assert.deepEqual(sized, { progress: 0, fps: 25, frames: 250, width: 96, height: 64, duration: 10 });
  assert.deepEqual(progressOf(sized, { progress: 0.5 }), { ...sized, progress: 0.5 });
  assert.deepEqual(start, { progress: 0 }, 'not modified in place');
});
