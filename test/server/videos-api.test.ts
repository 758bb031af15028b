import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSegmenter } from '../../src/segment/index.ts';
import type { Segmenter } from '../../src/segment/types.ts';
import { probeVideo } from '../../src/video/index.ts';
import { makeModelDir } from '../helpers/model-fixture.ts';
import { makeClip } from '../video/video-fixtures.ts';
import { startServer, type TestServer } from './helpers.ts';
import {
  exited,
  followEvents,
  LISTENING,
  serveArgs,
  spawnCli,
  submit,
  waitForStatus,
  type JobView,
} from './video-helpers.ts';

let modelDir: string;
let work: string;
let clip: string;
let server: TestServer;

before(async () => {
  modelDir = await makeModelDir({ inputSize: 32 });
  work = await mkdtemp(join(tmpdir(), 'polypseg-videos-'));
  clip = join(work, 'clip.mp4');
  makeClip(clip, { width: 96, height: 64, fps: 12, frames: 24 });
  server = await startServer(modelDir);
});
after(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
  await rm(modelDir, { recursive: true, force: true });
});

test('video round trip: 202, live progress events, done with the same frame count and fps', async () => {
  const res = await submit(server.url, await readFile(clip));
  assert.equal(res.status, 202);
  const { id } = (await res.json()) as { id: string };
  assert.match(id, /^[0-9a-f-]{36}$/);

  const events = await followEvents(server.url, id);
  const last = events.at(-1)!;
  assert.equal(last.status, 'done');
  assert.ok(events.length >= 2, 'at least the initial and the final state');
  const progress = events.map((e) => e.progress);
  assert.deepEqual(
    progress,
    [...progress].sort((a, b) => a - b),
    'progress never goes back',
  );

  const job = (await (await fetch(`${server.url}/api/videos/${id}`)).json()) as JobView;
  assert.deepEqual([job.status, job.progress, job.frames, job.fps], ['done', 1, 24, 12]);

  const result = await fetch(`${server.url}/api/videos/${id}/result.mp4`);
  assert.equal(result.status, 200);
  assert.equal(result.headers.get('content-type'), 'video/mp4');
  assert.equal(result.headers.get('accept-ranges'), 'bytes');
  const video = Buffer.from(await result.arrayBuffer());
  const out = join(work, 'result.mp4');
  await writeFile(out, video);
  const info = await probeVideo(out);
  assert.deepEqual([info.frames, info.fps, info.width, info.height], [24, 12, 96, 64]);

  // the player's Range requests
  const part = await fetch(`${server.url}/api/videos/${id}/result.mp4`, {
    headers: { range: 'bytes=100-199' },
  });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 100-199/${video.length}`);
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), video.subarray(100, 200));
  const beyond = await fetch(`${server.url}/api/videos/${id}/result.mp4`, {
    headers: { range: `bytes=${video.length}-` },
  });
  assert.equal(beyond.status, 416);
  await beyond.body?.cancel();

  const frames = (await (await fetch(`${server.url}/api/videos/${id}/frames.json`)).json()) as {
    fps: number;
    frames: Array<{ frame: number; time: number; count: number; area: number; score: number }>;
  };
  assert.equal(frames.fps, 12);
  assert.equal(frames.frames.length, 24);
  frames.frames.forEach((f, i) => {
    assert.equal(f.frame, i);
    assert.ok(Math.abs(f.time - i / 12) < 1e-9);
    assert.ok(f.count >= 0 && f.area >= 0 && f.score >= 0 && f.score <= 1);
    assert.equal(f.count === 0, f.area === 0);
  });

  // the input is gone once done; only the products stay
  assert.deepEqual((await readdir(join(server.dataDir, 'jobs', id))).sort(), ['frames.json', 'result.mp4']);

  // DELETE removes the job and its files
  assert.equal((await fetch(`${server.url}/api/videos/${id}`, { method: 'DELETE' })).status, 204);
  assert.equal((await fetch(`${server.url}/api/videos/${id}`)).status, 404);
  assert.ok(!existsSync(join(server.dataDir, 'jobs', id)));
});

test('a corrupt video fails with a message (no server paths); a non-video is refused with 415', async () => {
  const good = await readFile(clip);
  // a real MP4 signature and header box, then garbage
  const corrupt = Buffer.concat([good.subarray(0, 32), Buffer.alloc(20_000, 0x5a)]);
  const res = await submit(server.url, corrupt, 'broken.mp4');
  assert.equal(res.status, 202);
  const { id } = (await res.json()) as { id: string };
  const job = await waitForStatus(server.url, id, ['failed', 'done']);
  assert.equal(job.status, 'failed');
  assert.ok(job.error && job.error.length > 5, `error: ${job.error}`);
  assert.ok(!job.error!.includes(server.dataDir), job.error);
  assert.equal((await fetch(`${server.url}/api/videos/${id}/result.mp4`)).status, 404);

  const text = await submit(server.url, Buffer.from('not a video at all\n'.repeat(50)), 'movie.mp4');
  assert.equal(text.status, 415);
  assert.equal(((await text.json()) as { error: { code: string } }).error.code, 'unsupported_media_type');
  const empty = await submit(server.url, Buffer.alloc(0), 'movie.mp4');
  assert.equal(empty.status, 400);
  await empty.body?.cancel();
  assert.equal((await fetch(`${server.url}/api/videos/00000000-0000-0000-0000-000000000000`)).status, 404);
  assert.equal((await fetch(`${server.url}/api/videos/not-an-id`)).status, 400);
  // no temp upload left behind
  assert.deepEqual(await readdir(join(server.dataDir, 'tmp')), []);
});

test('limits: too long or too large videos get 413; a full queue answers 503 with Retry-After', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const real = await createSegmenter(modelDir, { runtime: 'onnx' });
  // holds every frame until released, so the first job is surely still running (the segmentation isn't the point here)
  const held: Segmenter = {
    runtime: real.runtime,
    metadata: real.metadata,
    dispose: () => real.dispose(),
    segment: async (image, opts) => {
      await gate;
      return real.segment(image, opts);
    },
  };
  const limited = await startServer(
    modelDir,
    { queueSize: 1, limits: { videoSeconds: 1.5, videoWidth: 100, videoHeight: 100, videoBytes: 200_000 } },
    { segmenter: held },
  );
  try {
    const long = join(work, 'long.mp4');
    makeClip(long, { width: 64, height: 48, fps: 10, frames: 20 });
    const tooLong = await submit(limited.url, await readFile(long));
    assert.equal(tooLong.status, 413);
    assert.match(
      ((await tooLong.json()) as { error: { message: string } }).error.message,
      /2 s long; the limit is 1.5 s/,
    );
    const wide = join(work, 'wide.mp4');
    makeClip(wide, { width: 128, height: 48, fps: 10, frames: 5 });
    const tooWide = await submit(limited.url, await readFile(wide));
    assert.equal(tooWide.status, 413);
    await tooWide.body?.cancel();
    const tooBig = await submit(limited.url, Buffer.concat([await readFile(wide), Buffer.alloc(300_000)]));
    assert.equal(tooBig.status, 413);
    assert.match(
      ((await tooBig.json()) as { error: { message: string } }).error.message,
      /larger than the 0.2 MB limit/,
    );
    assert.deepEqual(await readdir(join(limited.dataDir, 'tmp')), []);

    const short = join(work, 'short.mp4');
    makeClip(short, { width: 64, height: 48, fps: 10, frames: 5 });
    const bytes = await readFile(short);
    const first = (await (await submit(limited.url, bytes)).json()) as { id: string };
    await waitForStatus(limited.url, first.id, ['running']);
    const second = await submit(limited.url, bytes);
    assert.equal(second.status, 202);
    const third = await submit(limited.url, bytes);
    assert.equal(third.status, 503);
    assert.ok(Number(third.headers.get('retry-after')) > 0);
    assert.equal(((await third.json()) as { error: { code: string } }).error.code, 'busy');

    // deleting the first job (cancelled once its in-flight frames return) lets the waiting one run
    release();
    assert.equal((await fetch(`${limited.url}/api/videos/${first.id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await fetch(`${limited.url}/api/videos/${first.id}`)).status, 404);
    const { id } = (await second.json()) as { id: string };
    assert.equal((await waitForStatus(limited.url, id, ['done', 'failed'])).status, 'done');
  } finally {
    release();
    await limited.close();
    await real.dispose();
  }
});

