import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { probeVideo, processVideo, type VideoInfo } from '../video/index.ts';
import type { ServerConfig } from './config.ts';
import type { AppContext } from './context.ts';
import { tooLarge } from './http-error.ts';
import type { Job, JobPatch } from './job-store.ts';

/** Error text for users: never the server's file paths. */
function publicMessage(err: unknown, paths: string[]): string {
  let message = err instanceof Error ? err.message : String(err);
  for (const p of paths) message = message.split(`${p}: `).join('').split(p).join('the video');
  return message;
}

/**
 * Probes the video and enforces the duration/resolution limits (413). With `strict: false` an
 * unreadable file returns null instead of throwing, so the upload is accepted and the job fails with
 * the decoder's message (the caller decides whether unreadable means 422 or a failed job).
 */
export async function checkVideoLimits(
  path: string,
  limits: ServerConfig['limits'],
  opts: { strict: boolean },
): Promise<VideoInfo | null> {
  let info: VideoInfo;
  try {
    info = await probeVideo(path);
  } catch (err) {
    if (opts.strict) throw new Error(publicMessage(err, [path]));
    return null;
  }
  if (info.width > limits.videoWidth || info.height > limits.videoHeight) {
    throw tooLarge(
      `the video is ${info.width}×${info.height}; the limit is ${limits.videoWidth}×${limits.videoHeight}`,
      'video_too_large',
    );
  }
  const seconds = info.duration > 0 ? info.duration : info.frames / info.fps;
  if (seconds > limits.videoSeconds) {
    throw tooLarge(
      `the video is ${Math.round(seconds)} s long; the limit is ${limits.videoSeconds} s`,
      'video_too_long',
    );
  }
  return info;
}

/** Per-frame findings as served by GET /api/videos/:id/frames.json. */
export interface FramesFile {
  fps: number;
  frames: Array<{
    frame: number;
    time: number;
    count: number;
    area: number;
    coverage: number;
    score: number;
  }>;
}

/**
 * One video job: probe + limits, then the shared video pipeline (decode → segment → overlay →
 * encode) into a partial file that is renamed only when complete, so a result on disk is always
 * whole. The input is deleted once the job has finished for good.
 */
export async function processVideoJob(
  job: Job,
  ctx: Pick<AppContext, 'store' | 'segmenter' | 'config'>,
  run: { signal: AbortSignal; report: (patch: JobPatch) => void },
): Promise<JobPatch> {
  const { store, segmenter, config } = ctx;
  const input = store.inputPath(job);
  const partial = join(store.jobDir(job.id), 'result.partial.mp4');
  const paths = [partial, input, store.jobDir(job.id), store.dataDir];
  try {
    const info = (await checkVideoLimits(input, config.limits, { strict: true }))!;
    run.report({
      fps: info.fps,
      frames: info.frames,
      width: info.width,
      height: info.height,
      duration: info.duration,
    });
    const result = await processVideo(
      input,
      partial,
      segmenter,
      { signal: run.signal, info, overlay: { outline: true } },
      (p) => run.report({ progress: Math.min(0.999, p.frame / Math.max(1, p.totalFrames)) }),
    );
    const frames: FramesFile = {
      fps: result.info.fps,
      frames: result.frames.map(({ frame, time, count, area, coverage, score }) => ({
        frame,
        time,
        count,
        area,
        coverage,
        score,
      })),
    };
    await writeFile(store.framesPath(job.id), JSON.stringify(frames));
    await rename(partial, store.resultPath(job.id));
    await rm(input, { force: true });
    return { frames: result.frames.length, fps: result.info.fps, processingFps: result.fps };
  } catch (err) {
    await rm(partial, { force: true });
    // a shutdown keeps the input so the job can resume; a real failure has no further use for it
    if (!run.signal.aborted) await rm(input, { force: true });
    throw new Error(publicMessage(err, paths));
  }
}
