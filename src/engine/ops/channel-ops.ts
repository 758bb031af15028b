/**
 * Per-channel (last axis) statistics used by batch norm and its gradients. On wasm they run our one-pass
 * kernels (kernels/channel-kernels.ts); on other backends the equivalent TF.js ops. Not differentiable
 * themselves: callers wrap them in gradients.
 */
import { tf } from '../tf.ts';
import { BATCH_NORM_GRAD_SUMS, CHANNEL_AFFINE, CHANNEL_MOMENTS } from '../kernels/channel-kernels.ts';

const hasKernel = (name: string) => tf.getKernel(name, tf.getBackend()) != null;
const leadingAxes = (t: tf.Tensor) => Array.from({ length: t.rank - 1 }, (_, i) => i);

/** Mean and variance of every channel, packed as rows of one [2, C] tensor. */
export function channelMoments(x: tf.Tensor): tf.Tensor2D {
  if (hasKernel(CHANNEL_MOMENTS)) return tf.engine().runKernel(CHANNEL_MOMENTS, { x }, {}) as tf.Tensor2D;
  return tf.tidy(() => {
    const mean = tf.mean(x, leadingAxes(x));
    const variance = tf.mean(tf.square(tf.sub(x, mean)), leadingAxes(x));
    return tf.stack([mean, variance]) as tf.Tensor2D;
  });
}

/** sum(dy) and sum(dy * (x - mean)) per channel; `mean` has C elements. */
export function batchNormGradSums(dy: tf.Tensor, x: tf.Tensor, mean: tf.Tensor): [tf.Tensor1D, tf.Tensor1D] {
  return tf.tidy(() => {
    const mean1 = tf.reshape(mean, [x.shape[x.rank - 1]!]);
    if (hasKernel(BATCH_NORM_GRAD_SUMS)) {
      const sums = tf.engine().runKernel(BATCH_NORM_GRAD_SUMS, { dy, x, mean: mean1 }, {}) as tf.Tensor2D;
      return tf.unstack(sums) as [tf.Tensor1D, tf.Tensor1D];
    }
    return [
      tf.sum(dy, leadingAxes(dy)) as tf.Tensor1D,
      tf.sum(tf.mul(dy, tf.sub(x, mean1)), leadingAxes(dy)) as tf.Tensor1D,
    ];
  });
}

/** x * a + b with a, b per channel ([C]). */
export function channelAffine(x: tf.Tensor, a: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor {
  if (hasKernel(CHANNEL_AFFINE)) return tf.engine().runKernel(CHANNEL_AFFINE, { x, a, b }, {}) as tf.Tensor;
  return tf.tidy(() => tf.add(tf.mul(x, a), b));
}
