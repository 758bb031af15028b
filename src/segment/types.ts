import type { BinaryMask, RawImage } from '../data/raw-image.ts';
import type { ModelMetadata } from '../models/metadata.ts';
import type { ModelFiles } from '../models/files.ts';

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

/** A Segmentation without the full-size probability plane (what the server's image workers return). */
export type MaskSegmentation = Omit<Segmentation, 'probabilities'>;

export type Runtime = 'onnx' | 'tfjs' | 'onnx-web';
/** A runtime, or 'auto': onnx when the model has its ONNX export, else tfjs. */
export type RuntimeChoice = Runtime | 'auto';

export interface SegmentOptions {
  /** flip test-time augmentation (average of identity, h-flip, v-flip); default: the model's `tta` */
  tta?: boolean;
  threshold?: number;
  /** drop connected regions smaller than this many pixels from mask and polyps (default: the model's minRegionFraction of the image) */
  minArea?: number;
}

/** What every runtime's factory accepts. */
export interface RuntimeOptions {
  /** CPU threads for inference (onnxruntime intra-op threads, TF.js wasm threads) */
  threads?: number;
  /**
   * ONNX Runtime for Node only (the others ignore it): run inference on this many worker threads,
   * each with a one-thread session, so frames in flight run side by side (video); `threads` is
   * then unused
   */
  inferThreads?: number;
}

/** The one signature of the three runtimes' factories (onnx-node/, tfjs/, onnx-web/). */
export type SegmenterFactory = (files: ModelFiles, opts?: RuntimeOptions) => Promise<Segmenter>;

/** How createSegmenter picks and configures a runtime. */
export interface SegmenterOptions extends RuntimeOptions {
  /** default 'auto' */
  runtime?: RuntimeChoice;
}

/**
 * A runtime's model call: `batch` NHWC float32 images of inputSize² x 3, concatenated ->
 * sigmoid probabilities [batch, inputSize, inputSize, K], concatenated.
 */
export type InferFn = (input: Float32Array, batch: number) => Promise<Float32Array>;

/** The seam every runtime implements (cf. tfjs-models' BodySegmenter). */
export interface Segmenter {
  readonly runtime: Runtime;
  readonly metadata: ModelMetadata;
  segment(image: RawImage, options?: SegmentOptions): Promise<Segmentation>;
  dispose(): Promise<void>;
}
