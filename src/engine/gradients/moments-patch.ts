/**
 * A faster tf.moments for the case batch norm uses (statistics of every axis but the last). Stock
 * moments is mean, sub, square, mean: four full-size passes forward and about a dozen backward (each Mean
 * gradient materialises a full-size `ones`). Ours takes one pass forward and one backward:
 *   mean = sum(x)/M, var = sum(x^2)/M - mean^2
 *   dx = dmean/M + dvar * 2(x - mean)/M = x * (2 dvar/M) + (dmean - 2 dvar mean)/M
 * tf.layers.batchNormalization calls tfjs-core's exported `moments`, so we replace that export (a plain
 * property of the core CommonJS bundle). Other calls keep the stock implementation.
 */
import { createRequire } from 'node:module';
import { tf } from '../tf.ts';
import { channelAffine, channelMoments } from '../ops/channel-ops.ts';

type Moments = typeof tf.moments;

let installed = false;

export function installFastMoments(): void {
  if (installed) return;
  installed = true;
  const core = createRequire(import.meta.url)('@tensorflow/tfjs-core') as { moments: Moments };
  const stock = core.moments;
  core.moments = ((x: tf.Tensor | tf.TensorLike, axis?: number | number[], keepDims = false) => {
    if (!(x instanceof tf.Tensor) || x.dtype !== 'float32' || x.rank < 2 || !isLeadingAxes(x.rank, axis)) {
      return stock(x, axis, keepDims);
    }
    const { mean, variance } = fastMoments(x);
    if (!keepDims) return { mean, variance };
    const shape = [...new Array<number>(x.rank - 1).fill(1), x.shape[x.rank - 1]!];
    return tf.tidy(() => ({ mean: tf.reshape(mean, shape), variance: tf.reshape(variance, shape) }));
  }) as Moments;
}

function isLeadingAxes(rank: number, axis: number | number[] | undefined): boolean {
  if (axis == null) return false;
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  return axes.length === rank - 1 && axes.every((a, i) => a === i);
}

/** Mean and variance over every axis but the last, differentiable, one pass each way. */
export function fastMoments(x: tf.Tensor): { mean: tf.Tensor1D; variance: tf.Tensor1D } {
  return tf.tidy(() => {
    const stats = packedMoments(x);
    const [mean, variance] = tf.unstack(stats) as [tf.Tensor1D, tf.Tensor1D];
    return { mean, variance };
  });
}

/** customGrad takes one output, so mean and variance travel as the rows of one [2, C] tensor. */
const packedMoments = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const stats = channelMoments(x);
  save([x, stats]);
  return {
    value: stats,
    gradFunc: (dStats: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [xs, st] = saved as [tf.Tensor, tf.Tensor2D];
      const m = xs.size / xs.shape[xs.rank - 1]!;
      const [dMean, dVar] = tf.unstack(dStats as tf.Tensor2D) as [tf.Tensor1D, tf.Tensor1D];
      const mu = tf.unstack(st)[0] as tf.Tensor1D;
      const a = tf.mul(dVar, 2 / m) as tf.Tensor1D;
      const b = tf.div(tf.sub(dMean, tf.mul(tf.mul(a, mu), m)), m) as tf.Tensor1D;
      return [channelAffine(xs, a, b)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor2D;
