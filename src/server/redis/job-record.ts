import type { Job as BullJob, JobState } from 'bullmq';
import { z } from 'zod';
import type { JobStatus } from '../../api/schemas.ts';
import type { Job, JobPatch } from '../job-store.ts';

/**
 * How a video job is kept in BullMQ: `data` says what was uploaded, `progress` carries the fields a
 * worker learns while running (written whole on every update), `returnvalue` the final figures. All
 * three come back from Redis, written by whatever version of polypseg ran the worker, so they are
 * validated here before they reach the API.
 */
export const jobDataSchema = z.object({ inputType: z.enum(['mp4', 'mov', 'webm', 'avi', 'mkv']) });
export type JobData = z.infer<typeof jobDataSchema>;

const nullableNumber = z.number().nullable().optional();
export const jobProgressSchema = z.object({
  progress: z.number().min(0).max(1).default(0),
  fps: nullableNumber,
  frames: nullableNumber,
  width: nullableNumber,
  height: nullableNumber,
  duration: nullableNumber,
});
export type JobProgress = z.infer<typeof jobProgressSchema>;

const jobResultSchema = z.object({
  frames: nullableNumber,
  fps: nullableNumber,
  processingFps: nullableNumber,
});

/** BullMQ's own reason for a job whose workers kept dying, and what users read instead. */
const STALLED = /stalled more than allowable limit|started more than allowable limit/;
/** The failedReason a worker gives a job dropped on request; the API shows it as `cancelled`. */
export const CANCELLED_REASON = 'cancelled';

/** The worker-learned fields of a patch, as the job's next `progress` object. */
export function progressOf(current: JobProgress, patch: JobPatch): JobProgress {
  const next = { ...current };
  for (const key of ['progress', 'fps', 'frames', 'width', 'height', 'duration'] as const)
    if (patch[key] !== undefined) next[key] = patch[key] as number;
  return next;
}

function statusOf(state: JobState | 'unknown', failedReason: string | undefined): JobStatus | undefined {
  switch (state) {
    case 'unknown':
      return undefined;
    case 'active':
      return 'running';
    case 'completed':
      return 'done';
    case 'failed':
      return failedReason === CANCELLED_REASON ? 'cancelled' : 'failed';
    default:
      // waiting, delayed, prioritized, paused, waiting-children: not started (again) yet
      return 'queued';
  }
}

/** A BullMQ job in `state` as the API's Job; undefined when the data is not a polypseg job's. */
export function toJob(job: BullJob, state: JobState | 'unknown', maxInterruptions: number): Job | undefined {
  const status = statusOf(state, job.failedReason);
  const data = jobDataSchema.safeParse(job.data);
  if (!status || !data.success || !job.id) return undefined;
  const progress = jobProgressSchema.safeParse(typeof job.progress === 'object' ? job.progress : {});
  const p = progress.success ? progress.data : jobProgressSchema.parse({});
  const result = jobResultSchema.safeParse(job.returnvalue ?? {});
  const r = status === 'done' && result.success ? result.data : {};
  let error: string | null = null;
  if (status === 'failed') {
    // BullMQ fails a job whose workers kept dying with its own wording, on whichever worker takes it next
    const reason = job.failedReason || job.deferredFailure || '';
    error =
      STALLED.test(reason) || (job.stalledCounter ?? 0) >= maxInterruptions
        ? `the worker processing this video stopped ${maxInterruptions} times; giving up`
        : reason || 'the video could not be processed';
  }
  return {
    id: job.id,
    status,
    // a job back in the queue after an interrupted run starts again from the beginning
    progress: status === 'done' ? 1 : status === 'queued' ? 0 : p.progress,
    fps: r.fps ?? p.fps ?? null,
    frames: r.frames ?? p.frames ?? null,
    width: p.width ?? null,
    height: p.height ?? null,
    duration: p.duration ?? null,
    processingFps: r.processingFps ?? null,
    error,
    inputType: data.data.inputType,
    attempts: job.attemptsStarted ?? job.attemptsMade ?? 0,
    createdAt: job.timestamp,
    startedAt: status === 'queued' ? null : (job.processedOn ?? null),
    finishedAt: job.finishedOn ?? null,
  };
}
