// The Redis backend end to end: a private redis-server on loopback, real `polypseg serve` and
// `polypseg worker` processes, real ffmpeg clips. Skipped (not failed) without redis-server unless CI=true.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { buildServer } from '../../src/server/app.ts';
import { probeVideo } from '../../src/video/index.ts';
import {
  freePort,
  redisSkipReason,
  startRedisServer,
  type RedisServer,
} from '../../scripts/lib/redis-server.ts';
import { makeModelDir } from '../helpers/model-fixture.ts';
import { makeClip } from '../video/video-fixtures.ts';
import { picture, startServer, upload, type TestServer } from './helpers.ts';
import {
  exited,
  followEvents,
  LISTENING,
  serveArgs,
  spawnCli,
  submit,
  waitForStatus,
  type CliProcess,
  type JobView,
} from './video-helpers.ts';

const skip = redisSkipReason();
/** short locks so that a killed worker's job is taken up again within seconds, not a minute */
const LOCK_MS = 10_000;

interface Health {
  queue: {
    backend: string;
    redis?: { url: string; reachable: boolean };
    running: number;
    queued: number;
    workers: number;
  };
}

let redis: RedisServer;
let modelDir: string;
let work: string;
/** 250 frames at 25 fps, as in the issue */
let clip250: string;
/** long enough (at this size) to be surely still running when we act on it */
let long: string;

before(async () => {
  if (skip) return;
  redis = await startRedisServer();
  modelDir = await makeModelDir({ inputSize: 32 });
  work = await mkdtemp(join(tmpdir(), 'polypseg-redis-test-'));
  clip250 = join(work, 'clip250.mp4');
  makeClip(clip250, { width: 96, height: 64, fps: 25, frames: 250 });
  long = join(work, 'long.mp4');
  makeClip(long, { width: 160, height: 120, fps: 25, frames: 600 });
});
after(async () => {
  if (skip) return;
  await redis?.stop();
  await rm(work, { recursive: true, force: true });
  await rm(modelDir, { recursive: true, force: true });
});

const health = async (url: string) => (await (await fetch(`${url}/healthz`)).json()) as Health;
const idOf = async (res: Response) => {
  assert.equal(res.status, 202);
  return ((await res.json()) as { id: string }).id;
};
/** How many times a worker process logged `what` about job `id`. */
const logged = (w: CliProcess, id: string, what: RegExp) =>
  w
    .output()
    .split('\n')
    .filter((l) => l.includes(id) && what.test(l)).length;
const starts = (w: CliProcess, id: string) => logged(w, id, /video job started/);

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('`polypseg worker --help` and `serve --help` document the queue flags', async () => {
  const printed: string[] = [];
  const log = console.log;
  console.log = (s: string) => printed.push(s);
  try {
    assert.equal(await main(['worker', '--help']), 0);
    assert.equal(await main(['serve', '--help']), 0);
  } finally {
    console.log = log;
  }
  const [worker, serve] = printed;
  for (const flag of ['--queue', '--data-dir', '--model', '--concurrency', '--threads'])
    assert.ok(worker!.includes(flag), `worker --help lacks ${flag}`);
  // the flag, described in words, with its environment variable
  assert.match(
    serve!,
    /--queue URL\s+redis:\/\/HOST:PORT\[\/DB\]: video jobs go to Redis[^]*?Env POLYPSEG_QUEUE\b/,
  );
  assert.match(serve!, /--workers 0/);
});

