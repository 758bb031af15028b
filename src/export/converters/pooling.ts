import { int, ints } from '../graph-builder.ts';
import { requireChannelsLast, unsupported, type Converter, type LayerCall } from '../context.ts';
import { windowPadAttrs } from './conv.ts';

const pair = (v: number | number[] | null | undefined): [number, number] | null =>
  v === undefined || v === null ? null : Array.isArray(v) ? [v[0]!, v[1] ?? v[0]!] : [v, v];

function pool(op: 'MaxPool' | 'AveragePool'): Converter {
  return (call: LayerCall) => {
    requireChannelsLast(call);
    const x = call.inputs[0]!;
    const size = pair(call.config.poolSize) ?? [2, 2];
    const strides = pair(call.config.strides) ?? size;
    const attrs = {
      kernel_shape: ints(size),
      strides: ints(strides),
      ...windowPadAttrs(call.config.padding ?? 'valid', x.shape, size, strides),
      // TF averages over the real pixels only at 'same' borders
      ...(op === 'AveragePool' ? { count_include_pad: int(0) } : {}),
    };
    const out = call.graph.op(op, [call.graph.nchw(x)], attrs, call.name);
    return [{ name: out, layout: 'nchw', shape: call.outputShapes[0]! }];
  };
}

export const maxPooling2d = pool('MaxPool');
export const averagePooling2d = pool('AveragePool');

/** GlobalAverage/MaxPooling2D: [N,H,W,C] -> [N,C] (or [N,1,1,C] with keepDims). */
function globalPool(op: 'GlobalAveragePool' | 'GlobalMaxPool'): Converter {
  return (call: LayerCall) => {
    requireChannelsLast(call);
    const g = call.graph;
    const x = call.inputs[0]!;
    if (x.shape.length !== 4) throw unsupported(call, `input of rank ${x.shape.length}`);
    const pooled = g.op(op, [g.nchw(x)], {}, `${call.name}/pool`);
    const shape = call.outputShapes[0]!;
    if (shape.length === 4) return [{ name: pooled, layout: 'nchw', shape }];
    return [{ name: g.op('Flatten', [pooled], { axis: int(1) }, call.name), layout: 'keras', shape }];
  };
}

export const globalAveragePooling2d = globalPool('GlobalAveragePool');
export const globalMaxPooling2d = globalPool('GlobalMaxPool');
