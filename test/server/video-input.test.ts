// Bad videos are the input's fault at every layer, and ffmpeg opens only video containers (issue 19,
// items 3, 7 and 8).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { ffmpegPath, probeVideo } from '../../src/video/index.ts';
import { sniffVideo, videoInputArgs } from '../../src/video/container.ts';
import { makeModelDir } from '../helpers/model-fixture.ts';
import { makeClip } from '../video/video-fixtures.ts';
import { startServer, type TestServer } from './helpers.ts';
import { submit, waitForStatus } from './video-helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/polypseg.js', import.meta.url));

let modelDir: string;
let work: string;
let clip: Buffer;
let server: TestServer;

before(async () => {
  modelDir = await makeModelDir({ inputSize: 32 });
  work = await mkdtemp(join(tmpdir(), 'polypseg-video-input-'));
  makeClip(join(work, 'clip.mp4'), { width: 64, height: 48, fps: 10, frames: 5 });
  clip = await readFile(join(work, 'clip.mp4'));
  server = await startServer(modelDir);
});
after(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
  await rm(modelDir, { recursive: true, force: true });
});

/** The server's log lines about failed video jobs, parsed. */
const failureLogs = (s: TestServer) =>
  s.logs
    .map((l) => JSON.parse(l) as { level: number; msg: string; fault?: string })
    .filter((l) => /video job failed/.test(l.msg));

test("a corrupt MP4 fails as the video's fault: the reason names the video, logged at info, no error", async () => {
  // a real MP4's ftyp box, then garbage: recognised as MP4 at upload, unreadable by ffmpeg
  const corrupt = Buffer.concat([clip.subarray(0, 32), randomBytes(4000)]);
  const res = await submit(server.url, corrupt, 'corrupt.mp4');
  assert.equal(res.status, 202, await res.clone().text());
  const { id } = (await res.json()) as { id: string };
  const job = await waitForStatus(server.url, id, ['failed', 'done']);
  assert.equal(job.status, 'failed');
  assert.match(job.error!, /the video/);
  assert.match(job.error!, /not a readable video|no video|cannot decode/);
  assert.doesNotMatch(job.error!, /internal error|server|\/tmp|polypseg-data/);
  const logged = failureLogs(server);
  assert.ok(logged.length > 0);
  assert.deepEqual(
    logged.map((l) => [l.level, l.fault]),
    logged.map(() => [30, 'input']),
  );
  assert.deepEqual(
    server.logs.filter((l) => /"level":50/.test(l)),
    [],
  );
});

test('AVIF, HEIC and audio-only MP4 brands are refused at upload (415), not accepted as MP4', async () => {
  const avif = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c06070' } })
    .avif()
    .toBuffer();
  assert.equal(avif.subarray(4, 12).toString('latin1'), 'ftypavif');
  const res = await submit(server.url, avif, 'still.mp4');
  assert.equal(res.status, 415, await res.text());
  const brand = (b: string) =>
    Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from(`ftyp${b}`), Buffer.alloc(12)]);
  for (const b of ['heic', 'mif1', 'M4A ']) assert.equal(sniffVideo(brand(b)), null, b);
  for (const b of ['isom', 'mp42', 'avc1']) assert.equal(sniffVideo(brand(b)), 'mp4', b);
});

test('a video whose resolution changes midway is processed at the first size', async () => {
  // two H.264 streams of different sizes back to back: a new SPS in the middle of one stream
  makeClip(join(work, 'a.h264'), { width: 64, height: 48, fps: 10, frames: 5 });
  makeClip(join(work, 'b.h264'), { width: 96, height: 64, fps: 10, frames: 5 });
  await writeFile(
    join(work, 'ab.h264'),
    Buffer.concat([await readFile(join(work, 'a.h264')), await readFile(join(work, 'b.h264'))]),
  );
  execFileSync(ffmpegPath(), [
    '-v',
    'error',
    '-y',
    '-r',
    '10',
    '-f',
    'h264',
    '-i',
    join(work, 'ab.h264'),
    '-c',
    'copy',
    join(work, 'ab.mp4'),
  ]);
  const res = await submit(server.url, await readFile(join(work, 'ab.mp4')), 'ab.mp4');
  assert.equal(res.status, 202);
  const { id } = (await res.json()) as { id: string };
  const job = await waitForStatus(server.url, id, ['failed', 'done']);
  assert.equal(job.status, 'done', job.error);
  assert.deepEqual([job.width, job.height], [64, 48]);
});

test('ffmpeg opens user input with one video demuxer and the file/pipe protocols only', async () => {
  assert.deepEqual(videoInputArgs('/x/in.webm', 'webm'), [
    '-protocol_whitelist',
    'file,pipe',
    '-f',
    'matroska',
    '-i',
    '/x/in.webm',
  ]);
  assert.deepEqual(videoInputArgs('/x/in.mp4', 'mp4').slice(0, 4), [
    '-protocol_whitelist',
    'file,pipe',
    '-f',
    'mov',
  ]);
});

test('predict-video on a text file exits non-zero with a clear message, writing nothing', async () => {
  const text = join(work, 'notes.mp4');
  await writeFile(text, 'this is not a video\n'.repeat(20));
  const out = join(work, 'out.mp4');
  const r = spawnSync(
    process.execPath,
    [BIN, 'predict-video', '--input', text, '--out', out, '--model', modelDir],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  assert.notEqual(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stderr, /not a supported video: expected MP4, MOV, WebM, AVI or MKV content/);
  assert.doesNotMatch(r.stdout, /polyp in/);
  assert.equal(existsSync(out), false);
});

test('a 1000 fps clip keeps its rate: the result and frames.json times match the source', async () => {
  makeClip(join(work, 'fast.mp4'), { width: 64, height: 48, fps: 1000, frames: 60 });
  const res = await submit(server.url, await readFile(join(work, 'fast.mp4')), 'fast.mp4');
  const { id } = (await res.json()) as { id: string };
  const job = await waitForStatus(server.url, id, ['failed', 'done']);
  assert.equal(job.status, 'done', job.error);
  assert.equal(job.fps, 1000);
  const frames = (await (await fetch(`${server.url}/api/videos/${id}/frames.json`)).json()) as {
    fps: number;
    frames: Array<{ frame: number; time: number }>;
  };
  assert.equal(frames.fps, 1000);
  assert.equal(frames.frames.length, 60);
  assert.ok(Math.abs(frames.frames[59]!.time - 0.059) < 1e-6, String(frames.frames[59]!.time));
  const result = Buffer.from(await (await fetch(`${server.url}/api/videos/${id}/result.mp4`)).arrayBuffer());
  await writeFile(join(work, 'fast-result.mp4'), result);
  const info = await probeVideo(join(work, 'fast-result.mp4'));
  assert.equal(info.fps, 1000);
  assert.equal(info.frames, 60);
});
