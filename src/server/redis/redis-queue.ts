import { EventEmitter } from 'node:events';
import { rm } from 'node:fs/promises';
import { Queue, QueueEvents, type Job as BullJob } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { QueueHealth } from '../../api/schemas.ts';
import { busy } from '../http-error.ts';
import type { JobFiles } from '../job-files.ts';
import type { Job } from '../job-store.ts';
import type { VideoType } from '../sniff.ts';
import type { VideoQueue } from '../video-queue.ts';
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
import { toJob, type JobData } from './job-record.ts';
import { MAX_INTERRUPTIONS } from './redis-worker.ts';

/** BullMQ states of a job that has not started (again) yet: what the queue-size limit counts. */
const WAITING_STATES = ['waiting', 'prioritized', 'delayed'] as const;
/** The events after which a job looks different to the API (forwarded to SSE listeners). */
const CHANGES = ['waiting', 'active', 'progress', 'completed', 'failed', 'stalled'] as const;

const unreachable = () => busy('the video queue (Redis) cannot be reached right now; try again shortly', 10);

/**
 * The API side of the Redis backend: uploads become BullMQ jobs that `polypseg worker` processes (on
 * any machine sharing the data directory) take; job state and progress are read back from Redis, so
 * any number of API processes give the same answers. While Redis is away every call answers 503 at
 * once (the routes stay up; images are unaffected).
 */
export class RedisVideoQueue extends EventEmitter<{ update: [Job] }> implements VideoQueue {
  readonly backend = 'redis';
  private readonly closers: Array<() => Promise<void>> = [];
  /** QueueEvents callbacks are async; one chain keeps each job's updates in the order they happened */
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    private readonly target: RedisTarget,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    /** for the cancel key and message (BullMQ's own connection is not for our commands) */
    private readonly redis: Redis,
    private readonly files: JobFiles,
    private readonly options: { queueSize: number; lockMs: number; logger: FastifyBaseLogger },
  ) {
    super();
    this.setMaxListeners(0);
  }

  /** Connects (failing at once with a clear PolypsegError when Redis cannot be reached). */
  static async open(
    target: RedisTarget,
    files: JobFiles,
    options: { queueSize: number; lockMs: number; logger: FastifyBaseLogger },
  ): Promise<RedisVideoQueue> {
    await assertRedisReachable(target);
    const { logger } = options;
    const warn = everyAtMost(10_000, (err) =>
      logger.warn({ err: err.message }, `Redis at ${target.url}: connection problem`),
    );
    const queue = new Queue(QUEUE_NAME, {
      connection: connectionOptions(target, 'api'),
      prefix: PREFIX,
    });
    queue.on('error', warn);
    await queue.waitUntilReady();
    const events = new QueueEvents(QUEUE_NAME, {
      connection: connectionOptions(target, 'worker'),
      prefix: PREFIX,
    });
    events.on('error', warn);
    const redis = new Redis(connectionOptions(target, 'api'));
    redis.on('error', warn);
    const self = new RedisVideoQueue(target, queue, events, redis, files, options);
    for (const name of CHANGES) events.on(name, ({ jobId }: { jobId: string }) => self.forward(jobId));
    await events.waitUntilReady();
    logger.info({ queue: target.url }, 'video jobs go to the Redis queue');
    return self;
  }

  /** Something else to stop with the queue (an in-process worker). */
  onClose(close: () => Promise<void>): void {
    this.closers.push(close);
  }

  private forward(id: string): void {
    if (this.listenerCount('update') === 0) return;
    this.chain = this.chain
      .then(async () => {
        const job = await this.get(id);
        if (job) this.emit('update', job);
      })
      .catch(() => {}); // Redis went away between the event and the read; the next event catches up
  }

  /** Runs a Redis call, turning a lost connection into 503 for the client. */
  private async call<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'Redis call failed');
      throw unreachable();
    }
  }

  async start(): Promise<void> {}

  async assertCapacity(): Promise<void> {
    const waiting = await this.call(this.queue.getJobCountByTypes(...WAITING_STATES));
    if (waiting >= this.options.queueSize)
      throw busy(`the video queue is full (${this.options.queueSize} waiting); try again later`, 30);
  }

  async submit(job: { id: string; inputType: VideoType }): Promise<void> {
    await this.assertCapacity();
    await this.call(
      this.queue.add('video', { inputType: job.inputType } satisfies JobData, { jobId: job.id }),
    );
  }

  async get(id: string): Promise<Job | undefined> {
    const job = await this.call(this.queue.getJob(id) as Promise<BullJob | undefined>);
    if (!job) return undefined;
    return toJob(job, await this.call(job.getState()), MAX_INTERRUPTIONS);
  }

  /**
   * Asks every worker to drop the job (pub/sub, plus a key for one that takes it just now), then
   * removes it as soon as its worker has let go: at once when it was waiting, within a moment when
   * a live worker holds it, after the lock expires when its worker died.
   */
  async remove(id: string): Promise<void> {
    const before = await this.get(id);
    if (!before) return;
    await this.call(this.redis.set(cancelKey(id), '1', 'EX', 3600));
    await this.call(this.redis.publish(CANCEL_CHANNEL, id));
    const deadline = Date.now() + this.options.lockMs + 10_000;
    for (;;) {
      const job = await this.call(this.queue.getJob(id));
      if (!job) break;
      try {
        await job.remove();
        break;
      } catch (err) {
        if (!/locked/.test((err as Error).message)) throw unreachable();
        if (Date.now() > deadline)
          throw busy('the worker running this video has not stopped yet; try again', 5);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    await rm(this.files.jobDir(id), { recursive: true, force: true });
    if (before.status === 'queued' || before.status === 'running')
      this.emit('update', { ...before, status: 'cancelled', finishedAt: Date.now() });
  }

  async sweep(cutoff: number): Promise<string[]> {
    const age = Math.max(0, Date.now() - cutoff);
    const ids: string[] = [];
    for (const type of ['completed', 'failed'] as const)
      ids.push(...(await this.call(this.queue.clean(age, 1000, type))));
    for (const id of ids) await rm(this.files.jobDir(id), { recursive: true, force: true });
    return ids;
  }

  async health(): Promise<QueueHealth> {
    const redis = { url: this.target.url, reachable: false };
    try {
      const [counts, workers] = await Promise.all([
        this.queue.getJobCounts('active', ...WAITING_STATES),
        this.queue.getWorkersCount(),
      ]);
      const queued = WAITING_STATES.reduce((n, s) => n + (counts[s] ?? 0), 0);
      return {
        backend: this.backend,
        redis: { ...redis, reachable: true },
        running: counts.active ?? 0,
        queued,
        workers,
      };
    } catch {
      return { backend: this.backend, redis, running: 0, queued: 0, workers: 0 };
    }
  }

  async close(): Promise<void> {
    for (const close of this.closers) await close();
    await closeWithin(3000, Promise.all([this.events.close(), this.queue.close()]), () =>
      Promise.all([this.events.disconnect(), this.queue.disconnect()]),
    );
    this.redis.disconnect();
    await rm(this.files.tmpDir, { recursive: true, force: true });
  }
}
