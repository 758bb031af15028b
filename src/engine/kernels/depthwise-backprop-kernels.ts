/**
 * wasm kernels for DepthwiseConv2dNativeBackpropInput and DepthwiseConv2dNativeBackpropFilter (neither is
 * registered in tfjs-backend-wasm; MobileNetV2's depthwise layers need both to train). NHWC, float32,
 * dilation 1, any stride, padding and channel multiplier m (output channel c*m + q reads input channel c).
 *
 * dx[n, oh*s + kh - padTop, ow*s + kw - padLeft, c] += dy[n, oh, ow, c] * w[kh, kw, c]:
 *  - stride 1: one 'valid' XNNPACK depthwise conv of (padded) dy with the flipped filter (threaded);
 *  - strided, m = 1, channels a multiple of 4: a SIMD loop adding every tap into one dx row at a time;
 *  - otherwise by stride phase: input pixels i = s*a + r only meet the taps k = (r + padTop) mod s,
 *    + s, ..., so each phase of dx is a stride-1 conv of dy with that sub-filter flipped (XNNPACK); the
 *    phases are then interleaved.
 *
 * dfilter[kh,kw,c] = sum_{n,oh,ow} x[n, oh*s + kh - padTop, ow*s + kw - padLeft, c] * dy[n,oh,ow,c]: a
 * SIMD loop over one output row at a time and every tap, reading x and dy in place (no padded copy, no
 * im2col; taps that fall in the padding are skipped). Sums are float32 within an image and float64
 * across images. Channel counts that are not a multiple of 4 take a plain JS loop.
 */
import { tf } from '../tf.ts';
import { convGeometry, type ConvGeometry, type Pad, type RoundingMode } from '../conv-geometry.ts';
import { simdAvailable, simdTapScatter, simdTapSums } from '../simd/channel-simd.ts';
import { byteOffset, elementOffset, heapF32, type WasmBackend } from './wasm-heap.ts';

interface DepthwiseBackpropAttrs {
  strides: number | [number, number];
  pad: Pad;
  dilations?: number | [number, number];
  dimRoundingMode?: RoundingMode;
}

function geometry(
  kernel: string,
  xShape: readonly number[],
  filterShape: readonly number[],
  a: DepthwiseBackpropAttrs,
): ConvGeometry {
  const g = convGeometry(xShape, filterShape, a.strides, a.pad, a.dilations, a.dimRoundingMode, true);
  if (g.dilH !== 1 || g.dilW !== 1) {
    throw new Error(`${kernel} on wasm supports only dilation 1, got ${g.dilH}x${g.dilW}`);
  }
  return g;
}

const backpropInput: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, filter } = inputs as { dy: tf.Tensor4D; filter: tf.Tensor4D };
  const a = attrs as unknown as DepthwiseBackpropAttrs & { inputShape: number[] };
  const g = geometry('DepthwiseConv2dNativeBackpropInput', a.inputShape, filter.shape, a);
  const wb = backend as unknown as WasmBackend;
  // Stride 1: dx is one XNNPACK depthwise conv (threaded), faster than our one-thread SIMD loop. Strided
  // (multiplier 1, channels a multiple of 4): the SIMD loop, ~7x faster than per-phase convs + interleave.
  const strided = g.strideH > 1 || g.strideW > 1;
  if (strided && g.outC === g.inC && g.inC % 4 === 0 && simdAvailable(wb)) {
    const out = wb.makeOutput([g.batch, g.inH, g.inW, g.inC], 'float32');
    inputGradInto(wb, dy, filter, out, g);
    return out;
  }
  return depthwiseInputGrad(dy, filter, g);
};

/** Channels per pass through a dx row's taps: that slice of the row stays in L1. */
const BLOCK_CHANNELS = 16;

/**
 * dx by SIMD (multiplier 1): dx[n, oh*s + kh - padTop, ow*s + kw - padLeft] += dy[n, oh, ow] * w[kh, kw],
 * one dx row at a time (it stays in cache while every tap that reaches it adds in).
 */