describe('start-up errors are one clear line', { skip }, () => {
  test('Redis unreachable: worker exits 1 at once; serve refuses to start', async () => {
    const port = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), 'polypseg-nored-'));
    try {
      const started = Date.now();
      const w = await spawnCli(
        ['worker', '--queue', `redis://127.0.0.1:${port}`, '--data-dir', dataDir, '--model', modelDir],
        /$^/,
      ).catch((err: Error) => err);
      assert.ok(w instanceof Error, 'the worker must exit');
      assert.match(w.message, /exited with 1/);
      assert.match(
        w.message,
        new RegExp(`cannot reach Redis at redis://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`),
      );
      assert.doesNotMatch(w.message, /\n\s+at /, 'no stack trace');
      assert.ok(Date.now() - started < 60_000);

      await assert.rejects(
        buildServer({
          config: { modelDir, dataDir, queue: `redis://127.0.0.1:${port}`, workers: 0, logLevel: 'silent' },
        }),
        /cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('an unwritable data directory stops the worker before it touches Redis', async () => {
    const file = join(work, 'a-file');
    await writeFile(file, 'not a directory');
    const w = await spawnCli(['worker', '--queue', redis.url, '--data-dir', join(file, 'data')], /$^/).catch(
      (err: Error) => err,
    );
    assert.ok(w instanceof Error);
    assert.match(w.message, /exited with 1/);
    assert.match(w.message, /cannot use the data directory .*a-file\/data: a part of the path is a file/);
    assert.doesNotMatch(w.message, /\n\s+at /);
  });

  test('bad queue settings are usage errors', async () => {
    await assert.rejects(buildServer({ config: { modelDir, workers: 0 } }), /0 workers needs a Redis queue/);
    await assert.rejects(
      buildServer({ config: { modelDir, queue: 'http://127.0.0.1:6379' } }),
      /unsupported scheme http:/,
    );
  });
});

describe('API process + worker processes on Redis', { skip }, () => {
  let dataDir: string;
  let api: CliProcess & { url: string };
  const workers: CliProcess[] = [];
  const workerEnv = { POLYPSEG_QUEUE_LOCK_MS: String(LOCK_MS) };
  const spawnWorker = async () => {
    const w = await spawnCli(
      ['worker', '--queue', redis.url, '--data-dir', dataDir, '--model', modelDir, '--threads', '1'],
      /taking video jobs from Redis/,
      workerEnv,
    );
    workers.push(w);
    return w;
  };
  const alive = () => workers.filter((w) => w.proc.exitCode === null && w.proc.signalCode === null);
  /** the live worker running `id` now: it logged a start not followed by an end */
  const holderOf = (id: string) =>
    alive().find((w) => starts(w, id) > logged(w, id, /video job (done|failed|cancelled|handed back)/));
  const waitForHolder = async (id: string) => {
    await until(`a worker to log that it runs ${id}`, () => holderOf(id) !== undefined, 120_000);
    return holderOf(id)!;
  };

  before(async () => {
    if (skip) return;
    dataDir = await mkdtemp(join(tmpdir(), 'polypseg-shared-'));
    const [a] = await Promise.all([
      spawnCli(serveArgs(modelDir, dataDir, '--queue', redis.url, '--workers', '0'), LISTENING),
      spawnWorker(),
      spawnWorker(),
    ]);
    api = { ...a, url: a.match[1]! };
  });
  after(async () => {
    if (skip) return;
    for (const p of [api, ...workers]) if (p && p.proc.exitCode === null) p.proc.kill('SIGKILL');
    await Promise.all([api, ...workers].filter(Boolean).map((p) => exited(p.proc)));
    await rm(dataDir, { recursive: true, force: true });
  });

  test('round trip: a 250-frame 25 fps clip comes back with 250 frames at 25/1; two jobs run on two workers', async () => {
    const h = await health(api.url);
    assert.equal(h.queue.backend, 'redis');
    assert.deepEqual(h.queue.redis, { url: redis.url, reachable: true });
    assert.equal(h.queue.workers, 2);

    const bytes = await readFile(clip250);
    const [a, b] = await Promise.all([
      idOf(await submit(api.url, bytes)),
      idOf(await submit(api.url, bytes)),
    ]);
    const events = await followEvents(api.url, a);
    assert.equal(events.at(-1)!.status, 'done', JSON.stringify(events.at(-1)));
    const progress = events.map((e) => e.progress);
    assert.deepEqual(
      progress,
      [...progress].sort((x, y) => x - y),
      'progress never goes back',
    );
    assert.ok(
      events.some((e) => e.status === 'running' && e.progress > 0 && e.progress < 1),
      'live progress came through',
    );
    await waitForStatus(api.url, b, ['done']);

    const job = (await (await fetch(`${api.url}/api/videos/${a}`)).json()) as JobView;
    assert.deepEqual([job.status, job.progress, job.frames, job.fps], ['done', 1, 250, 25]);
    const out = join(work, 'rt-result.mp4');
    await writeFile(
      out,
      Buffer.from(await (await fetch(`${api.url}/api/videos/${a}/result.mp4`)).arrayBuffer()),
    );
    const info = await probeVideo(out);
    assert.deepEqual([info.frames, info.fps, info.width, info.height], [250, 25, 96, 64]);
    const frames = (await (await fetch(`${api.url}/api/videos/${a}/frames.json`)).json()) as {
      frames: unknown[];
    };
    assert.equal(frames.frames.length, 250);
    // each worker took one of the two jobs
    assert.deepEqual(
      workers.map((w) => starts(w, a) + starts(w, b)),
      [1, 1],
    );
    assert.deepEqual((await readdir(join(dataDir, 'jobs', a))).sort(), ['frames.json', 'result.mp4']);
  });

  test('DELETE cancels a running job on whichever worker holds it', async () => {
    const id = await idOf(await submit(api.url, await readFile(long)));
    const holder = await waitForHolder(id);
    assert.equal((await fetch(`${api.url}/api/videos/${id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await fetch(`${api.url}/api/videos/${id}`)).status, 404);
    assert.ok(!existsSync(join(dataDir, 'jobs', id)));
    // the live worker aborted it on the cancel message (rather than its lock running out)
    await until('the worker to log the cancel', () => logged(holder, id, /video job cancelled/) === 1);
    assert.equal(holder.proc.exitCode, null, 'the worker lives on');
    assert.equal((await health(api.url)).queue.workers, 2);
  });

  test('SIGKILL of the worker running a job: the other worker completes it', async () => {
    const id = await idOf(await submit(api.url, await readFile(clip250)));
    const victim = await waitForHolder(id);
    await waitForStatus(api.url, id, ['running']);
    victim.proc.kill('SIGKILL');
    await exited(victim.proc);
    const done = await waitForStatus(api.url, id, ['done', 'failed'], 120_000);
    assert.equal(done.status, 'done', done.error);
    assert.equal(done.frames, 250);
    const survivor = alive()[0]!;
    assert.equal(starts(survivor, id), 1, 'the survivor ran it after the kill');
    await until('the dead worker to leave /healthz', async () => (await health(api.url)).queue.workers === 1);
  });

  test('a job whose workers are killed 3 times fails with a readable reason', async () => {
    await Promise.all([spawnWorker(), spawnWorker(), spawnWorker()]);
    const id = await idOf(await submit(api.url, await readFile(long)));
    for (let kill = 1; kill <= 3; kill++) {
      const victim = await waitForHolder(id);
      await waitForStatus(api.url, id, ['running']);
      victim.proc.kill('SIGKILL');
      await exited(victim.proc);
    }
    const failed = await waitForStatus(api.url, id, ['failed', 'done'], 120_000);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error, 'the worker processing this video stopped 3 times; giving up');
    assert.equal(alive().length, 1);
    assert.equal(starts(alive()[0]!, id), 0, 'the survivor never ran it; it only noticed it stalled');
  });
});

describe('in-process API servers on Redis', { skip }, () => {
  const servers: TestServer[] = [];
  const start = async (config: Parameters<typeof startServer>[1]) => {
    // the default 30 s lock: in-process workers share this (niced, busy) test process's event loop
    const s = await startServer(modelDir, { queue: redis.url, ...config });
    servers.push(s);
    return s;
  };
  // Each test's servers stop with it: they share one Redis, and a leftover worker (another data
  // directory) could take the next test's job and fail it, and a leftover short-retention API then
  // sweep it away.
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close().catch(() => {});
  });

  test('queue full → 503 with Retry-After, counted in Redis so two API processes agree; no ghost job', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'polypseg-full-'));
    const a = await start({ dataDir, workers: 0, queueSize: 2 });
    const b = await start({ dataDir, workers: 0, queueSize: 2 });
    const bytes = await readFile(clip250);
    const ids = [await idOf(await submit(a.url, bytes)), await idOf(await submit(b.url, bytes))];
    const refused = await submit(b.url, bytes);
    assert.equal(refused.status, 503);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'busy');
    assert.equal((await submit(a.url, bytes)).status, 503);
    assert.deepEqual(
      (await readdir(join(dataDir, 'jobs'))).sort(),
      [...ids].sort(),
      'no files of refused uploads',
    );
    assert.equal((await health(a.url)).queue.queued, 2);
    assert.equal((await health(b.url)).queue.queued, 2);
    // a waiting job is deleted at once, from either API
    for (const id of ids)
      assert.equal((await fetch(`${b.url}/api/videos/${id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await health(a.url)).queue.queued, 0);
    assert.deepEqual(await readdir(join(dataDir, 'jobs')), []);
  });

  test('API restart with queued jobs loses nothing; a stopping worker hands its job back; results expire', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'polypseg-restart-'));
    const first = await start({ dataDir, workers: 0 });
    const ids = [
      await idOf(await submit(first.url, await readFile(long))),
      await idOf(await submit(first.url, await readFile(clip250))),
    ];
    await first.close();
    servers.splice(servers.indexOf(first), 1);

    // a new API process sees the same queued jobs
    const api = await start({ dataDir, workers: 0, retentionHours: 4 / 3600 });
    for (const id of ids)
      assert.equal(((await (await fetch(`${api.url}/api/videos/${id}`)).json()) as JobView).status, 'queued');
    // an in-process worker takes the first; stopped gracefully mid-job, it hands it back
    const worker = await start({ dataDir, workers: 1 });
    await waitForStatus(api.url, ids[0]!, ['running']);
    await worker.close();
    servers.splice(servers.indexOf(worker), 1);
    assert.match(worker.logs.join(''), /handed back to the queue/);
    assert.equal(
      ((await (await fetch(`${api.url}/api/videos/${ids[0]}`)).json()) as JobView).status,
      'queued',
    );

    const worker2 = await start({ dataDir, workers: 2 });
    for (const id of ids) {
      const done = await waitForStatus(api.url, id, ['done', 'failed'], 120_000);
      assert.equal(done.status, 'done', done.error);
    }
    assert.ok(worker2.logs.join('').includes(ids[0]!));
    // retention: 4 s after finishing, jobs and then their files are gone (the sweep drops the Redis
    // record first, so the folder may outlive the 404 by a moment)
    await until(
      'the results and their files to expire',
      async () =>
        (await fetch(`${api.url}/api/videos/${ids[1]}`)).status === 404 &&
        !existsSync(join(dataDir, 'jobs', ids[1]!)),
      30_000,
    );
  });

  test('Redis lost mid-run: the API stays up (503 for videos, images fine), the job resumes once Redis is back', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'polypseg-lost-'));
    const api = await start({ dataDir, workers: 0 });
    const worker = await start({ dataDir, workers: 1 });
    const id = await idOf(await submit(api.url, await readFile(clip250)));
    await waitForStatus(api.url, id, ['running']);

    await redis.kill();
    const h = await health(api.url);
    assert.deepEqual(h.queue.redis, { url: redis.url, reachable: false });
    const t = Date.now();
    const status = await fetch(`${api.url}/api/videos/${id}`);
    assert.equal(status.status, 503);
    assert.match(
      ((await status.json()) as { error: { message: string } }).error.message,
      /Redis\) cannot be reached/,
    );
    assert.ok(Date.now() - t < 6000, 'answered within the 5 s command timeout, not after a hang');
    assert.equal((await submit(api.url, await readFile(clip250))).status, 503);
    const image = await upload(
      `${api.url}/api/segment`,
      'image',
      await picture(64, 48, 'png'),
      'x.png',
      'image/png',
    );
    assert.equal(image.status, 200);
    await image.body?.cancel();

    await new Promise((r) => setTimeout(r, 1500));
    await redis.restart();
    await until(
      'Redis to be reachable again',
      async () => (await health(api.url)).queue.redis!.reachable,
      30_000,
    );
    const end = await waitForStatus(api.url, id, ['done', 'failed'], 120_000);
    if (end.status === 'failed') assert.ok(end.error && end.error.length > 5, 'a failed job says why');
    else assert.equal(end.frames, 250);
    assert.match(worker.logs.join(''), /connection problem/, 'the worker logged the outage');
  });
});
