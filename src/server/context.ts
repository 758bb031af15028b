import type { Segmenter } from '../segment/types.ts';
import type { ServerConfig } from './config.ts';
import type { JobQueue } from './job-queue.ts';
import type { JobStore } from './job-store.ts';
import type { ImagePool } from './image-pool.ts';

/** What every route plugin gets: the services buildServer wired together. */
export interface AppContext {
  config: ServerConfig;
  segmenter: Segmenter;
  /** where model.onnx is served from; null when the segmenter was injected without one */
  modelDir: string | null;
  store: JobStore;
  queue: JobQueue;
  images: ImagePool;
  /** open server-sent-event streams, ended before the server closes */
  eventStreams: Set<() => void>;
}