function inputGradInto(
  wb: WasmBackend,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  out: tf.TensorInfo,
  g: ConvGeometry,
): void {
  const pix = g.inC * 4;
  const dxAt = byteOffset(wb, out);
  const dyAt = byteOffset(wb, dy);
  const wAt = byteOffset(wb, filter);
  const colsOf = Array.from({ length: g.kW }, (_, kw) => validRange(g.outW, g.inW, g.strideW, kw, g.padLeft));
  for (let n = 0; n < g.batch; n++) {
    for (let ih = 0; ih < g.inH; ih++) {
      const dxRow = dxAt + (n * g.inH + ih) * g.inW * pix;
      heapF32(wb).fill(0, dxRow / 4, dxRow / 4 + g.inW * g.inC); // just before its taps: in cache
      // Taps reaching this row, and their dy rows.
      const rowTaps: [kh: number, dyRow: number][] = [];
      for (let kh = 0; kh < g.kH; kh++) {
        const t = ih + g.padTop - kh;
        if (t < 0 || t % g.strideH !== 0 || t / g.strideH >= g.outH) continue;
        rowTaps.push([kh, dyAt + (n * g.outH + t / g.strideH) * g.outW * pix]);
      }
      // BLOCK_CHANNELS at a time through every tap.
      for (let c0 = 0; c0 < g.inC; c0 += BLOCK_CHANNELS) {
        const cb = Math.min(BLOCK_CHANNELS, g.inC - c0);
        for (const [kh, dyRow] of rowTaps) {
          for (let kw = 0; kw < g.kW; kw++) {
            const [ow0, ow1] = colsOf[kw]!;
            const iw = ow0 * g.strideW + kw - g.padLeft;
            simdTapScatter(
              wb,
              { at: dxRow + iw * pix + c0 * 4, pixStride: g.strideW * pix },
              { at: dyRow + ow0 * pix + c0 * 4, pixStride: pix },
              ow1 - ow0,
              wAt + (kh * g.kW + kw) * pix + c0 * 4,
              cb,
            );
          }
        }
      }
    }
  }
}

/** How one spatial axis of dx splits into stride phases (see the file comment). */
interface Phase {
  /** first filter tap the phase uses (taps first, first + s, ...) */
  first: number;
  /** number of taps */
  taps: number;
  /** dy padding before / after (negative: crop) for a 'valid' conv giving `length` outputs */
  before: number;
  after: number;
}

function phases(inLen: number, outLen: number, k: number, s: number, padBefore: number): Phase[] {
  const length = Math.ceil(inLen / s); // every phase computes this many (extra ones are cropped later)
  return Array.from({ length: s }, (_, r) => {
    const first = (r + padBefore) % s;
    const taps = first < k ? Math.floor((k - 1 - first) / s) + 1 : 0;
    // dx[s*a + r] = sum_j dy[a + shift - j] * w[s*j + first]
    const shift = (r + padBefore - first) / s;
    const before = taps - 1 - shift;
    return { first, taps, before, after: length + taps - 1 - before - outLen };
  });
}

function depthwiseInputGrad(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const channels = g.outC; // C * m: dy's channels
    const w = tf.reshape(filter, [g.kH, g.kW, channels, 1]) as tf.Tensor4D;
    const lenH = Math.ceil(g.inH / g.strideH);
    const lenW = Math.ceil(g.inW / g.strideW);
    const rowsOfPhases = phases(g.inH, g.outH, g.kH, g.strideH, g.padTop).map((ph) => {
      const cols = phases(g.inW, g.outW, g.kW, g.strideW, g.padLeft).map((pw) =>
        ph.taps === 0 || pw.taps === 0
          ? (tf.zeros([g.batch, lenH, lenW, channels]) as tf.Tensor4D)
          : phaseConv(dy, w, ph, pw, g, lenH, lenW),
      );
      return interleave(cols, 2);
    });
    let dx = interleave(rowsOfPhases, 1);
    if (dx.shape[1] !== g.inH || dx.shape[2] !== g.inW) {
      dx = tf.slice(dx, [0, 0, 0, 0], [g.batch, g.inH, g.inW, channels]);
    }
    if (channels === g.inC) return dx;
    // Channel multiplier m: output channel c*m + q came from input channel c.
    const m = channels / g.inC;
    return tf.sum(tf.reshape(dx, [g.batch, g.inH, g.inW, g.inC, m]), 4) as tf.Tensor4D;
  });
}

