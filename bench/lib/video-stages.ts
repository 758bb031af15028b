/**
 * CPU milliseconds per frame of each stage of the video pipeline (src/video/process-video.ts), each
 * run on its own over a whole clip, so the table shows where a frame's cost goes at each size.
 * CPU time (this process's threads + reaped ffmpeg children) depends little on a shared machine's load.
 */
import { readFileSync } from 'node:fs';
import type { Segmentation } from '../../src/segment/types.ts';
import { overlayStyle } from '../../src/segment/overlay.ts';
import { postprocess } from '../../src/segment/postprocess.ts';
import { preprocess } from '../../src/segment/preprocess.ts';
import type { ModelSegmenter } from '../../src/segment/segmenter-core.ts';
import { exited, runFfmpeg, spawnFfmpeg } from '../../src/video/ffmpeg.ts';
import { FrameDecoder } from '../../src/video/frames.ts';
import { encodeMaskField, fieldCoding } from '../../src/video/mask-field.ts';
import { encodeArgs, overlayInputArgs } from '../../src/video/overlay-encoder.ts';
import { overlayFilterGraph } from '../../src/video/overlay-filter.ts';
import type { VideoInfo } from '../../src/video/probe.ts';

/** CPU seconds used so far by this process and its reaped children (the ffmpeg processes). */
export function cpuSeconds(): number {
  const own = process.cpuUsage();
  let children = 0;
  try {
    // /proc/self/stat fields 16-17: cutime, cstime in clock ticks (Linux; 100 Hz)
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    children = (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    // not Linux: children's CPU is not counted
  }
  return (own.user + own.system) / 1e6 + children;
}

async function cpuMs(call: () => Promise<unknown> | unknown): Promise<number> {
  const c0 = cpuSeconds();
  await call();
  return (cpuSeconds() - c0) * 1000;
}

/** Runs ffmpeg with `stdin` piped in and waits for it; throws on failure. */
async function ffmpegWith(args: string[], stdin: Buffer): Promise<void> {
  const proc = spawnFfmpeg(args);
  proc.stdout!.resume();
  proc.stderr!.resume();
  proc.stdin!.on('error', () => {});
  proc.stdin!.end(stdin);
  const code = await exited(proc);
  if (code !== 0) throw new Error(`ffmpeg exited with ${code}`);
}

export type StageTimes = Record<string, number>;

/** Stage name -> CPU ms per frame for `clip` with the default overlay (outline on, as the server draws). */
export async function videoStages(
  clip: string,
  info: VideoInfo,
  segmenter: ModelSegmenter,
  outFile: string,
): Promise<StageTimes> {
  const s = segmenter.metadata.inputSize;
  const n = info.frames;
  const small: Buffer[] = [];
  const decode = await cpuMs(async () => {
    for await (const f of new FrameDecoder(clip, info, s).frames()) small.push(Buffer.from(f));
  });
  const images = small.map((data) => ({ width: s, height: s, channels: 3 as const, data }));
  const threshold = segmenter.metadata.threshold;
  const minArea = segmenter.metadata.minRegionFraction * s * s;
  const pre = await cpuMs(() => images.forEach((im) => preprocess(im, segmenter.metadata)));
  const probs: Float32Array[] = [];
  const model = await cpuMs(async () => {
    for (const im of images) probs.push(await segmenter.probabilities(im, false));
  });
  const segs: Segmentation[] = [];
  const post = await cpuMs(() =>
    probs.forEach((p) => segs.push(postprocess(p, s, s, s, { threshold, minArea }))),
  );
  const style = overlayStyle(info.width, info.height, { outline: true });
  const coding = fieldCoding(threshold, style.outline);
  const fields: Uint8Array[] = [];
  const field = await cpuMs(() =>
    segs.forEach((seg) =>
      fields.push(encodeMaskField(seg, threshold, coding, info.width / s, info.height / s)),
    ),
  );
  const stdin = Buffer.concat(fields);
  const opts = { graph: overlayFilterGraph({ ...info, size: s, style, coding }), fieldSize: s };
  const decodeAgain = await cpuMs(() =>
    runFfmpeg(['-v', 'error', '-i', clip, '-map', '0:v:0', '-f', 'null', '-']),
  );
  const filters = await cpuMs(() =>
    ffmpegWith([...overlayInputArgs(clip, info, opts), '-f', 'null', '-'], stdin),
  );
  const encode = await cpuMs(() =>
    ffmpegWith(
      [...overlayInputArgs(clip, info, opts), ...encodeArgs(info, {}), '-f', 'mp4', '-y', outFile],
      stdin,
    ),
  );
  return {
    'decode + scale to model size (ffmpeg)': decode / n,
    'preprocess (JS, model size)': pre / n,
    'model (ORT)': (model - pre) / n,
    'threshold + components (JS, model size)': post / n,
    'mask field (JS, model size)': field / n,
    'second decode (ffmpeg)': decodeAgain / n,
    'overlay filters (ffmpeg)': (filters - decodeAgain) / n,
    'x264 encode, veryfast crf 23': (encode - filters) / n,
  };
}
