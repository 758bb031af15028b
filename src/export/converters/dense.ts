import { int } from '../graph-builder.ts';
import { layerWeights, requireWeight, type Converter } from '../context.ts';
import { applyActivation } from './activation.ts';

/** Dense on the last axis: Gemm for [N, C] inputs, MatMul + Add otherwise (in Keras order). */
export const dense: Converter = (call) => {
  const g = call.graph;
  const x = call.inputs[0]!;
  const w = layerWeights(call.layer);
  const kernel = requireWeight(call, w, 'kernel'); // [in, units]
  const units = kernel.shape[1]!;
  const weight = g.floatTensor(`${call.name}/W`, kernel.shape, kernel.data);
  const bias = w.get('bias');
  const shape = call.outputShapes[0]!;
  let out: string;
  if (x.shape.length === 2) {
    const inputs = [x.name, weight];
    if (bias) inputs.push(g.floatTensor(`${call.name}/B`, [units], bias.data));
    out = g.op('Gemm', inputs, { transB: int(0) }, call.name);
  } else {
    out = g.op('MatMul', [g.keras(x), weight], {}, bias ? `${call.name}/matmul` : call.name);
    if (bias) out = g.op('Add', [out, g.floatTensor(`${call.name}/B`, [units], bias.data)], {}, call.name);
  }
  return [applyActivation(call, { name: out, layout: 'keras', shape }, call.config.activation)];
};
