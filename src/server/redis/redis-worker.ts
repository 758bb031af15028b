import { hostname } from 'node:os';
import { UnrecoverableError, WaitingError, Worker, type Job as BullJob } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { JobProcessor } from '../job-queue.ts';
import type { JobPatch } from '../job-store.ts';
import { throttleProgress } from '../progress-throttle.ts';
import {
  assertRedisReachable,
  CANCEL_CHANNEL,
  cancelKey,
  closeWithin,
  connectionOptions,
  everyAtMost,
  PREFIX,
  QUEUE_NAME,
} from './connection.ts';
import type { RedisTarget } from './url.ts';
import { CANCELLED_REASON, jobProgressSchema, progressOf, toJob, type JobData } from './job-record.ts';
import { logJobFailure } from '../job-failure.ts';

/** A job whose worker died this many times (SIGKILL, crash, lost machine) fails instead of running again. */
export const MAX_INTERRUPTIONS = 3;
/** The abort reason of a graceful stop: the job goes back to the queue, not to `failed`. */
const SHUTDOWN = 'shutdown';
/**
 * The abort reason when this worker's lock on a job has expired (its process was starved of CPU or
 * cut off from Redis for longer than the lock): BullMQ may already have given the job to another
 * worker, so this run stops and leaves the job and its input alone.
 */
const LOCK_LOST = 'lock lost';

export interface RedisWorkerOptions {
  /** videos this process works on at once */
  concurrency: number;
  /**
   * How long a job's lock lasts without renewal (renewed every half of it while the worker lives);
   * a killed worker's job is taken up again by another one within about twice this.
   */
  lockMs: number;
  logger: FastifyBaseLogger;
}

/**
 * The worker side of the Redis backend: takes video jobs from BullMQ and runs the same processor as
 * the embedded queue, publishing progress to Redis. A job whose worker vanished is put back by
 * BullMQ's stalled-job check in the surviving workers; `close()` hands running jobs back.
 */
export class RedisVideoWorker {
  private constructor(
    private readonly worker: Worker<JobData>,
    private readonly subscriber: Redis,
    private readonly redis: Redis,
    private readonly logger: FastifyBaseLogger,
  ) {}

  static async start(
    target: RedisTarget,
    processor: JobProcessor,
    options: RedisWorkerOptions,
  ): Promise<RedisVideoWorker> {
    await assertRedisReachable(target);
    const { logger } = options;
    const warn = everyAtMost(10_000, (err) =>
      logger.warn({ err: err.message }, `Redis at ${target.url}: connection problem`),
    );
    // pub/sub needs a connection of its own; `redis` reads the cancel keys
    const subscriber = new Redis(connectionOptions(target, 'worker'));
    subscriber.on('error', warn);
    const redis = new Redis(connectionOptions(target, 'worker'));
    redis.on('error', warn);
    let worker!: Worker<JobData>;
    const run = (job: BullJob<JobData>, token: string | undefined, signal: AbortSignal | undefined) =>
      runJob(job, token, signal!, processor, { redis, logger, warn });
    worker = new Worker<JobData>(QUEUE_NAME, (job, token, signal) => run(job, token, signal), {
      connection: connectionOptions(target, 'worker'),
      prefix: PREFIX,
      name: `${hostname()}:${process.pid}`,
      concurrency: options.concurrency,
      lockDuration: options.lockMs,
      stalledInterval: options.lockMs,
      // BullMQ counts recoveries: the third interruption is one more than it may recover from
      maxStalledCount: MAX_INTERRUPTIONS - 1,
      autorun: false,
    });
    worker.on('error', warn);
    worker.on('lockRenewalFailed', (ids) => {
      for (const id of ids) worker.cancelJob(id, LOCK_LOST);
    });
    await subscriber.subscribe(CANCEL_CHANNEL);
    subscriber.on('message', (_channel, id: string) => worker.cancelJob(id, CANCELLED_REASON));
    void worker.run();
    await worker.waitUntilReady();
    logger.info({ queue: target.url, concurrency: options.concurrency }, 'taking video jobs from Redis');
    return new RedisVideoWorker(worker, subscriber, redis, logger);
  }

  /** Graceful stop: running jobs are aborted and handed back to the queue for another worker. */
  async close(): Promise<void> {
    this.worker.cancelAllJobs(SHUTDOWN);
    // with Redis away the hand-back cannot happen; the job's lock then expires and it runs again elsewhere
    await closeWithin(10_000, this.worker.close(), () => this.worker.disconnect());
    this.subscriber.disconnect();
    this.redis.disconnect();
    this.logger.info('worker stopped');
  }
}

async function runJob(
  bullJob: BullJob<JobData>,
  token: string | undefined,
  signal: AbortSignal,
  processor: JobProcessor,
  ctx: { redis: Redis; logger: FastifyBaseLogger; warn: (err: Error) => void },
): Promise<JobPatch> {
  const { logger } = ctx;
  const job = toJob(bullJob, 'active', MAX_INTERRUPTIONS);
  if (!job) throw new UnrecoverableError('not a polypseg video job');
  // a job run again after an interruption starts from scratch: so does its progress
  let progress = jobProgressSchema.parse({});
  await bullJob.updateProgress(progress);
  if ((await ctx.redis.exists(cancelKey(job.id))) > 0) throw new UnrecoverableError(CANCELLED_REASON);
  logger.info({ job: job.id, attempt: job.attempts }, 'video job started');
  const report = throttleProgress(signal, (patch) => {
    progress = progressOf(progress, patch);
    bullJob.updateProgress(progress).catch(ctx.warn);
  });
  try {
    const result = await processor(job, { signal, report });
    if (signal.aborted) throw signal.reason;
    logger.info({ job: job.id, ms: Date.now() - (job.startedAt ?? Date.now()) }, 'video job done');
    return result ?? {};
  } catch (err) {
    if (signal.aborted && signal.reason === LOCK_LOST) {
      logger.warn({ job: job.id }, 'video job stopped: its lock expired, so it runs again from the queue');
      throw new WaitingError(); // tells BullMQ to leave the job as it is
    }
    if (signal.aborted && signal.reason === SHUTDOWN) {
      try {
        await bullJob.moveToWait(token);
        logger.info({ job: job.id }, 'video job handed back to the queue (worker stopping)');
      } catch (handBack) {
        // Redis away or lock gone: the stalled-job check re-queues it once the lock expires
        logger.warn(
          { job: job.id, err: (handBack as Error).message },
          'video job left to the stalled-job check',
        );
      }
      throw new WaitingError();
    }
    if (signal.aborted) {
      logger.info({ job: job.id }, 'video job cancelled');
      throw new UnrecoverableError(CANCELLED_REASON);
    }
    const message = logJobFailure(logger, job.id!, err);
    // a video that fails fails for good (as in the embedded queue); only interruptions are retried
    throw new UnrecoverableError(message);
  }
}
