import type { BinaryMask, RawImage } from '../data/raw-image.ts';
import type { ModelMetadata } from '../models/metadata.ts';

/** One connected polyp region in input-image coordinates. */
export interface Polyp {
  area: number;
  /** [x, y, width, height] */
  bbox: [number, number, number, number];
  /** mean probability inside the region */
  score: number;
}

export interface Segmentation {
  width: number;
  height: number;
  /** probability per pixel at the input's size, row-major */
  probabilities: Float32Array;
  mask: BinaryMask;
  /** fraction of pixels that are polyp */
  coverage: number;
  polyps: Polyp[];
}

export type Runtime = 'onnx' | 'tfjs' | 'onnx-web';

export interface SegmentOptions {
  /** flip test-time augmentation (average of identity, h-flip, v-flip) */
  tta?: boolean;
  threshold?: number;
}

/** The seam every runtime implements (cf. tfjs-models' BodySegmenter). */
export interface Segmenter {
  readonly runtime: Runtime;
  readonly metadata: ModelMetadata;
  segment(image: RawImage, options?: SegmentOptions): Promise<Segmentation>;
  dispose(): Promise<void>;
}
