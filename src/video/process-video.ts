import type { RawImage } from '../data/raw-image.ts';
import { PolypsegError } from '../errors.ts';
import { drawOverlay, type OverlayOptions } from '../segment/overlay.ts';
import type { Polyp, Segmenter, SegmentOptions } from '../segment/types.ts';
import { FrameDecoder, FrameEncoder } from './frames.ts';
import { probeVideo, type VideoInfo } from './probe.ts';

export interface VideoOptions extends SegmentOptions {
  overlay?: OverlayOptions;
  /** cancels the job: ffmpeg is killed, no output is left behind, the promise rejects (code 'ABORTED') */
  signal?: AbortSignal;
  /** frames in inference at once, so pre/post-processing overlaps the model (default 2) */
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
 * pipes with back-pressure, a few frames in memory). The output has the input's size, frame rate
 * and frame count; the input's audio, if any, is carried over as AAC.
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
  const decoder = new FrameDecoder(input, info);
  const audioFrom = info.hasAudio && opts.keepAudio !== false ? input : undefined;
  const encoder = new FrameEncoder(output, info, { ...opts, audioFrom });
  const onAbort = () => {
    decoder.kill();
    void encoder.abort();
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  const results: FrameResult[] = [];
  const segmentOptions: SegmentOptions = {
    tta: opts.tta ?? false,
    threshold: opts.threshold,
    minArea: opts.minArea,
  };
  const window = Math.max(1, opts.concurrency ?? 2);
  const pending: Array<{ image: RawImage; result: ReturnType<Segmenter['segment']> }> = [];

  const emit = async () => {
    const { image, result } = pending.shift()!;
    const seg = await result;
    if (signal?.aborted) throw aborted();
    drawOverlay(image, seg.mask, opts.overlay);
    await encoder.write(image.data);
    const index = results.length;
    results.push({
      frame: index,
      time: index / info.fps,
      count: seg.polyps.length,
      area: seg.polyps.reduce((a, p) => a + p.area, 0),
      coverage: seg.coverage,
      score: seg.polyps.reduce((a, p) => Math.max(a, p.score), 0),
      polyps: seg.polyps,
    });
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
      const image: RawImage = { width: info.width, height: info.height, channels: 3, data };
      const result = segmenter.segment(image, segmentOptions);
      result.catch(() => undefined); // awaited in order by emit(); avoid an unhandled rejection meanwhile
      pending.push({ image, result });
      if (pending.length >= window) await emit();
    }
    while (pending.length) await emit();
    if (signal?.aborted) throw aborted();
    if (results.length === 0)
      throw new PolypsegError(`${input} has no decodable video frames`, 'VIDEO_NO_FRAMES');
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
