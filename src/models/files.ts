// Browser-safe: types only.
import type { ModelMetadata } from './metadata.ts';

/**
 * A model's files wherever they live: a folder in Node (`openModelDir`), URLs in the browser. Every
 * runtime starts from one of these, so the three segmenter factories share one signature.
 */
export interface ModelFiles {
  readonly metadata: ModelMetadata;
  /** where the files are, for messages (a folder or a URL) */
  readonly location: string;
  /** the bytes of one file named in `metadata.files`; rejects with a PolypsegError MODEL_MISSING */
  read(name: string): Promise<Uint8Array>;
}
