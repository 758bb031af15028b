// Browser-safe: pure TypeScript, no Node imports. Every runtime wraps its model call in this.
import type { RawImage } from '../data/raw-image.ts';
import type { ModelMetadata } from '../models/metadata.ts';
import { PolypsegError } from '../errors.ts';
import { postprocess, postprocessMask, channelOf } from './postprocess.ts';
import { preprocess } from './preprocess.ts';
import { TTA_VIEWS } from './tta.ts';
import type { InferFn, MaskSegmentation, Runtime, SegmentOptions, Segmentation, Segmenter } from './types.ts';

/**
 * The shared Segmenter: preprocess -> runtime's InferFn -> (flip TTA average) -> postprocess.
 * Runtimes differ only in `infer`, so all of them produce the same mask for the same probabilities.
 */
export class ModelSegmenter implements Segmenter {
  private disposed = false;

  constructor(
    readonly runtime: Runtime,
    readonly metadata: ModelMetadata,
    private readonly infer: InferFn,
    private readonly release: () => Promise<void>,
  ) {}

  /** The model's probability map (inputSize², last channel) for one RGB image, with optional TTA. */
  async probabilities(image: RawImage, tta = false): Promise<Float32Array> {
    if (this.disposed) throw new PolypsegError('segmenter was disposed', 'SEGMENTER_DISPOSED');
    const s = this.metadata.inputSize;
    const input = preprocess(image, this.metadata);
    const views = tta ? TTA_VIEWS : TTA_VIEWS.slice(0, 1);
    const batch = new Float32Array(input.length * views.length);
    views.forEach((view, i) => batch.set(view(input, s, s, 3), i * input.length));
    const out = await this.infer(batch, views.length);
    const per = out.length / views.length;
    const channels = per / (s * s);
    if (!Number.isInteger(channels) || channels < 1)
      throw new PolypsegError(
        `model returned ${out.length} values for a batch of ${views.length}`,
        'MODEL_OUTPUT',
      );
    if (views.length === 1) return channelOf(out, channels);
    const mean = new Float32Array(s * s);
    views.forEach((view, i) => {
      // Each flip undoes itself: map the view's prediction back before averaging.
      const p = view(channelOf(out.subarray(i * per, (i + 1) * per), channels), s, s, 1);
      for (let j = 0; j < mean.length; j++) mean[j]! += p[j]! / views.length;
    });
    return mean;
  }

  async segment(image: RawImage, options: SegmentOptions = {}): Promise<Segmentation> {
    const probs = await this.probabilities(image, options.tta ?? this.metadata.tta);
    return postprocess(
      probs,
      this.metadata.inputSize,
      image.width,
      image.height,
      this.postOptions(image, options),
    );
  }

  /**
   * segment() without the full-size probabilities: the same mask, polyps and coverage, post-processed
   * row by row (postprocessMask), so a large image costs its mask's byte per pixel on top of itself.
   */
  async segmentMask(image: RawImage, options: SegmentOptions = {}): Promise<MaskSegmentation> {
    const { width, height } = image;
    const probs = await this.probabilities(image, options.tta ?? this.metadata.tta);
    return postprocessMask(probs, this.metadata.inputSize, width, height, this.postOptions(image, options));
  }

  private postOptions(image: RawImage, options: SegmentOptions) {
    return {
      threshold: options.threshold ?? this.metadata.threshold,
      minArea: options.minArea ?? Math.round(this.metadata.minRegionFraction * image.width * image.height),
    };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.release();
  }
}
