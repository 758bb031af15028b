import type { Polyp, Runtime, SegmentOptions } from '../segment/types.ts';

/** What the server hands an image worker: the upload's bytes and how to segment and answer. */
export interface ImageTask {
  id: number;
  bytes: Uint8Array;
  /** width × height its header declares (checked before the task was queued) */
  pixels: number;
  maxPixels: number;
  options: SegmentOptions;
  /** json and png return the mask PNG, overlay returns the overlay PNG */
  format: 'json' | 'png' | 'overlay';
}

export interface ImageResult {
  width: number;
  height: number;
  coverage: number;
  polyps: Polyp[];
  png: Uint8Array;
  /** milliseconds in segment() (model + post-processing) */
  segmentMs: number;
}

/** A worker's answer: the result, or the error as plain data (classes do not cross threads). */
export type ImageReply =
  | { id: number; ok: true; result: ImageResult }
  | {
      id: number;
      ok: false;
      error: { statusCode: number; code: string; message: string; headers: Record<string, string> };
    };

export interface ImageWorkerData {
  modelDir: string;
  runtime: Extract<Runtime, 'onnx' | 'tfjs'>;
}
