import type { Segmenter } from '../segment/types.ts';
import type { ServerConfig } from './config.ts';
import type { ImagePool } from './image-pool.ts';
import type { JobFiles } from './job-files.ts';
import type { ClientUploads } from './upload-limits.ts';
import type { VideoQueue } from './video-queue.ts';
import type { VideoService } from './video-service.ts';

/** What every route plugin gets: the services buildServer wired together. */
export interface AppContext {
  config: ServerConfig;
  segmenter: Segmenter;
  /** where model.onnx is served from; null when the segmenter was injected without one */
  modelDir: string | null;
  /** where job files live (the same data directory for the API and every worker) */
  store: JobFiles;
  /** the embedded or the Redis backend, behind one interface */
  queue: VideoQueue;
  /** uploads in flight per client address (images and videos) */
  uploads: ClientUploads;
  /** worker threads segmenting uploaded images */
  images: ImagePool;
  /** video jobs as the routes see them: create, read, follow, delete, results (over `queue`) */
  videos: VideoService;
}
