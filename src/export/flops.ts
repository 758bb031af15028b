import type { tf } from '../engine/tf.ts';

type Shape = Array<number | null>;
const prod = (xs: Shape) => xs.reduce<number>((a, b) => a * (b ?? 1), 1);

/**
 * Floating-point operations of one forward pass for one image (2 per multiply-add), counting the
 * layers that dominate: convolutions, transposed convolutions and dense layers. Elementwise ops,
 * pooling and resizes are memory-bound and left out, as is usual for GFLOP/s figures.
 */
export function modelFlops(model: tf.LayersModel): number {
  let flops = 0;
  for (const layer of model.layers) {
    if ('layers' in layer && 'outputs' in layer) {
      flops += modelFlops(layer as tf.LayersModel) * layer.inboundNodes.length;
      continue;
    }
    for (const node of layer.inboundNodes as unknown as Array<{
      inputTensors: tf.SymbolicTensor[];
      outputTensors: tf.SymbolicTensor[];
    }>) {
      const input = node.inputTensors[0]?.shape as Shape | undefined;
      const output = node.outputTensors[0]?.shape as Shape | undefined;
      if (!input || !output) continue;
      const kernel = layer.weights.find((w) =>
        /(depthwise_)?kernel$/.test(w.originalName.replace(/_\d+$/, '')),
      );
      if (!kernel) continue;
      const [kh = 1, kw = 1, a = 1, b = 1] = kernel.shape as number[];
      switch (layer.getClassName()) {
        case 'Conv2D': // kernel [kh, kw, in, out]; per output pixel
          flops += 2 * prod(output.slice(1, 3)) * kh * kw * a * b;
          break;
        case 'Conv2DTranspose': // kernel [kh, kw, out, in]; per input pixel
          flops += 2 * prod(input.slice(1, 3)) * kh * kw * a * b;
          break;
        case 'DepthwiseConv2D': // kernel [kh, kw, in, multiplier]
          flops += 2 * prod(output.slice(1, 3)) * kh * kw * a * b;
          break;
        case 'Dense': // kernel [in, units], applied to every leading position
          flops += 2 * prod(input.slice(1, -1)) * (kernel.shape[0] as number) * (kernel.shape[1] as number);
          break;
      }
    }
  }
  return flops;
}