test('finished results expire after the retention time', async () => {
  const short = await startServer(modelDir, { retentionHours: 1 / 3600 });
  try {
    const { id } = (await (await submit(short.url, await readFile(clip))).json()) as { id: string };
    await waitForStatus(short.url, id, ['done']);
    const deadline = Date.now() + 10_000;
    while ((await fetch(`${short.url}/api/videos/${id}`)).status !== 404) {
      assert.ok(Date.now() < deadline, 'job was not expired');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(!existsSync(join(short.dataDir, 'jobs', id)));
  } finally {
    await short.close();
  }
});

/** `polypseg serve` as a separate process, so it can be killed like a crashing server. */
async function spawnServe(dataDir: string): Promise<{ proc: ChildProcess; url: string }> {
  const { proc, match } = await spawnCli(serveArgs(modelDir, dataDir), LISTENING);
  return { proc, url: match[1]! };
}

test('restarting the server mid-job loses nothing: a crash (SIGKILL) and a graceful stop (SIGTERM) both resume', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'polypseg-restart-'));
  const long = join(work, 'restart.mp4');
  makeClip(long, { width: 160, height: 120, fps: 25, frames: 400 });
  try {
    let { proc, url } = await spawnServe(dataDir);
    const { id } = (await (await submit(url, await readFile(long))).json()) as { id: string };
    await waitForStatus(url, id, ['running']);
    proc.kill('SIGKILL');
    await exited(proc);

    ({ proc, url } = await spawnServe(dataDir));
    const resumed = await waitForStatus(url, id, ['running', 'done']);
    assert.ok(['running', 'done'].includes(resumed.status));
    proc.kill('SIGTERM');
    assert.equal(await exited(proc), 0, 'graceful shutdown exits cleanly');

    ({ proc, url } = await spawnServe(dataDir));
    const done = await waitForStatus(url, id, ['done', 'failed'], 120_000);
    assert.equal(done.status, 'done', done.error);
    assert.equal(done.frames, 400);
    const video = join(work, 'restart-result.mp4');
    await writeFile(
      video,
      Buffer.from(await (await fetch(`${url}/api/videos/${id}/result.mp4`)).arrayBuffer()),
    );
    assert.equal((await probeVideo(video)).frames, 400);
    proc.kill('SIGTERM');
    await exited(proc);
    // the finished result survives yet another restart
    ({ proc, url } = await spawnServe(dataDir));
    assert.equal(((await (await fetch(`${url}/api/videos/${id}`)).json()) as JobView).status, 'done');
    proc.kill('SIGTERM');
    await exited(proc);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