/** One phase of dx: a stride-1 'valid' depthwise conv of padded/cropped dy with the flipped sub-filter. */
function phaseConv(
  dy: tf.Tensor4D,
  w: tf.Tensor4D,
  ph: Phase,
  pw: Phase,
  g: ConvGeometry,
  lenH: number,
  lenW: number,
): tf.Tensor4D {
  const channels = w.shape[2];
  const sub =
    ph.taps === g.kH && pw.taps === g.kW
      ? w
      : tf.stridedSlice(
          w,
          [ph.first, pw.first, 0, 0],
          [ph.first + (ph.taps - 1) * g.strideH + 1, pw.first + (pw.taps - 1) * g.strideW + 1, channels, 1],
          [g.strideH, g.strideW, 1, 1],
        );
  const flipped = tf.reverse(sub, [0, 1]) as tf.Tensor4D;
  // Crop dy where the phase starts/ends inside it.
  const top = Math.max(0, -ph.before);
  const left = Math.max(0, -pw.before);
  const h = g.outH - top - Math.max(0, -ph.after);
  const wd = g.outW - left - Math.max(0, -pw.after);
  if (h <= 0 || wd <= 0) return tf.zeros([g.batch, lenH, lenW, channels]);
  const src =
    h === g.outH && wd === g.outW ? dy : tf.slice(dy, [0, top, left, 0], [g.batch, h, wd, channels]);
  const pads = [Math.max(0, ph.before), Math.max(0, ph.after), Math.max(0, pw.before), Math.max(0, pw.after)];
  const [pt, pb, pl, pr] = pads;
  // Let the conv pad, unless a pad reaches past the filter (then its outputs would read padding only).
  if (pt! < ph.taps && pb! < ph.taps && pl! < pw.taps && pr! < pw.taps) {
    const explicit = [
      [0, 0],
      [pt, pb],
      [pl, pr],
      [0, 0],
    ] as tf.backend_util.ExplicitPadding;
    return tf.depthwiseConv2d(src, flipped, 1, explicit);
  }
  const padded = tf.pad(src, [
    [0, 0],
    [pt!, pb!],
    [pl!, pr!],
    [0, 0],
  ]) as tf.Tensor4D;
  return tf.depthwiseConv2d(padded, flipped, 1, 'valid');
}

/** Interleaves same-shaped NHWC tensors along `axis` (1: rows, 2: columns): out[.., i*k + p, ..] = parts[p][.., i, ..]. */
function interleave(parts: tf.Tensor4D[], axis: 1 | 2): tf.Tensor4D {
  if (parts.length === 1) return parts[0]!;
  const [n, h, w, c] = parts[0]!.shape;
  const stacked = tf.stack(parts, axis + 1); // [n, h, k, w, c] or [n, h, w, k, c]
  return tf.reshape(stacked, axis === 1 ? [n, h * parts.length, w, c] : [n, h, w * parts.length, c]);
}

const backpropFilter: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, dy } = inputs as { x: tf.Tensor4D; dy: tf.Tensor4D };
  const a = attrs as unknown as DepthwiseBackpropAttrs & { filterShape: number[] };
  const g = geometry('DepthwiseConv2dNativeBackpropFilter', x.shape, a.filterShape, a);
  const wb = backend as unknown as WasmBackend;
  const m = g.outC / g.inC;
  // Multiplier m > 1: repeat each input channel m times, then it is a multiplier-1 problem on C*m
  // channels whose [kH, kW, C*m] result is the [kH, kW, C, m] filter gradient's memory layout.
  const xs =
    m === 1
      ? x
      : tf.tidy(() =>
          tf.reshape(tf.tile(tf.reshape(x, [...x.shape, 1]), [1, 1, 1, 1, m]), [
            g.batch,
            g.inH,
            g.inW,
            g.outC,
          ]),
        );
  try {
    const out = wb.makeOutput([g.kH, g.kW, g.inC, m], 'float32');
    filterGradInto(wb, xs, dy, out, g);
    return out;
  } finally {
    if (xs !== x) xs.dispose();
  }
};

/** First and one-past-last output index whose input index o*s + k - pad lies in [0, inLen). */
function validRange(outLen: number, inLen: number, s: number, k: number, pad: number): [number, number] {
  const lo = Math.max(0, Math.ceil((pad - k) / s));
  const hi = Math.min(outLen, Math.floor((inLen - 1 + pad - k) / s) + 1);
  return [lo, Math.max(lo, hi)];
}

