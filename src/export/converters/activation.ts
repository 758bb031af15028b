import { float, int } from '../graph-builder.ts';
import {
  unsupported,
  layerWeights,
  requireWeight,
  type Converter,
  type LayerCall,
  type Value,
} from '../context.ts';
import { nhwcAxisToNchw, permute } from '../permute.ts';

/** Canonical form of a Keras activation identifier ('hard_sigmoid', 'hardSigmoid' -> 'hardsigmoid'). */
function canonical(name: string): string {
  return name.toLowerCase().replace(/_/g, '');
}

/**
 * Emits Keras activation `name` applied to `v`; returns v unchanged for 'linear'.
 * Softmax runs over the channel axis, which is axis 1 for NCHW values.
 */
export function applyActivation(call: LayerCall, v: Value, name: string | null | undefined): Value {
  const g = call.graph;
  const act = canonical(name ?? 'linear');
  const base = `${call.name}/${act}`;
  const x = v.name;
  const one = (op: string, attrs = {}) => ({ ...v, name: g.op(op, [x], attrs, base) });
  switch (act) {
    case 'linear':
      return v;
    case 'relu':
      return one('Relu');
    case 'relu6':
      return clip(call, v, 0, 6);
    case 'sigmoid':
      return one('Sigmoid');
    case 'tanh':
      return one('Tanh');
    case 'elu':
      return one('Elu', { alpha: float(1) });
    case 'selu':
      return one('Selu'); // ONNX defaults are the SELU constants TF.js uses
    case 'softplus':
      return one('Softplus');
    case 'softsign':
      return one('Softsign');
    case 'hardsigmoid':
      return one('HardSigmoid', { alpha: float(0.2), beta: float(0.5) });
    case 'softmax':
    case 'logsoftmax':
      return {
        ...v,
        name: g.op(
          act === 'softmax' ? 'Softmax' : 'LogSoftmax',
          [x],
          { axis: int(v.layout === 'nchw' ? 1 : -1) },
          base,
        ),
      };
    case 'swish':
      return { ...v, name: g.op('Mul', [x, g.op('Sigmoid', [x], {}, `${base}/sigmoid`)], {}, base) };
    case 'mish': {
      const t = g.op('Tanh', [g.op('Softplus', [x], {}, `${base}/softplus`)], {}, `${base}/tanh`);
      return { ...v, name: g.op('Mul', [x, t], {}, base) };
    }
    case 'gelu': {
      // 0.5 * x * (1 + erf(x / sqrt 2)), TF.js' exact form
      const e = g.op(
        'Erf',
        [g.op('Mul', [x, g.scalarFloat(`${base}/rsqrt2`, Math.SQRT1_2)])],
        {},
        `${base}/erf`,
      );
      const h = g.op('Mul', [
        g.op('Add', [e, g.scalarFloat(`${base}/one`, 1)]),
        g.scalarFloat(`${base}/half`, 0.5),
      ]);
      return { ...v, name: g.op('Mul', [x, h], {}, base) };
    }
    default:
      throw unsupported(call, `activation '${name}'`);
  }
}

function clip(call: LayerCall, v: Value, min: number, max: number): Value {
  const g = call.graph;
  const lo = g.scalarFloat(`${call.name}/min`, min);
  const hi = g.scalarFloat(`${call.name}/max`, max);
  return { ...v, name: g.op('Clip', [v.name, lo, hi], {}, `${call.name}/clip`) };
}

export const activationLayer: Converter = (call) => [
  applyActivation(call, call.inputs[0]!, call.config.activation),
];

export const reluLayer: Converter = (call) => {
  const { maxValue } = call.config;
  const v = call.inputs[0]!;
  if (maxValue === null || maxValue === undefined) return [applyActivation(call, v, 'relu')];
  return [clip(call, v, 0, maxValue)];
};

export const leakyReluLayer: Converter = (call) => {
  const v = call.inputs[0]!;
  return [
    {
      ...v,
      name: call.graph.op('LeakyRelu', [v.name], { alpha: float(call.config.alpha ?? 0.3) }, call.name),
    },
  ];
};

export const eluLayer: Converter = (call) => {
  const v = call.inputs[0]!;
  return [
    { ...v, name: call.graph.op('Elu', [v.name], { alpha: float(call.config.alpha ?? 1) }, call.name) },
  ];
};

export const thresholdedReluLayer: Converter = (call) => {
  const v = call.inputs[0]!;
  return [
    {
      ...v,
      name: call.graph.op('ThresholdedRelu', [v.name], { alpha: float(call.config.theta ?? 1) }, call.name),
    },
  ];
};

/** Softmax layer over any axis (TF.js' default is axis 1, unlike the activation's -1). */
export const softmaxLayer: Converter = (call) => {
  const v = call.inputs[0]!;
  const rank = v.shape.length;
  const axis = call.config.axis ?? 1;
  const a = axis < 0 ? axis + rank : axis;
  const onnxAxis = v.layout === 'nchw' ? nhwcAxisToNchw(a) : a;
  return [{ ...v, name: call.graph.op('Softmax', [v.name], { axis: int(onnxAxis) }, call.name) }];
};

/** PReLU: the learned slope has the input's shape without batch (1 on shared axes). */
export const preluLayer: Converter = (call) => {
  const v = call.inputs[0]!;
  const alpha = requireWeight(call, layerWeights(call.layer), 'alpha');
  let shape = alpha.shape;
  let data = alpha.data;
  if (v.layout === 'nchw') {
    data = permute(data, shape, [2, 0, 1]);
    shape = [shape[2]!, shape[0]!, shape[1]!];
  }
  const slope = call.graph.floatTensor(`${call.name}/alpha`, shape, data);
  return [{ ...v, name: call.graph.op('PRelu', [v.name, slope], {}, call.name) }];
};
