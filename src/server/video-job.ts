import { readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { FramesFile } from '../api/schemas.ts';
import { PolypsegError } from '../errors.ts';
import { probeVideo, processVideo, VideoInputError, type VideoInfo, type VideoType } from '../video/index.ts';
import type { ServerConfig } from './config.ts';
import type { AppContext } from './context.ts';
import { HttpError, tooLarge } from './http-error.ts';
import type { Job, JobPatch } from './job-store.ts';
import { VideoJobError, type JobFault } from './job-failure.ts';

/** Error text for users: never the server's file paths. */
function publicMessage(err: unknown, paths: string[]): string {
  let message = err instanceof Error ? err.message : String(err);
  for (const p of paths) message = message.split(`${p}: `).join('').split(p).join('the video');
  return message;
}

/**
 * Why a job failed, as its user may read it: the video's own problem (limits, unreadable,
 * undecodable, cancelled) in the pipeline's words naming the video, the server's (storage,
 * encoder, bugs) as a short reason without paths or error codes.
 */
export function failureReason(err: unknown, paths: string[]): { reason: string; fault: JobFault } {
  if (err instanceof HttpError) return { reason: err.message, fault: 'input' };
  if (err instanceof VideoInputError) return { reason: publicMessage(err, paths), fault: 'input' };
  if (err instanceof PolypsegError && err.code === 'ABORTED')
    return { reason: publicMessage(err, paths), fault: 'input' };
  if (err instanceof PolypsegError && err.code === 'VIDEO_ENCODE')
    return { reason: 'could not encode the result video', fault: 'server' };
  if ((err as { syscall?: string })?.syscall)
    return { reason: 'could not write the result (a storage error on the server)', fault: 'server' };
  return { reason: 'the video could not be processed (an internal error on the server)', fault: 'server' };
}

/** Seconds of video the limit is checked against: the header's duration, or the frames it holds if longer. */
function videoSeconds(info: VideoInfo): number {
  return Math.max(info.duration, info.frames / info.fps);
}

const tooLong = (seconds: number, limit: number) =>
  tooLarge(`the video is ${Math.round(seconds)} s long; the limit is ${limit} s`, 'video_too_long');

/**
 * Probes the video (opened as its sniffed `container`) and enforces the duration/resolution limits
 * (413). With `strict: false` an unreadable file returns null instead of throwing, so the upload is
 * accepted and the job fails with the decoder's message; with `strict: true` the probe's
 * VideoInputError is thrown as it is (failureReason removes the paths).
 */
export async function checkVideoLimits(
  path: string,
  container: VideoType,
  limits: ServerConfig['limits'],
  opts: { strict: boolean },
): Promise<VideoInfo | null> {
  let info: VideoInfo;
  try {
    info = await probeVideo(path, container);
  } catch (err) {
    if (opts.strict || !(err instanceof VideoInputError)) throw err;
    return null;
  }
  if (info.width > limits.videoWidth || info.height > limits.videoHeight) {
    throw tooLarge(
      `the video is ${info.width}×${info.height}; the limit is ${limits.videoWidth}×${limits.videoHeight}`,
      'video_too_large',
    );
  }
  // a container header can claim 1 s over hours of frames: count them too
  const seconds = videoSeconds(info);
  if (seconds > limits.videoSeconds) throw tooLong(seconds, limits.videoSeconds);
  return info;
}

/**
 * One video job: probe + limits, then the shared video pipeline (decode → segment → overlay →
 * encode) into a partial file that is renamed only when complete, so a result on disk is always
 * whole. The input is deleted once the job has finished for good.
 */
const PARTIAL = 'result.partial.mp4';

/** Deletes partial results (the encoder's `result.partial.mp4.tmp-*` too) a crash or failure left. */
async function removePartials(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith(PARTIAL)).map((n) => rm(join(dir, n), { force: true })));
}

export async function processVideoJob(
  job: Job,
  ctx: Pick<AppContext, 'store' | 'segmenter' | 'config'> & { log?: FastifyBaseLogger },
  run: { signal: AbortSignal; report: (patch: JobPatch) => void },
): Promise<JobPatch> {
  const { store, segmenter, config } = ctx;
  const input = store.inputPath(job);
  const dir = store.jobDir(job.id);
  const partial = join(dir, PARTIAL);
  const paths = [partial, input, dir, store.dataDir];
  try {
    // a resumed job starts over: whatever a killed process was writing is garbage
    await removePartials(dir);
    const info = (await checkVideoLimits(input, job.inputType, config.limits, { strict: true }))!;
    // the limits hold for what is decoded, whatever the container claimed
    const maxFrames = Math.floor(config.limits.videoSeconds * info.fps);
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
      (p) => {
        if (p.frame > maxFrames) throw tooLong(p.frame / info.fps, config.limits.videoSeconds);
        run.report({ progress: Math.min(0.999, p.frame / Math.max(1, p.totalFrames)) });
      },
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
    const { reason, fault } = failureReason(err, paths);
    // a bad video is the uploader's business (info, no stack); a server fault is ours (error, with
    // the original error for the log, where paths may appear)
    if (!run.signal.aborted && fault === 'server')
      ctx.log?.error({ job: job.id, err }, `video job failed: ${reason}`);
    try {
      await removePartials(dir);
      // a shutdown keeps the input so the job can resume; a real failure has no further use for it
      if (!run.signal.aborted) await rm(input, { force: true });
    } catch (cleanupErr) {
      ctx.log?.warn({ job: job.id, err: cleanupErr }, "could not delete a failed job's files");
    }
    throw new VideoJobError(reason, fault);
  }
}
