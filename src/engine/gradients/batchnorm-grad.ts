/**
 * Gradient of FusedBatchNorm with broadcasting. The stock gradient materialises a full-size `tile` of
 * 1/sqrt(var+eps), and wasm Tile is slow (about a quarter of a UNet training step). With
 * r = 1/sqrt(var+eps), xc = x - mean and sums over every axis the statistics broadcast along:
 *   dx = dy*scale*r   dmean = -scale*r*sum(dy)   dvar = -0.5*scale*r^3*sum(dy*xc)
 *   dscale = r*sum(dy*xc)   doffset = sum(dy)
 */
import { tf } from '../tf.ts';

export const batchNormGradConfig: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dyOrList, saved, attrs) => {
    const dy = dyOrList as tf.Tensor;
    const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
    const [x, mean, variance, scale] = saved as (tf.Tensor | undefined)[] as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
      tf.Tensor | undefined,
    ];
    const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
    const statShape = mean.shape;
    const reduce = (t: tf.Tensor) => tf.reshape(axes.length ? tf.sum(t, axes) : t, statShape);
    const r = tf.rsqrt(tf.add(variance, varianceEpsilon));
    const scaled = scale == null ? r : tf.mul(r, scale);
    // Computed here, not in the thunks: the tape runs each thunk in its own tidy, so a tensor memoised by
    // one thunk would be disposed before the next could use it.
    const sumDy = reduce(dy);
    const sumDyXc = reduce(tf.mul(dy, tf.sub(x, mean)));
    return {
      x: () => tf.reshape(tf.mul(dy, scaled), x.shape),
      mean: () => tf.reshape(tf.neg(tf.mul(scaled, sumDy)), statShape),
      variance: () => tf.reshape(tf.mul(tf.mul(scaled, tf.mul(tf.square(r), -0.5)), sumDyXc), statShape),
      scale: () => tf.reshape(tf.mul(r, sumDyXc), statShape),
      offset: () => tf.clone(sumDy),
    };
  },
};
