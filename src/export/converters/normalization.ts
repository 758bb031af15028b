import type { tf } from '../../engine/tf.ts';
import { float } from '../graph-builder.ts';
import { layerWeights, unsupported, type Affine, type Converter, type LayerCall } from '../context.ts';

/** Inference-time BatchNormalization as a per-channel affine map (computed in float64). */
export function batchNormAffine(layer: tf.layers.Layer): Affine {
  const config = layer.getConfig() as Record<string, any>;
  const w = layerWeights(layer);
  const mean = w.get('moving_mean')!.data;
  const variance = w.get('moving_variance')!.data;
  const channels = mean.length;
  const gamma = w.get('gamma')?.data;
  const beta = w.get('beta')?.data;
  const eps = config.epsilon ?? 1e-3;
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = (gamma ? gamma[c]! : 1) / Math.sqrt(variance[c]! + eps);
    scale[c] = s;
    shift[c] = (beta ? beta[c]! : 0) - mean[c]! * s;
  }
  return { scale, shift };
}

/** True when the BatchNormalization normalises the channel (last) axis, the only one we support. */
export function normalisesChannels(layer: tf.layers.Layer, rank: number): boolean {
  const axis = (layer.getConfig() as Record<string, any>).axis ?? -1;
  const axes: number[] = Array.isArray(axis) ? axis : [axis];
  return axes.length === 1 && (axes[0]! === -1 || axes[0]! === rank - 1);
}

/** A BatchNormalization not directly after a conv: ONNX BatchNormalization on the channel axis. */
export const batchNormalization: Converter = (call: LayerCall) => {
  const v = call.inputs[0]!;
  const rank = v.shape.length;
  if (!normalisesChannels(call.layer, rank))
    throw unsupported(call, 'only channel-axis (-1) batch normalisation is supported');
  const g = call.graph;
  const { scale, shift } = batchNormAffine(call.layer);
  const c = scale.length;
  // BatchNormalization wants channels on axis 1: NCHW for images, [N, C] for vectors.
  let input: string;
  if (rank === 4) input = g.nchw(v);
  else if (rank === 2) input = v.name;
  else throw unsupported(call, `batch normalisation of a rank-${rank} tensor`);
  const ones = new Float32Array(c).fill(1);
  const zeros = new Float32Array(c);
  const out = g.op(
    'BatchNormalization',
    [
      input,
      g.floatTensor(`${call.name}/scale`, [c], scale),
      g.floatTensor(`${call.name}/shift`, [c], shift),
      g.floatTensor(`${call.name}/mean`, [c], zeros),
      g.floatTensor(`${call.name}/var`, [c], ones),
    ],
    { epsilon: float(0) },
    call.name,
  );
  return [{ name: out, layout: rank === 4 ? 'nchw' : 'keras', shape: call.outputShapes[0]! }];
};
