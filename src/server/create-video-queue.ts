import type { FastifyBaseLogger } from 'fastify';
import type { ServerConfig } from './config.ts';
import { apiTmpName, assertWritableDataDir, openJobStore } from './data-dir.ts';
import { EmbeddedVideoQueue } from './embedded-queue.ts';
import { JobFiles } from './job-files.ts';
import type { JobProcessor } from './job-queue.ts';
import type { VideoQueue } from './video-queue.ts';

/**
 * The factory behind the `VideoQueue` seam: no `queue` in the config is the embedded backend;
 * `redis://…` is BullMQ, with `config.workers` in-process workers (0: this process only serves the
 * API and `polypseg worker` processes do the videos). Fails with a one-line PolypsegError when the
 * data directory is not writable or Redis cannot be reached.
 */
export async function createVideoQueue(
  config: ServerConfig,
  processorFor: (files: JobFiles) => JobProcessor,
  logger: FastifyBaseLogger,
): Promise<{ queue: VideoQueue; files: JobFiles }> {
  await assertWritableDataDir(config.dataDir);
  if (config.queue === undefined) {
    const store = openJobStore(config.dataDir);
    const queue = new EmbeddedVideoQueue(store, processorFor(store), {
      workers: config.workers,
      queueSize: config.queueSize,
      logger,
    });
    return { queue, files: store };
  }
  // loaded only when asked for, so the default set-up never touches BullMQ
  const { parseRedisUrl } = await import('./redis/url.ts');
  const { RedisVideoQueue } = await import('./redis/redis-queue.ts');
  const { RedisVideoWorker } = await import('./redis/redis-worker.ts');
  const target = parseRedisUrl(config.queue);
  const files = new JobFiles(config.dataDir, await apiTmpName(config.dataDir));
  const queue = await RedisVideoQueue.open(target, files, {
    queueSize: config.queueSize,
    lockMs: config.queueLockMs,
    logger,
  });
  if (config.workers > 0) {
    const worker = await RedisVideoWorker.start(target, processorFor(files), {
      concurrency: config.workers,
      lockMs: config.queueLockMs,
      logger,
    }).catch(async (err: unknown) => {
      await queue.close(); // open connections would keep a failed start-up from exiting
      throw err;
    });
    queue.onClose(() => worker.close());
  }
  return { queue, files };
}
