/**
 * Gradient of Relu: dy where x > 0. Stock TF.js computes mul(dy, cast(step(x))), two full-size passes;
 * on wasm our kernel does it in one. Other backends keep the stock formula.
 */
import { tf } from '../tf.ts';
import { RELU_GRAD } from '../kernels/misc-kernels.ts';

export const reluGradConfig: tf.GradConfig = {
  kernelName: 'Relu',
  inputsToSave: ['x'],
  gradFunc: (dyOrList, saved) => {
    const dy = dyOrList as tf.Tensor;
    const [x] = saved as [tf.Tensor];
    const fused =
      x.dtype === 'float32' && dy.dtype === 'float32' && tf.getKernel(RELU_GRAD, tf.getBackend()) != null;
    return {
      x: () =>
        fused
          ? (tf.engine().runKernel(RELU_GRAD, { dy, x }, {}) as tf.Tensor)
          : tf.mul(dy, tf.cast(tf.step(x), 'float32')),
    };
  },
};
