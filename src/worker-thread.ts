import { Worker } from 'node:worker_threads';

const BOOT = new URL('./worker-thread-boot.js', import.meta.url);

/** A worker thread running the TypeScript module `entry`, with `data` as its workerData (plus `entry`). */
export function startTsWorker(entry: URL, data: object): Worker {
  return new Worker(BOOT, { workerData: { ...data, entry: entry.href } });
}
