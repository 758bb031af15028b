import { z } from 'zod';
import { tf } from '../engine/tf.ts';
import { createRng, hashSeed } from '../random.ts';

/**
 * `multiScale`: each training batch is resized to one of `scales` × inputSize (rounded to a multiple of the
 * model's output stride), as PraNet trains at {0.75, 1, 1.25} × 352. The images are loaded at inputSize, so
 * the larger scales are upsampled; validation and the saved model stay at inputSize.
 */
export const multiScaleSchema = z
  .object({
    scales: z.array(z.number().min(0.25).max(4)).min(1).default([0.75, 1, 1.25]),
  })
  .strict();
export type MultiScaleConfig = z.infer<typeof multiScaleSchema>;

/** Rounds half to even, as Python's round() in PraNet's training loop (so 7.5 → 8 but 12.5 → 12). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The distinct training sizes: round(inputSize · scale / stride) · stride, at least one stride. */
export function trainingSizes(inputSize: number, scales: readonly number[], stride: number): number[] {
  const sizes = scales.map((s) => Math.max(1, roundHalfEven((inputSize * s) / stride)) * stride);
  return [...new Set(sizes)].sort((a, b) => a - b);
}

/** The size of batch `batch` of `epoch`: a seeded draw, so a resumed run sees the same sizes. */
export function batchInputSize(sizes: readonly number[], seed: number, epoch: number, batch: number): number {
  return sizes[createRng(hashSeed(seed, epoch, batch, 0x5ca1e)).int(sizes.length)]!;
}

/** Images and masks of a batch resized to size² (bilinear, corners aligned: PraNet's F.upsample on both); new tensors. */
export function resizeBatch(
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  size: number,
): { x: tf.Tensor4D; y: tf.Tensor4D } {
  return tf.tidy(() => ({
    x: tf.image.resizeBilinear(x, [size, size], true),
    y: tf.image.resizeBilinear(y, [size, size], true),
  }));
}
