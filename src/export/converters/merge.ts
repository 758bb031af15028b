import { int } from '../graph-builder.ts';
import { unsupported, type Converter, type LayerCall, type Value } from '../context.ts';
import { nhwcAxisToNchw } from '../permute.ts';

/** Puts all inputs in one layout: NCHW if any rank-4 input is NCHW, else as they are. */
function aligned(call: LayerCall): { names: string[]; layout: Value['layout'] } {
  const ranks = new Set(call.inputs.map((v) => v.shape.length));
  if (ranks.size !== 1) throw unsupported(call, `inputs of different ranks (${[...ranks].join(', ')})`);
  const anyNchw = call.inputs.some((v) => v.layout === 'nchw');
  if (anyNchw) return { names: call.inputs.map((v) => call.graph.nchw(v)), layout: 'nchw' };
  return { names: call.inputs.map((v) => v.name), layout: 'keras' };
}

/** Add/Multiply/Maximum/Minimum/Subtract: a chain of binary ONNX ops (broadcasting like Keras). */
function elementwise(op: 'Add' | 'Mul' | 'Max' | 'Min' | 'Sub'): Converter {
  return (call) => {
    const { names, layout } = aligned(call);
    const g = call.graph;
    let acc = names[0]!;
    for (let i = 1; i < names.length; i++)
      acc = g.op(op, [acc, names[i]!], {}, i === names.length - 1 ? call.name : `${call.name}/${i}`);
    return [{ name: acc, layout, shape: call.outputShapes[0]! }];
  };
}

export const add = elementwise('Add');
export const multiply = elementwise('Mul');
export const maximum = elementwise('Max');
export const minimum = elementwise('Min');
export const subtract = elementwise('Sub');

export const average: Converter = (call) => {
  const g = call.graph;
  const [sum] = elementwise('Add')({ ...call, name: `${call.name}/sum` });
  const out = g.op(
    'Mul',
    [sum!.name, g.scalarFloat(`${call.name}/inv_n`, 1 / call.inputs.length)],
    {},
    call.name,
  );
  return [{ ...sum!, name: out }];
};

export const concatenate: Converter = (call) => {
  const { names, layout } = aligned(call);
  const rank = call.inputs[0]!.shape.length;
  const kerasAxis = call.config.axis ?? -1;
  const axis = layout === 'nchw' ? nhwcAxisToNchw(kerasAxis) : kerasAxis < 0 ? kerasAxis + rank : kerasAxis;
  const out = call.graph.op('Concat', names, { axis: int(axis) }, call.name);
  return [{ name: out, layout, shape: call.outputShapes[0]! }];
};
