import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import type { QueueHealth } from '../api/schemas.ts';
import { removeOrphanJobDirs } from './data-dir.ts';
import { JobQueue, type JobProcessor } from './job-queue.ts';
import type { Job, JobStore } from './job-store.ts';
import type { VideoQueue } from './video-queue.ts';

/**
 * The zero-set-up backend: jobs in SQLite (`JobStore`), run by an in-process pool (`JobQueue`).
 * This adapter only maps the `VideoQueue` seam onto those two.
 */
export class EmbeddedVideoQueue extends EventEmitter<{ update: [Job] }> implements VideoQueue {
  readonly backend = 'embedded';
  private readonly queue: JobQueue;

  constructor(
    private readonly store: JobStore,
    processor: JobProcessor,
    private readonly options: { workers: number; queueSize: number; logger: FastifyBaseLogger },
  ) {
    super();
    this.setMaxListeners(0);
    this.queue = new JobQueue(store, processor, options);
    this.queue.on('update', (job) => this.emit('update', job));
  }

  async start(): Promise<void> {
    const orphans = removeOrphanJobDirs(this.store);
    if (orphans)
      this.options.logger.info({ folders: orphans }, 'deleted job folders left without a job by a crash');
    this.queue.start();
  }

  async assertCapacity(): Promise<void> {
    this.queue.assertCapacity();
  }

  async submit(job: Pick<Job, 'id' | 'inputType'>): Promise<void> {
    // refused before the row exists, so a 503 never leaves a job behind
    this.queue.assertCapacity();
    this.store.insert(job);
    try {
      this.queue.submit(job.id);
    } catch (err) {
      this.store.delete(job.id);
      throw err;
    }
  }

  async get(id: string): Promise<Job | undefined> {
    return this.store.get(id);
  }

  async remove(id: string): Promise<void> {
    await this.queue.cancel(id);
    const current = this.store.get(id);
    if (current && !JobQueue.isFinished(current)) {
      // it was waiting: tell event listeners before the row goes
      this.emit('update', this.store.update(id, { status: 'cancelled', finishedAt: Date.now() })!);
    }
    this.store.delete(id);
  }

  async sweep(cutoff: number): Promise<string[]> {
    const expired = this.store.finishedBefore(cutoff).map((job) => job.id);
    for (const id of expired) this.store.delete(id);
    return expired;
  }

  async health(): Promise<QueueHealth> {
    return {
      backend: this.backend,
      running: this.store.list('running').length,
      queued: this.queue.waiting,
      workers: this.options.workers,
    };
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.store.close();
  }
}
