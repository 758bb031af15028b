import os from 'node:os';
import type { RawImage } from '../data/raw-image.ts';
import { PolypsegError } from '../errors.ts';
import { overlayStyle, type OverlayOptions } from '../segment/overlay.ts';
import type { Polyp, Segmenter, SegmentOptions } from '../segment/types.ts';
import { frameResult } from './frame-report.ts';
import { VideoInputError } from './container.ts';
import { FrameDecoder } from './frames.ts';
import { encodeMaskField, fieldCoding } from './mask-field.ts';
import { OverlayEncoder } from './overlay-encoder.ts';
import { overlayFilterGraph } from './overlay-filter.ts';
import { probeVideo, type VideoInfo } from './probe.ts';

export interface VideoOptions extends SegmentOptions {
  overlay?: OverlayOptions;
  /** cancels the job: ffmpeg is killed, no output is left behind, the promise rejects (code 'ABORTED') */
  signal?: AbortSignal;
  /**
   * frames in flight at once, so decoding, inference on several threads (videoRuntimeOptions),
   * post-processing and encoding overlap (default 4)
   */
  concurrency?: number;
  /** the input's probeVideo() result when the caller already has it (skips a second probe) */
  info?: VideoInfo;
  /** x264 quality (default 23) and speed preset (default 'veryfast') */
  crf?: number;
  preset?: string;
  /** copy the input's audio into the result (default true) */
  keepAudio?: boolean;
}

/** What the JSON report holds per frame. */
export interface FrameResult {
  frame: number;
  /** seconds from the start */
  time: number;
  /** number of polyp regions */
  count: number;
  /** polyp pixels in the frame */
  area: number;
  coverage: number;
  /** highest mean probability among the frame's polyps (0 when none) */
  score: number;
  polyps: Polyp[];
}

export interface VideoProgress {
  frame: number;
  totalFrames: number;
  /** processing speed so far, frames per second */
  fps: number;
  elapsedMs: number;
}

export interface VideoResult {
  info: VideoInfo;
  frames: FrameResult[];
  elapsedMs: number;
  /** end-to-end processing speed (decode + segment + overlay + encode) */
  fps: number;
}

function aborted(): PolypsegError {
  return new PolypsegError('video processing was cancelled', 'ABORTED');
}

/**
 * Decode -> segment -> overlay -> encode as one streaming pipeline (ffmpeg processes on both ends,
 * pipes with back-pressure, a few frames in memory). No full-size pixel passes through JavaScript:
 * one ffmpeg decodes frames already scaled to the model's input, the model and the components run
 * at that size, and a second ffmpeg decodes the source again, draws the upscaled mask over it with
 * native filters and encodes (docs/benchmarks.md has the per-stage costs). The output has the
 * input's size (odd sizes padded by one pixel), frame rate and frame count; the input's audio, if
 * any, is carried over as AAC. Per-frame polyps are measured on the model-size mask and reported in
 * frame pixels.
 */
export async function processVideo(
  input: string,
  output: string,
  segmenter: Segmenter,
  opts: VideoOptions = {},
  onProgress?: (p: VideoProgress) => void,
): Promise<VideoResult> {
  const { signal } = opts;
  if (signal?.aborted) throw aborted();
  const info = opts.info ?? (await probeVideo(input));
  if (signal?.aborted) throw aborted();
  const started = performance.now();
  const size = segmenter.metadata.inputSize;
  const scaleX = info.width / size;
  const scaleY = info.height / size;
  const threshold = opts.threshold ?? segmenter.metadata.threshold;
  const style = overlayStyle(info.width, info.height, opts.overlay);
  const coding = fieldCoding(threshold, style.outline);
  const decoder = new FrameDecoder(input, info, size);
  const encoder = new OverlayEncoder(output, input, info, {
    graph: overlayFilterGraph({ ...info, size, style, coding }),
    fieldSize: size,
    crf: opts.crf,
    preset: opts.preset,
    audio: info.hasAudio && opts.keepAudio !== false,
  });
  const onAbort = () => {
    decoder.kill();
    void encoder.abort();
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  const results: FrameResult[] = [];
  const segmentOptions: SegmentOptions = {
    tta: opts.tta ?? false,
    threshold,
    // minArea is in frame pixels; the components are found at model size
    minArea: opts.minArea === undefined ? undefined : opts.minArea / (scaleX * scaleY),
  };
  const window = Math.max(1, opts.concurrency ?? 4);
  const pending: Array<ReturnType<Segmenter['segment']>> = [];

  const emit = async () => {
    const seg = await pending.shift()!;
    if (signal?.aborted) throw aborted();
    await encoder.write(encodeMaskField(seg, threshold, coding, scaleX, scaleY));
    const index = results.length;
    results.push(frameResult(index, info.fps, seg, info.width, info.height));
    const elapsedMs = performance.now() - started;
    onProgress?.({
      frame: index + 1,
      totalFrames: info.frames,
      fps: (index + 1) / (elapsedMs / 1000),
      elapsedMs,
    });
  };

  try {
    for await (const data of decoder.frames()) {
      if (signal?.aborted) throw aborted();
      const image: RawImage = { width: size, height: size, channels: 3, data };
      const result = segmenter.segment(image, segmentOptions);
      result.catch(() => undefined); // awaited in order by emit(); avoid an unhandled rejection meanwhile
      pending.push(result);
      if (pending.length >= window) await emit();
    }
    while (pending.length) await emit();
    if (signal?.aborted) throw aborted();
    if (results.length === 0)
      throw new VideoInputError(`${input} has no decodable video frames`, 'VIDEO_NO_FRAMES');
    await encoder.finish();
  } catch (err) {
    decoder.kill();
    await encoder.abort();
    throw signal?.aborted ? aborted() : err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  const elapsedMs = performance.now() - started;
  return { info, frames: results, elapsedMs, fps: results.length / (elapsedMs / 1000) };
}

/**
 * How a video's segmenter should run: with ONNX Runtime, `threads` (default: the cores, at most 4)
 * one-thread sessions on worker threads, so the frames in flight are inferred side by side while
 * the main thread feeds ffmpeg (61–64 fps at 640×480 on 2 cores against 56–58 with one two-thread
 * session on the main thread; docs/benchmarks.md). Other runtimes take `threads` as before.
 */
export function videoRuntimeOptions(threads?: number): { threads?: number; inferThreads: number } {
  return { threads, inferThreads: threads ?? Math.max(1, Math.min(4, os.availableParallelism())) };
}
