import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createSegmenter } from '../../src/segment/index.ts';
import type { Segmenter } from '../../src/segment/types.ts';
import { processVideo, probeVideo, VideoInputError } from '../../src/video/index.ts';
import { parseStreamInfo } from '../../src/video/probe.ts';
import { ffmpegPath } from '../../src/video/ffmpeg.ts';
import { PolypsegError } from '../../src/errors.ts';
import { makeModelDir } from '../segment/fixture-model.ts';
import { makeClip, readFrame } from './video-fixtures.ts';

let work: string;
let modelDir: string;
let segmenter: Segmenter;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'polypseg-video-'));
  modelDir = await makeModelDir();
  segmenter = await createSegmenter(modelDir, { threads: 1 });
  makeClip(join(work, 'clip.mp4'));
});
after(async () => {
  await segmenter.dispose();
  rmSync(work, { recursive: true, force: true });
  rmSync(modelDir, { recursive: true, force: true });
});

test('processVideo keeps frame count, frame rate and size; overlays every frame; reports progress', async () => {
  const out = join(work, 'out.mp4');
  const progress: number[] = [];
  // threshold 0: every pixel is "polyp", so an opaque overlay must paint the whole frame.
  const result = await processVideo(
    join(work, 'clip.mp4'),
    out,
    segmenter,
    { threshold: 0, overlay: { color: '#FF0000', opacity: 1 } },
    (p) => progress.push(p.frame),
  );
  assert.equal(result.frames.length, 10);
  assert.deepEqual(progress, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const info = await probeVideo(out);
  assert.deepEqual([info.width, info.height, info.fps, info.frames], [64, 48, 10, 10]);
  assert.equal(info.codec, 'h264');
  const frame = readFrame(out, 64, 48, 5);
  let r = 0,
    g = 0,
    b = 0;
  for (let i = 0; i < frame.length; i += 3) ((r += frame[i]!), (g += frame[i + 1]!), (b += frame[i + 2]!));
  const n = frame.length / 3;
  assert.ok(r / n > 200 && g / n < 50 && b / n < 50, `frame is red: ${r / n} ${g / n} ${b / n}`);
  const f = result.frames[3]!;
  assert.deepEqual([f.frame, f.count, f.area, f.coverage], [3, 1, 64 * 48, 1]);
  assert.ok(Math.abs(f.time - 0.3) < 1e-9);
  assert.ok(f.score > 0 && f.score <= 1);
});

test('a real threshold gives per-frame counts/areas that match the frames, at another fps', async () => {
  makeClip(join(work, 'clip25.mp4'), { fps: 25, frames: 6, width: 80, height: 60 });
  const out = join(work, 'out25.mp4');
  const result = await processVideo(join(work, 'clip25.mp4'), out, segmenter, { overlay: { outline: true } });
  const info = await probeVideo(out);
  assert.deepEqual([info.width, info.height, info.fps, info.frames], [80, 60, 25, 6]);
  for (const f of result.frames) {
    assert.equal(f.count, f.polyps.length);
    assert.equal(
      f.area,
      f.polyps.reduce((a, p) => a + p.area, 0),
    );
    assert.ok(Math.abs(f.coverage - f.area / (80 * 60)) < 1e-9);
  }
});

test('a corrupt file, an audio-only file and a missing file give clear PolypsegErrors', async () => {
  const bad = join(work, 'bad.mp4');
  writeFileSync(bad, Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 31) % 256)));
  await assert.rejects(
    processVideo(bad, join(work, 'x.mp4'), segmenter),
    // not a container at all: refused by its first bytes, before ffmpeg reads it
    (e: unknown) => e instanceof VideoInputError && /not a supported video/.test(e.message),
  );
  const audio = join(work, 'audio.m4a');
  execFileSync(ffmpegPath(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=duration=0.3', audio]);
  await assert.rejects(
    processVideo(audio, join(work, 'x.mp4'), segmenter),
    // an M4A (audio-only brand) is refused by its brand
    (e: unknown) => e instanceof VideoInputError && /not a supported video/.test(e.message),
  );
  await assert.rejects(
    processVideo(join(work, 'missing.mp4'), join(work, 'x.mp4'), segmenter),
    VideoInputError,
  );
  assert.equal(existsSync(join(work, 'x.mp4')), false);
});

test('aborting mid-video kills ffmpeg, rejects with ABORTED and leaves no output', async () => {
  makeClip(join(work, 'long.mp4'), { frames: 60 });
  const controller = new AbortController();
  const out = join(work, 'aborted.mp4');
  await assert.rejects(
    processVideo(join(work, 'long.mp4'), out, segmenter, { signal: controller.signal }, (p) => {
      if (p.frame === 5) controller.abort();
    }),
    (e: unknown) => e instanceof PolypsegError && e.code === 'ABORTED',
  );
  assert.equal(existsSync(out), false);
  assert.deepEqual(
    readdirSync(work).filter((f) => f.startsWith('aborted')),
    [],
  );
});

test('parseStreamInfo: NTSC rates become rationals, rotation swaps the size', () => {
  const stderr = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'in.mp4':
  Duration: 00:01:02.50, start: 0.000000, bitrate: 1000 kb/s
    Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709), 1920x1080 [SAR 1:1 DAR 16:9], 900 kb/s, 29.97 fps, 29.97 tbr, 30k tbn, 59.94 tbc (default)
    Metadata:
      rotate          : 90
Output #0, null, to 'pipe:':
    Stream #0:0(und): Video: h264, 640x480, 25 fps`;
  const info = parseStreamInfo(stderr)!;
  assert.deepEqual(
    [info.width, info.height, info.fps, info.fpsRational, info.duration, info.codec],
    [1080, 1920, 29.97, '30000/1001', 62.5, 'h264'],
  );
  assert.equal(parseStreamInfo('Input #0, wav\n    Stream #0:0: Audio: pcm_s16le, 44100 Hz'), undefined);
});

test("the input's audio is carried into the result unless keepAudio is false", async () => {
  const input = join(work, 'with-audio.mp4');
  makeClip(input, { frames: 8, audio: true });
  assert.equal((await probeVideo(input)).hasAudio, true);
  const out = join(work, 'with-audio-out.mp4');
  await processVideo(input, out, segmenter);
  const info = await probeVideo(out);
  assert.equal(info.hasAudio, true);
  assert.equal(info.frames, 8);
  const silent = join(work, 'silent-out.mp4');
  await processVideo(input, silent, segmenter, { keepAudio: false });
  assert.equal((await probeVideo(silent)).hasAudio, false);
  assert.equal((await probeVideo(join(work, 'clip.mp4'))).hasAudio, false);
});
