import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import { FINISHED_STATUSES } from '../api/schemas.ts';
import { busy } from './http-error.ts';
import type { Job, JobPatch, JobStore } from './job-store.ts';
import { throttleProgress } from './progress-throttle.ts';
import { logJobFailure } from './job-failure.ts';

/** Work for one job. Throwing fails the job with the error's message (unless it was aborted). */
export type JobProcessor = (
  job: Job,
  ctx: { signal: AbortSignal; report: (patch: JobPatch) => void },
) => Promise<JobPatch | void>;

export interface JobQueueOptions {
  workers: number;
  /** jobs allowed to wait (beyond those running) */
  queueSize: number;
  /** a job interrupted by this many restarts fails instead of running again */
  maxAttempts?: number;
  logger: FastifyBaseLogger;
}

/**
 * A bounded pool of workers over the job store. Jobs are persisted before they are queued, so a
 * restart picks queued and interrupted jobs back up in order. Emits `update` (Job) on every change,
 * which `VideoService` forwards to progress streams.
 */
export class JobQueue extends EventEmitter<{ update: [Job] }> {
  private readonly pending: string[] = [];
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private closed = false;

  constructor(
    private readonly store: JobStore,
    private readonly processor: JobProcessor,
    private readonly options: JobQueueOptions,
  ) {
    super();
    this.setMaxListeners(0);
  }

  /** Re-queues jobs interrupted by a restart and starts everything that is queued. */
  start(): void {
    const { requeued, failed } = this.store.recoverInterrupted(this.options.maxAttempts ?? 3);
    if (requeued.length)
      this.options.logger.info({ jobs: requeued }, 'resuming video jobs interrupted by a restart');
    if (failed.length)
      this.options.logger.warn({ jobs: failed }, 'video jobs failed after repeated interruptions');
    for (const job of this.store.list('queued')) this.pending.push(job.id);
    this.pump();
  }

  get waiting(): number {
    return this.pending.length;
  }

  /** Throws 503 when no more jobs may wait; check before accepting an upload. */
  assertCapacity(): void {
    if (this.closed) throw busy('the server is shutting down', 5);
    const free = this.options.workers - this.running.size;
    if (this.pending.length - Math.max(0, free) >= this.options.queueSize) {
      throw busy(`the video queue is full (${this.options.queueSize} waiting); try again later`, 30);
    }
  }

  /** Queues a job already inserted in the store. */
  submit(id: string): void {
    this.assertCapacity();
    this.pending.push(id);
    this.pump();
  }

  /** Stops a job: removes it from the queue or aborts its worker and waits for it to let go. */
  async cancel(id: string): Promise<void> {
    const i = this.pending.indexOf(id);
    if (i >= 0) this.pending.splice(i, 1);
    const run = this.running.get(id);
    if (run) {
      run.abort.abort(new Error('cancelled'));
      await run.done;
    }
  }

  /**
   * Shutdown: aborts running jobs and puts them back to `queued`, so the next start resumes them.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.pending.length = 0;
    const runs = [...this.running.values()];
    for (const r of runs) r.abort.abort(new Error('shutdown'));
    await Promise.all(runs.map((r) => r.done));
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.options.workers && this.pending.length > 0) {
      const id = this.pending.shift()!;
      const job = this.store.get(id);
      if (!job || job.status !== 'queued') continue;
      const abort = new AbortController();
      const entry = { abort, done: Promise.resolve() };
      this.running.set(id, entry);
      entry.done = this.execute(job, abort.signal).finally(() => {
        this.running.delete(id);
        this.pump();
      });
    }
  }

  private change(id: string, patch: JobPatch): Job | undefined {
    const job = this.store.update(id, patch);
    if (job) this.emit('update', job);
    return job;
  }

  private async execute(queued: Job, signal: AbortSignal): Promise<void> {
    const { logger } = this.options;
    const job = this.change(queued.id, {
      status: 'running',
      progress: 0,
      error: null,
      attempts: queued.attempts + 1,
      startedAt: Date.now(),
    })!;
    logger.info({ job: job.id, attempt: job.attempts }, 'video job started');
    const report = throttleProgress(signal, (patch) => this.change(job.id, patch));
    try {
      const result = await this.processor(job, { signal, report });
      if (signal.aborted) throw signal.reason;
      this.change(job.id, { ...result, status: 'done', progress: 1, finishedAt: Date.now() });
      logger.info({ job: job.id, ms: Date.now() - job.startedAt! }, 'video job done');
    } catch (err) {
      if (signal.aborted && !this.closed) {
        // cancelled by DELETE; the route deletes the row
        this.change(job.id, { status: 'cancelled', finishedAt: Date.now() });
        logger.info({ job: job.id }, 'video job cancelled');
      } else if (signal.aborted) {
        // shutdown: resume on the next start (the attempt counter still guards against loops)
        this.change(job.id, { status: 'queued', progress: 0, startedAt: null });
        logger.info({ job: job.id }, 'video job interrupted by shutdown; will resume on restart');
      } else {
        const message = logJobFailure(logger, job.id, err);
        this.change(job.id, { status: 'failed', error: message, finishedAt: Date.now() });
      }
    }
  }

  static isFinished(job: Job): boolean {
    return FINISHED_STATUSES.includes(job.status);
  }
}
