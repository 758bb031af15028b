/**
 * Gradient of FusedBatchNorm with broadcasting. The stock gradient materialises a full-size `tile` of
 * 1/sqrt(var+eps), and wasm Tile is slow (about a quarter of a UNet training step). With
 * r = 1/sqrt(var+eps), xc = x - mean and sums over every axis the statistics broadcast along:
 *   dx = dy*scale*r   dmean = -scale*r*sum(dy)   dvar = -0.5*scale*r^3*sum(dy*xc)
 *   dscale = r*sum(dy*xc)   doffset = sum(dy)
 */
import { tf } from '../tf.ts';
import { batchNormGradSums } from '../ops/channel-ops.ts';

const isPerChannel = (axes: number[], rank: number) =>
  axes.length === rank - 1 && axes.every((a, i) => a === i);

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
    const r = tf.rsqrt(tf.add(variance, varianceEpsilon));
    const scaled = scale == null ? r : tf.mul(r, scale);
    // Computed here, not in the thunks: the tape runs each thunk in its own tidy, so a tensor memoised by
    // one thunk would be disposed before the next could use it.
    let sumDy: tf.Tensor;
    let sumDyXc: tf.Tensor;
    let dxScale = scaled;
    if (isPerChannel(axes, x.rank) && mean.size === x.shape[x.rank - 1]) {
      dxScale = tf.reshape(scaled, [mean.size]); // a [C] operand broadcasts faster than [1,1,1,C] on wasm
      // Statistics of every axis but the last, as in batch norm: both sums in one pass.
      [sumDy, sumDyXc] = batchNormGradSums(dy, x, mean).map((t) => tf.reshape(t, statShape));
    } else {
      const reduce = (t: tf.Tensor) => tf.reshape(axes.length ? tf.sum(t, axes) : t, statShape);
      sumDy = reduce(dy);
      sumDyXc = reduce(tf.mul(dy, tf.sub(x, mean)));
    }
    return {
      x: () => tf.reshape(tf.mul(dy, dxScale), x.shape),
      mean: () => tf.reshape(tf.neg(tf.mul(scaled, sumDy)), statShape),
      variance: () => tf.reshape(tf.mul(tf.mul(scaled, tf.mul(tf.square(r), -0.5)), sumDyXc), statShape),
      scale: () => tf.reshape(tf.mul(r, sumDyXc), statShape),
      offset: () => tf.clone(sumDy),
    };
  },
};
