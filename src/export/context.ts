import type { tf } from '../engine/tf.ts';
import { PolypsegError } from '../errors.ts';
import { GraphBuilder, ints } from './graph-builder.ts';

/**
 * A value in the ONNX graph. Rank-4 image tensors may live in NCHW (what ORT's conv kernels want);
 * everything else keeps Keras' order. `shape` is always in Keras order (batch first, channels last).
 */
export interface Value {
  name: string;
  layout: 'nchw' | 'keras';
  shape: Array<number | null>;
}

/** Per-channel y = x*scale + shift, from a BatchNormalization to fold into the conv before it. */
export interface Affine {
  scale: Float32Array;
  shift: Float32Array;
}

/** Everything a layer converter sees for one call of one Keras layer. */
export interface LayerCall {
  layer: tf.layers.Layer;
  className: string;
  /** layer.getConfig() */
  config: Record<string, any>;
  inputs: Value[];
  /** Keras-order output shapes of this call */
  outputShapes: Array<Array<number | null>>;
  /** unique base for node names */
  name: string;
  graph: ConversionGraph;
  /** set when a following BatchNormalization is folded into this conv */
  fold?: Affine;
}

export type Converter = (call: LayerCall) => Value[];

/** The graph under construction plus layout helpers shared by all converters. */
export class ConversionGraph extends GraphBuilder {
  private readonly transposed = new Map<string, string>();

  constructor(readonly opset: number) {
    super();
  }

  /** The value's name in NCHW order (adds a cached Transpose when it is in Keras order). */
  nchw(v: Value): string {
    if (v.layout === 'nchw') return v.name;
    if (v.shape.length !== 4) throw new Error(`value ${v.name} of rank ${v.shape.length} has no NCHW form`);
    return this.cachedTranspose(v.name, [0, 3, 1, 2], 'to_nchw');
  }

  /** The value's name in Keras (NHWC) order. */
  keras(v: Value): string {
    if (v.layout === 'keras') return v.name;
    return this.cachedTranspose(v.name, [0, 2, 3, 1], 'to_nhwc');
  }

  private cachedTranspose(name: string, perm: number[], suffix: string): string {
    const key = `${name}|${perm}`;
    let out = this.transposed.get(key);
    if (!out) {
      out = this.op('Transpose', [name], { perm: ints(perm) }, `${name}/${suffix}`);
      this.transposed.set(key, out);
    }
    return out;
  }
}

/** Short weight name ('kernel', 'bias', 'gamma', 'moving_mean', ...) -> values, for one layer. */
export function layerWeights(layer: tf.layers.Layer): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const w of layer.weights) {
    const short = w.originalName.split('/').pop()!.replace(/_\d+$/, '');
    out.set(short, {
      shape: w.shape as number[],
      data: Float32Array.from(w.read().dataSync() as Float32Array),
    });
  }
  return out;
}

export function requireWeight(call: LayerCall, weights: ReturnType<typeof layerWeights>, key: string) {
  const w = weights.get(key);
  if (!w)
    throw new PolypsegError(
      `cannot export layer ${call.className} '${call.layer.name}': weight '${key}' is missing`,
      'EXPORT_UNSUPPORTED',
    );
  return w;
}

export function unsupported(call: LayerCall, why: string): PolypsegError {
  return new PolypsegError(
    `cannot export layer ${call.className} '${call.layer.name}' to ONNX: ${why}`,
    'EXPORT_UNSUPPORTED',
  );
}

/** Keras 'channelsLast' is all polypseg uses; a channelsFirst layer is refused rather than mis-exported. */
export function requireChannelsLast(call: LayerCall): void {
  const f = call.config.dataFormat;
  if (f !== undefined && f !== 'channelsLast')
    throw unsupported(call, `dataFormat '${f}' (only channelsLast)`);
}
