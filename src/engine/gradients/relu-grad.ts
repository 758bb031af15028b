/**
 * Gradient of Relu: dy where x > 0. Stock TF.js computes mul(dy, cast(step(x))), two full-size passes;
 * on wasm our kernel does it in one. Other backends keep the stock formula.
 */
import { tf } from '../tf.ts';
import { RELU6_GRAD, RELU_GRAD } from '../kernels/misc-kernels.ts';

function fusedGrad(kernelName: string, fused: string, stockMask: (x: tf.Tensor) => tf.Tensor): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dyOrList, saved) => {
      const dy = dyOrList as tf.Tensor;
      const [x] = saved as [tf.Tensor];
      const ours =
        x.dtype === 'float32' && dy.dtype === 'float32' && tf.getKernel(fused, tf.getBackend()) != null;
      return {
        x: () =>
          ours
            ? (tf.engine().runKernel(fused, { dy, x }, {}) as tf.Tensor)
            : tf.mul(dy, tf.cast(stockMask(x), 'float32')),
      };
    },
  };
}

export const reluGradConfig = fusedGrad('Relu', RELU_GRAD, (x) => tf.step(x));

/** Relu6 (MobileNetV2): dy where 0 < x <= 6, TF.js' mask; stock takes five passes. */
export const relu6GradConfig = fusedGrad('Relu6', RELU6_GRAD, (x) => tf.mul(tf.lessEqual(x, 6), tf.step(x)));

/**
 * tfjs-layers' 'relu6' activation computes minimum(6, relu(x)): two kernels forward and five backward.
 * Point it at the Relu6 op, whose value is the same and whose gradient (above) takes one pass.
 */
export function installRelu6Activation(): void {
  const map = (
    tf.serialization.SerializationMap.getMap() as unknown as {
      classNameMap: Record<string, [{ prototype: { apply(x: tf.Tensor): tf.Tensor } }, unknown]>;
    }
  ).classNameMap;
  const relu6 = map['relu6']?.[0];
  if (relu6) relu6.prototype.apply = (x: tf.Tensor) => tf.relu6(x);
}