function filterGradInto(
  wb: WasmBackend,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  out: tf.TensorInfo,
  g: ConvGeometry,
): void {
  const c = g.outC;
  const taps = g.kH * g.kW;
  const sums = new Float64Array(taps * c);
  const rowsOf = Array.from({ length: g.kH }, (_, kh) => validRange(g.outH, g.inH, g.strideH, kh, g.padTop));
  const colsOf = Array.from({ length: g.kW }, (_, kw) => validRange(g.outW, g.inW, g.strideW, kw, g.padLeft));
  const xAt = byteOffset(wb, x);
  const dyAt = byteOffset(wb, dy);
  const outAt = byteOffset(wb, out);
  const pix = c * 4;
  const simd = c % 4 === 0 && simdAvailable(wb);
  for (let n = 0; n < g.batch; n++) {
    if (!simd) {
      scalarFilterGrad(wb, x, dy, g, n, rowsOf, colsOf, sums);
      continue;
    }
    // One image's sums in float32, in the output buffer, then added up in float64.
    heapF32(wb).fill(0, outAt / 4, outAt / 4 + taps * c);
    // One output row at a time, all taps: its rows of x and dy stay in cache across the taps (about
    // twice as fast at 112x112x96 as whole-image passes per tap, and faster than bands of 2-16 rows).
    for (let oh = 0; oh < g.outH; oh++) {
      for (let kh = 0; kh < g.kH; kh++) {
        const [oh0, oh1] = rowsOf[kh]!;
        if (oh < oh0 || oh >= oh1) continue;
        const xRow = xAt + (n * g.inH + oh * g.strideH + kh - g.padTop) * g.inW * pix;
        const dyRow = dyAt + (n * g.outH + oh) * g.outW * pix;
        for (let kw = 0; kw < g.kW; kw++) {
          const [ow0, ow1] = colsOf[kw]!;
          simdTapSums(
            wb,
            { at: xRow + (ow0 * g.strideW + kw - g.padLeft) * pix, rowStride: 0, pixStride: g.strideW * pix },
            { at: dyRow + ow0 * pix, rowStride: 0, pixStride: pix },
            1,
            ow1 - ow0,
            c,
            outAt + (kh * g.kW + kw) * pix,
          );
        }
      }
    }
    const heap = heapF32(wb);
    for (let i = 0, o = outAt / 4; i < taps * c; i++) sums[i] += heap[o + i]!;
  }
  heapF32(wb).set(sums, elementOffset(wb, out));
}

/** Image n's contribution, in plain JS (channel counts the SIMD loop does not take). */
function scalarFilterGrad(
  wb: WasmBackend,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: ConvGeometry,
  n: number,
  rowsOf: [number, number][],
  colsOf: [number, number][],
  sums: Float64Array,
): void {
  const heap = heapF32(wb);
  const c = g.outC;
  const xo = elementOffset(wb, x);
  const dyo = elementOffset(wb, dy);
  for (let kh = 0; kh < g.kH; kh++) {
    const [oh0, oh1] = rowsOf[kh]!;
    for (let kw = 0; kw < g.kW; kw++) {
      const [ow0, ow1] = colsOf[kw]!;
      const t = (kh * g.kW + kw) * c;
      for (let oh = oh0; oh < oh1; oh++) {
        const ih = oh * g.strideH + kh - g.padTop;
        for (let ow = ow0; ow < ow1; ow++) {
          const iw = ow * g.strideW + kw - g.padLeft;
          const xi = xo + ((n * g.inH + ih) * g.inW + iw) * c;
          const di = dyo + ((n * g.outH + oh) * g.outW + ow) * c;
          for (let k = 0; k < c; k++) sums[t + k] += heap[xi + k]! * heap[di + k]!;
        }
      }
    }
  }
}

export const depthwiseBackpropKernels: tf.KernelConfig[] = [
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', backendName: 'wasm', kernelFunc: backpropInput },
  { kernelName: 'DepthwiseConv2dNativeBackpropFilter', backendName: 'wasm', kernelFunc: backpropFilter },
];
