import { tf } from './tf.ts';

export type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
export type RoundingMode = 'floor' | 'round' | 'ceil' | undefined;

/** Everything the conv gradient kernels need to know about one NHWC 2-D convolution. */
export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  dilH: number;
  dilW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
}

export function pair(v: number | [number, number] | number[] | undefined, fallback = 1): [number, number] {
  if (v == null) return [fallback, fallback];
  if (typeof v === 'number') return [v, v];
  return [v[0], v.length > 1 ? v[1] : v[0]];
}

/**
 * Conv geometry as TF.js computes it (same padding split, rounding), for x [N,H,W,Ci] and filter
 * [kH,kW,Ci,Co]; with `depthwise`, filter [kH,kW,Ci,multiplier] and outC = Ci * multiplier.
 */
export function convGeometry(
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: number | number[],
  pad: Pad,
  dilations: number | number[] | undefined,
  dimRoundingMode?: RoundingMode,
  depthwise = false,
): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    pair(strides as number[]),
    pair(dilations as number[]),
    pad,
    dimRoundingMode,
    depthwise,
  );
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kH: info.filterHeight,
    kW: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    dilH: info.dilationHeight,
    dilW: info.dilationWidth,
    padTop: info.padInfo.top,
    padBottom: info.padInfo.bottom,
    padLeft: info.padInfo.left,
    padRight: info.padInfo.right,
  };
}

/**
 * True when the conv tiles its input without overlap or padding (kernel == stride, e.g. the 2x2 stride-2
 * transposed conv of a UNet decoder): then the conv is a space-to-depth reshape plus one matMul.
 */
export function isPatchConv(g: ConvGeometry): boolean {
  return (
    g.kH === g.strideH &&
    g.kW === g.strideW &&
    g.dilH === 1 &&
    g.dilW === 1 &&
    g.padTop === 0 &&
    g.padLeft === 0 &&
    g.outH * g.strideH <= g.inH &&
    g.outW * g.strideW <= g.inW
  );
}
