/**
 * tf.fused.conv2d (what tf.layers.conv2d calls) with a linear activation computes its gradient in a
 * customGrad that rejects dilation > 1, and registered gradients cannot replace it. While a gradient is
 * being recorded we route dilated fused convs with a linear activation through plain conv2d (+ bias),
 * whose gradient (conv2d-grad.ts) supports dilation. Everything else keeps the fused path.
 */
import { tf } from '../tf.ts';
import { pair } from '../conv-geometry.ts';

type FusedConv2dArgs = Parameters<typeof tf.fused.conv2d>[0];

let installed = false;

export function installFusedConv2dDilationPatch(): void {
  if (installed) return;
  installed = true;
  // `tf.fused` is a plain object in the tfjs-core node bundle, shared with tfjs-layers.
  const fused = tf.fused as { conv2d: typeof tf.fused.conv2d };
  const original = fused.conv2d;
  fused.conv2d = function fusedConv2dWithDilatedGradients<T extends tf.Tensor3D | tf.Tensor4D>(
    args: FusedConv2dArgs,
  ): T {
    const [dH, dW] = pair(args.dilations as number[]);
    const linear = args.activation == null || args.activation === 'linear';
    if ((dH === 1 && dW === 1) || !linear || !isRecordingGradients()) return original(args) as T;
    return tf.tidy(() => {
      const y = tf.conv2d(
        args.x as tf.Tensor4D,
        args.filter as tf.Tensor4D,
        args.strides,
        args.pad as 'same',
        args.dataFormat,
        args.dilations,
        args.dimRoundingMode,
      );
      return (args.bias == null ? y : tf.add(y, args.bias)) as T;
    });
  } as typeof tf.fused.conv2d;
}

function isRecordingGradients(): boolean {
  return (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
}
