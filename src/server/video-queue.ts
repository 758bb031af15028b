import type { EventEmitter } from 'node:events';
import type { QueueHealth } from '../api/schemas.ts';
import type { Job } from './job-store.ts';
import type { VideoType } from './sniff.ts';

/**
 * The seam between the HTTP routes and where video jobs are kept and run: the embedded queue
 * (SQLite + an in-process pool, `embedded-queue.ts`) or BullMQ on Redis with `polypseg worker`
 * processes (`redis/`). Job files live under the data directory in both cases (`JobFiles`).
 * Emits `update` (Job) whenever a job changes, which `VideoService` forwards to progress streams.
 */
export interface VideoQueue extends Pick<EventEmitter<{ update: [Job] }>, 'on' | 'off' | 'emit'> {
  readonly backend: QueueHealth['backend'];
  /** picks up queued and interrupted jobs; called once the server is ready */
  start(): Promise<void>;
  /** throws 503 (+ Retry-After) when no more jobs may wait; check before accepting an upload */
  assertCapacity(): Promise<void>;
  /** queues a job whose input file is already at its `inputPath` (refused with 503 when full) */
  submit(job: { id: string; inputType: VideoType }): Promise<void>;
  get(id: string): Promise<Job | undefined>;
  /** cancels the job wherever it runs, then deletes it and its files */
  remove(id: string): Promise<void>;
  /** deletes jobs finished before `cutoff` (epoch ms) and their files; returns their ids */
  sweep(cutoff: number): Promise<string[]>;
  health(): Promise<QueueHealth>;
  /** stops taking work; running jobs are handed back to be resumed */
  close(): Promise<void>;
}
