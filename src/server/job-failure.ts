import type { FastifyBaseLogger } from 'fastify';

/** Whose fault a failed job is: the uploaded video's, or the server's (storage, encoder, bugs). */
export type JobFault = 'input' | 'server';

/**
 * A failed video job: the reason its user may read, and whose fault it is, so every layer (the
 * job's `error`, the log level) tells a bad video from a server fault.
 */
export class VideoJobError extends Error {
  constructor(
    message: string,
    readonly fault: JobFault,
  ) {
    super(message);
    this.name = 'VideoJobError';
  }
}

/**
 * Logs a job's failure at the level its fault deserves (a bad video is the uploader's business:
 * info; anything else, including an unexpected throw, warns) and returns the reason to record.
 */
export function logJobFailure(logger: FastifyBaseLogger, job: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const fault: JobFault = err instanceof VideoJobError ? err.fault : 'server';
  if (fault === 'input') logger.info({ job, fault, err: message }, 'video job failed');
  else logger.warn({ job, fault, err: message }, 'video job failed');
  return message;
}
