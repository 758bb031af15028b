import type { Worker } from 'node:worker_threads';
import type { FastifyBaseLogger } from 'fastify';
import { busy, HttpError } from './http-error.ts';
import type { ImageReply, ImageResult, ImageTask, ImageWorkerData } from './image-task.ts';
import { Limiter } from './limiter.ts';
import { ByteBudget } from './upload-limits.ts';
import { startTsWorker } from '../worker-thread.ts';

export interface ImagePoolOptions {
  /** worker threads, i.e. images decoded and segmented at once */
  size: number;
  /** images that may wait for a worker (their upload complete); beyond that 503 */
  maxWaiting: number;
  /**
   * bytes of image uploads held in memory at once (being received, waiting or being segmented);
   * the upload that would pass it gets 503 (default: unbounded)
   */
  uploadBytes?: number;
  /**
   * declared pixels (width × height) being decoded and segmented at once, across the workers; an
   * image beyond it waits for the others to finish. Bounds the workers' memory at a few bytes per
   * pixel of this, whatever the concurrency (default: unbounded)
   */
  pixelBudget?: number;
  workerData: ImageWorkerData;
  logger: FastifyBaseLogger;
}

const WORKER_ENTRY = new URL('./image-worker.ts', import.meta.url);

/**
 * Image segmentation on a bounded pool of worker threads. Decoding a 40-megapixel upload, resizing
 * it and post-processing a mask of that size take seconds of CPU and ~200 MB each: on worker
 * threads the event loop stays free for /healthz, SSE and video jobs, at most `size` images are
 * in memory decoded at once, and their declared pixels sum to at most `pixelBudget` (so two
 * maximum-size images are never decoded at once). The uploads buffered in memory are bounded by
 * their bytes as they arrive (`receive`), not by their number: a client trickling its body holds
 * no worker and no share of anything but the few bytes it sent.
 */
export class ImagePool {
  private readonly idle: Worker[] = [];
  private readonly workers = new Set<Worker>();
  private readonly slots: Limiter;
  private readonly uploads: ByteBudget;
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: ImagePoolOptions) {
    this.slots = new Limiter(options.size, options.maxWaiting, options.pixelBudget);
    this.uploads = new ByteBudget(options.uploadBytes ?? Number.POSITIVE_INFINITY);
  }

  /**
   * Accounts one upload's bytes as they arrive (`add`, 503 past `uploadBytes`) until `release`;
   * 503 at once while the server is shutting down.
   */
  receive(): { add(bytes: number): void; release(): void } {
    if (this.closed) throw busy('the server is shutting down', 5);
    return this.uploads.open();
  }

  /** Starts the workers now (model loading takes a moment) instead of on the first image. */
  warm(): void {
    while (!this.closed && this.workers.size < this.options.size) this.idle.push(this.spawn());
  }

  /** Segments one image on a worker once a worker and its declared pixels' share of the budget are free. */
  run(task: Omit<ImageTask, 'id'>): Promise<ImageResult> {
    return this.slots.run(() => this.dispatch({ ...task, id: this.nextId++ }), task.pixels);
  }

  /** Images being segmented now and the sum of their declared pixels. */
  get load(): { active: number; pixels: number } {
    const { active, weight } = this.slots.load;
    return { active, pixels: weight };
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.workers];
    this.workers.clear();
    this.idle.length = 0;
    await Promise.all(all.map((w) => w.terminate()));
  }

  private spawn(): Worker {
    const worker = startTsWorker(WORKER_ENTRY, this.options.workerData);
    this.workers.add(worker);
    worker.on('error', (err) => this.options.logger.error({ err }, 'image worker failed'));
    worker.once('exit', () => {
      this.workers.delete(worker);
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
    });
    return worker;
  }

  private dispatch(task: ImageTask): Promise<ImageResult> {
    if (this.closed) return Promise.reject(busy('the server is shutting down', 5));
    const worker = this.idle.pop() ?? this.spawn();
    return new Promise<ImageResult>((resolve, reject) => {
      const onMessage = (reply: ImageReply | 'ready') => {
        if (reply === 'ready' || reply.id !== task.id) return;
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        if (!this.closed) this.idle.push(worker);
        if (reply.ok) return resolve(reply.result);
        const { statusCode, code, message, headers } = reply.error;
        // a 500 keeps its message for the log; the client gets the generic body
        reject(statusCode >= 500 ? new Error(message) : new HttpError(statusCode, code, message, headers));
      };
      const onExit = (exitCode: number) => {
        worker.off('message', onMessage);
        reject(
          this.closed
            ? busy('the server is shutting down', 5)
            : new Error(`image worker exited (code ${exitCode})`),
        );
      };
      worker.on('message', onMessage);
      worker.once('exit', onExit);
      worker.postMessage(task);
    });
  }
}
