import { int, ints, str, type Attr } from '../graph-builder.ts';
import {
  layerWeights,
  requireChannelsLast,
  requireWeight,
  unsupported,
  type Affine,
  type Converter,
  type LayerCall,
  type Value,
} from '../context.ts';
import { forwardPads, transposedPads } from '../padding.ts';
import { permute } from '../permute.ts';
import { applyActivation } from './activation.ts';

const pair = (v: number | number[] | undefined, fallback: number): [number, number] =>
  v === undefined ? [fallback, fallback] : Array.isArray(v) ? [v[0]!, v[1] ?? v[0]!] : [v, v];

/** ONNX pads/auto_pad attributes for a 2-D window over a Keras-order input shape. */
export function windowPadAttrs(
  padding: string,
  inputShape: Array<number | null>,
  kernel: [number, number],
  strides: [number, number],
  dilation: [number, number] = [1, 1],
): Record<string, Attr> {
  const h = forwardPads(padding, inputShape[1] ?? null, kernel[0], strides[0], dilation[0]);
  const w = forwardPads(padding, inputShape[2] ?? null, kernel[1], strides[1], dilation[1]);
  if (h === 'SAME_UPPER' || w === 'SAME_UPPER') return { auto_pad: str('SAME_UPPER') };
  return { pads: ints([h.begin, w.begin, h.end, w.end]) };
}

/** Scales the output channels of an ONNX conv weight (out channel = `outAxis`) and bias by a folded BN. */
function foldInto(
  weight: Float32Array,
  dims: number[],
  outAxis: number,
  bias: Float32Array,
  fold?: Affine,
): void {
  if (!fold) return;
  const out = dims[outAxis]!;
  const inner = dims.slice(outAxis + 1).reduce((a, b) => a * b, 1);
  for (let i = 0; i < weight.length; i++) weight[i]! *= fold.scale[Math.floor(i / inner) % out]!;
  for (let c = 0; c < out; c++) bias[c] = bias[c]! * fold.scale[c]! + fold.shift[c]!;
}

function finish(call: LayerCall, out: string): Value[] {
  const v: Value = { name: out, layout: 'nchw', shape: call.outputShapes[0]! };
  return [applyActivation(call, v, call.config.activation)];
}

/** Conv2D (strides, dilation, same/valid) with an optional folded BatchNormalization. */
export const conv2d: Converter = (call) => {
  requireChannelsLast(call);
  const g = call.graph;
  const x = call.inputs[0]!;
  const w = layerWeights(call.layer);
  const kernel = requireWeight(call, w, 'kernel'); // [kh, kw, in, out]
  const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
  const dims = [cout, cin, kh, kw];
  const weight = permute(kernel.data, kernel.shape, [3, 2, 0, 1]);
  const bias = w.get('bias')?.data.slice() ?? new Float32Array(cout);
  foldInto(weight, dims, 0, bias, call.fold);
  const strides = pair(call.config.strides, 1);
  const dilation = pair(call.config.dilationRate, 1);
  if ((strides[0] > 1 || strides[1] > 1) && (dilation[0] > 1 || dilation[1] > 1))
    throw unsupported(call, 'strides and dilation together');
  const inputs = [g.nchw(x), g.floatTensor(`${call.name}/W`, dims, weight)];
  if (call.config.useBias !== false || call.fold) inputs.push(g.floatTensor(`${call.name}/B`, [cout], bias));
  const out = g.op(
    'Conv',
    inputs,
    {
      kernel_shape: ints([kh, kw]),
      strides: ints(strides),
      dilations: ints(dilation),
      group: int(1),
      ...windowPadAttrs(call.config.padding, x.shape, [kh, kw], strides, dilation),
    },
    call.name,
  );
  return finish(call, out);
};

/** DepthwiseConv2D: a grouped Conv with one group per input channel. */
export const depthwiseConv2d: Converter = (call) => {
  requireChannelsLast(call);
  const g = call.graph;
  const x = call.inputs[0]!;
  const w = layerWeights(call.layer);
  const kernel = requireWeight(call, w, 'depthwise_kernel'); // [kh, kw, in, multiplier]
  const [kh, kw, cin, mult] = kernel.shape as [number, number, number, number];
  const cout = cin * mult;
  const dims = [cout, 1, kh, kw];
  // ONNX groups: output channel c*mult+m reads input channel c.
  const weight = permute(kernel.data, kernel.shape, [2, 3, 0, 1]);
  const bias = w.get('bias')?.data.slice() ?? new Float32Array(cout);
  foldInto(weight, dims, 0, bias, call.fold);
  const strides = pair(call.config.strides, 1);
  const dilation = pair(call.config.dilationRate, 1);
  const inputs = [g.nchw(x), g.floatTensor(`${call.name}/W`, dims, weight)];
  if (call.config.useBias !== false || call.fold) inputs.push(g.floatTensor(`${call.name}/B`, [cout], bias));
  const out = g.op(
    'Conv',
    inputs,
    {
      kernel_shape: ints([kh, kw]),
      strides: ints(strides),
      dilations: ints(dilation),
      group: int(cin),
      ...windowPadAttrs(call.config.padding, x.shape, [kh, kw], strides, dilation),
    },
    call.name,
  );
  return finish(call, out);
};

/** Conv2DTranspose with Keras' output size rule and an optional folded BatchNormalization. */
export const conv2dTranspose: Converter = (call) => {
  requireChannelsLast(call);
  const g = call.graph;
  const x = call.inputs[0]!;
  const w = layerWeights(call.layer);
  const kernel = requireWeight(call, w, 'kernel'); // [kh, kw, out, in]
  const [kh, kw, cout, cin] = kernel.shape as [number, number, number, number];
  const dims = [cin, cout, kh, kw];
  const weight = permute(kernel.data, kernel.shape, [3, 2, 0, 1]);
  const bias = w.get('bias')?.data.slice() ?? new Float32Array(cout);
  foldInto(weight, dims, 1, bias, call.fold);
  const strides = pair(call.config.strides, 1);
  const dilation = pair(call.config.dilationRate, 1);
  if (dilation[0] !== 1 || dilation[1] !== 1) throw unsupported(call, 'dilated transposed convolution');
  const ph = transposedPads(call.config.padding, kh, strides[0]);
  const pw = transposedPads(call.config.padding, kw, strides[1]);
  const inputs = [g.nchw(x), g.floatTensor(`${call.name}/W`, dims, weight)];
  if (call.config.useBias !== false || call.fold) inputs.push(g.floatTensor(`${call.name}/B`, [cout], bias));
  const attrs: Record<string, Attr> = {
    kernel_shape: ints([kh, kw]),
    strides: ints(strides),
    pads: ints([ph.begin, pw.begin, ph.end, pw.end]),
    group: int(1),
  };
  if (ph.outputPadding || pw.outputPadding) attrs.output_padding = ints([ph.outputPadding, pw.outputPadding]);
  return finish(call, g.op('ConvTranspose', inputs, attrs, call.name));
};
