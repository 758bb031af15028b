import { tf } from '../engine/tf.ts';
import type { Sample } from '../data/raw-image.ts';

export interface Normalization {
  mean: number[];
  std: number[];
}

/** Stacks same-size RGB images (of samples or crops) into the model's input [N,H,W,3], normalised as (px/255 − mean)/std. */
export function imagesToTensor(samples: Pick<Sample, 'image'>[], norm: Normalization): tf.Tensor4D {
  const { width, height } = samples[0]!.image;
  const plane = width * height;
  const out = new Float32Array(samples.length * plane * 3);
  const scale = norm.std.map((s) => 1 / (255 * s));
  const shift = norm.mean.map((m, c) => m / norm.std[c]!);
  samples.forEach((s, n) => {
    const src = s.image.data;
    const base = n * plane * 3;
    for (let i = 0; i < plane * 3; i++) {
      const c = i % 3;
      out[base + i] = src[i]! * scale[c]! - shift[c]!;
    }
  });
  return tf.tensor4d(out, [samples.length, height, width, 3]);
}

/** Stacks the samples' 0/1 masks into [N,H,W,1] float32. */
export function masksToTensor(samples: Sample[]): tf.Tensor4D {
  const { width, height } = samples[0]!.mask;
  const plane = width * height;
  const out = new Float32Array(samples.length * plane);
  samples.forEach((s, n) => out.set(s.mask.data, n * plane));
  return tf.tensor4d(out, [samples.length, height, width, 1]);
}
