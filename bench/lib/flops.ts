/** Analytic multiply-accumulate count of a model's conv (also depthwise) and dense layers for one image (forward pass). */
import type { tf } from '../../src/engine/index.ts';

interface LayerLike {
  getClassName(): string;
  getConfig(): Record<string, unknown>;
  input: { shape: number[] } | { shape: number[] }[];
  output: { shape: number[] } | { shape: number[] }[];
}

const shapeOf = (t: { shape: number[] } | { shape: number[] }[]) => (Array.isArray(t) ? t[0]! : t).shape;
const last = (s: unknown) => (s as number[])[(s as number[]).length - 1]!;

export function forwardMacs(model: tf.LayersModel): number {
  let macs = 0;
  for (const layer of model.layers as unknown as LayerLike[]) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig();
    if (cls === 'Conv2D' || cls === 'Conv2DTranspose') {
      const [kh, kw] = cfg.kernelSize as number[];
      const inShape = shapeOf(layer.input);
      const outShape = shapeOf(layer.output);
      const ci = last(inShape);
      const co = last(outShape);
      // Conv: every output pixel sums kh*kw*ci products; transposed conv: every input pixel scatters them.
      const pixels = cls === 'Conv2D' ? outShape[1]! * outShape[2]! : inShape[1]! * inShape[2]!;
      macs += pixels * kh! * kw! * ci * co;
    } else if (cls === 'DepthwiseConv2D') {
      // Each output channel sums kh*kw products of its own input channel (MobileNetV2).
      const [kh, kw] = cfg.kernelSize as number[];
      const outShape = shapeOf(layer.output);
      macs += outShape[1]! * outShape[2]! * kh! * kw! * last(outShape);
    } else if (cls === 'Dense') {
      macs += last(shapeOf(layer.input)) * last(shapeOf(layer.output));
    }
  }
  return macs;
}

/** Training FLOPs per image: forward 2*MACs, backward about twice the forward. */
export function trainingFlopsPerImage(model: tf.LayersModel): number {
  return 3 * 2 * forwardMacs(model);
}
