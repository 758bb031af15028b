/**
 * tf.fused.conv2d (what tf.layers.conv2d calls) with a linear activation computes its gradient in a
 * customGrad that (a) always computes dx, even for the network's input image, whose gradient nobody
 * asked for (MobileNetV2's stride-2 Conv1 on 224² images: a full transposed conv per step), and (b) rejects
 * dilation > 1. Registered gradients cannot replace a customGrad, so while a gradient is being recorded
 * we route fused convs with a linear activation through plain conv2d (+ bias): Conv2D's gradient
 * (conv2d-grad.ts) hands the tape separate dx / dfilter thunks, so the tape computes only what leads to
 * a variable, and it supports dilation. The forward kernels are the same XNNPACK convolution. Other
 * activations and inference keep the fused path.
 */
import { tf } from '../tf.ts';

type FusedConv2dArgs = Parameters<typeof tf.fused.conv2d>[0];

let installed = false;

export function installFusedConv2dGradientPatch(): void {
  if (installed) return;
  installed = true;
  // `tf.fused` is a plain object in the tfjs-core node bundle, shared with tfjs-layers.
  const fused = tf.fused as { conv2d: typeof tf.fused.conv2d };
  const original = fused.conv2d;
  fused.conv2d = function fusedConv2dWithSeparateGradients<T extends tf.Tensor3D | tf.Tensor4D>(
    args: FusedConv2dArgs,
  ): T {
    const linear = args.activation == null || args.activation === 'linear';
    if (!linear || !isRecordingGradients()) return original(args) as T;
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
