import { int, str, type Attr } from '../graph-builder.ts';
import { requireChannelsLast, unsupported, type Converter, type LayerCall } from '../context.ts';

/** Layers that do nothing at inference time (dropout and noise). */
export const identity: Converter = (call) => [call.inputs[0]!];

/**
 * Reshape to Keras' targetShape (which excludes the batch). Keras reshapes in NHWC order, so the
 * input is taken in Keras order; a [1, 1, C] target (squeeze-excite) is emitted directly as
 * NCHW [N, C, 1, 1], which has the same memory order and saves two transposes.
 */
export const reshape: Converter = (call) => {
  const g = call.graph;
  const x = call.inputs[0]!;
  const target: number[] = call.config.targetShape;
  const outShape = call.outputShapes[0]!;
  const input = g.keras(x);
  if (target.length === 3 && target[0] === 1 && target[1] === 1) {
    const shape = g.int64Tensor(`${call.name}/shape`, [0, target[2]!, 1, 1]);
    return [{ name: g.op('Reshape', [input, shape], {}, call.name), layout: 'nchw', shape: outShape }];
  }
  const shape = g.int64Tensor(`${call.name}/shape`, [0, ...target]);
  return [{ name: g.op('Reshape', [input, shape], {}, call.name), layout: 'keras', shape: outShape }];
};

export const flatten: Converter = (call) => {
  const g = call.graph;
  const x = call.inputs[0]!;
  return [
    {
      name: g.op('Flatten', [g.keras(x)], { axis: int(1) }, call.name),
      layout: 'keras',
      shape: call.outputShapes[0]!,
    },
  ];
};

/**
 * UpSampling2D via Resize. TF.js uses resizeNearestNeighbor / resizeBilinear with
 * alignCorners = halfPixelCenters = false, i.e. src = dst / scale ('asymmetric'), floor for nearest.
 */
export const upSampling2d: Converter = (call) => {
  requireChannelsLast(call);
  const g = call.graph;
  const x = call.inputs[0]!;
  const [sh, sw]: number[] = call.config.size ?? [2, 2];
  const interpolation = call.config.interpolation ?? 'nearest';
  if (interpolation !== 'nearest' && interpolation !== 'bilinear')
    throw unsupported(call, `interpolation '${interpolation}'`);
  const scales = g.floatTensor(`${call.name}/scales`, [4], new Float32Array([1, 1, sh!, sw!]));
  const attrs: Record<string, Attr> =
    interpolation === 'nearest'
      ? {
          mode: str('nearest'),
          coordinate_transformation_mode: str('asymmetric'),
          nearest_mode: str('floor'),
        }
      : { mode: str('linear'), coordinate_transformation_mode: str('asymmetric') };
  const out = g.op('Resize', [g.nchw(x), '', scales], attrs, call.name);
  return [{ name: out, layout: 'nchw', shape: call.outputShapes[0]! }];
};

function pairs(v: unknown): [[number, number], [number, number]] {
  if (typeof v === 'number')
    return [
      [v, v],
      [v, v],
    ];
  const [a, b] = v as Array<number | number[]>;
  const p = (x: number | number[]): [number, number] => (Array.isArray(x) ? [x[0]!, x[1]!] : [x, x]);
  return [p(a!), p(b!)];
}

export const zeroPadding2d: Converter = (call) => {
  requireChannelsLast(call);
  const g = call.graph;
  const [[t, b], [l, r]] = pairs(call.config.padding ?? 1);
  const pads = g.int64Tensor(`${call.name}/pads`, [0, 0, t, l, 0, 0, b, r]);
  const out = g.op('Pad', [g.nchw(call.inputs[0]!), pads], { mode: str('constant') }, call.name);
  return [{ name: out, layout: 'nchw', shape: call.outputShapes[0]! }];
};

export const cropping2d: Converter = (call: LayerCall) => {
  requireChannelsLast(call);
  const g = call.graph;
  const [[t, b], [l, r]] = pairs(call.config.cropping);
  const END = 2 ** 31 - 1; // ONNX clamps ends past the axis
  const starts = g.int64Tensor(`${call.name}/starts`, [t, l]);
  const ends = g.int64Tensor(`${call.name}/ends`, [b ? -b : END, r ? -r : END]);
  const axes = g.int64Tensor(`${call.name}/axes`, [2, 3]);
  const out = g.op('Slice', [g.nchw(call.inputs[0]!), starts, ends, axes], {}, call.name);
  return [{ name: out, layout: 'nchw', shape: call.outputShapes[0]! }];
};
