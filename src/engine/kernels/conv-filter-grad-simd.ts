/**
 * dW of an NHWC conv straight from x and dy in the wasm heap: for every filter tap, the outer products of
 * x's channels (at the pixels that tap reads) with dy's channels, summed over the output pixels by SIMD
 * loops (simd/channel-simd.ts, outerSums). No transposes, padding copies or im2col: padding is skipped by
 * clipping each tap's pixel range, strides and dilations are pixel / row strides. Needs the output
 * channels in whole float vectors (a multiple of 4).
 *
 *   dW[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh*sH + kh*dH - padTop, ow*sW + kw*dW - padLeft, ci] * dy[n,oh,ow,co]
 */
import { tf } from '../tf.ts';
import type { ConvGeometry } from '../conv-geometry.ts';
import { simdAvailable, simdOuterSums } from '../simd/channel-simd.ts';
import { byteOffset, elementOffset, heapF32, type WasmBackend } from './wasm-heap.ts';

/** Output rows per pass over the taps: about 64 KB of dy, so a pass's x and dy rows stay in cache. */
const DY_BYTES_PER_PASS = 1 << 16;

export function simdConvFilterGradSupported(backend: WasmBackend, g: ConvGeometry): boolean {
  return g.outC % 4 === 0 && simdAvailable(backend);
}

export function simdConvFilterGrad(
  backend: WasmBackend,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: ConvGeometry,
): tf.TensorInfo {
  const dw = backend.makeOutput([g.kH, g.kW, g.inC, g.outC], 'float32');
  const w0 = elementOffset(backend, dw);
  heapF32(backend).fill(0, w0, w0 + g.kH * g.kW * g.inC * g.outC);
  const [xAt, dyAt, dwAt] = [byteOffset(backend, x), byteOffset(backend, dy), byteOffset(backend, dw)];
  const xPix = g.inC * 4;
  const xRow = g.inW * xPix;
  const dyPix = g.outC * 4;
  const dyRow = g.outW * dyPix;
  const sums = (xGrid: number, dyGrid: number, rows: number, cols: number, acc: number, xPixStride = xPix) =>
    simdOuterSums(
      backend,
      { at: xGrid, pixStride: xPixStride, rowStride: g.strideH * xRow },
      { at: dyGrid, pixStride: dyPix, rowStride: dyRow },
      g.inC,
      g.outC,
      rows,
      cols,
      acc,
    );
  const plain =
    g.kH === 1 &&
    g.kW === 1 &&
    g.strideH === 1 &&
    g.strideW === 1 &&
    g.padTop === 0 &&
    g.padLeft === 0 &&
    g.outH === g.inH &&
    g.outW === g.inW;
  if (plain) {
    // 1x1 conv: every pixel of x pairs with the same pixel of dy; the whole batch is one run.
    const pixels = g.batch * g.inH * g.inW;
    const chunk = Math.max(1, Math.floor(DY_BYTES_PER_PASS / dyPix));
    for (let p = 0; p < pixels; p += chunk)
      sums(xAt + p * xPix, dyAt + p * dyPix, 1, Math.min(chunk, pixels - p), dwAt);
    return dw;
  }
  const chunkRows = Math.max(1, Math.floor(DY_BYTES_PER_PASS / dyRow));
  const taps = [];
  for (let kh = 0; kh < g.kH; kh++) {
    for (let kw = 0; kw < g.kW; kw++) {
      // Output pixels whose input pixel for this tap lies inside x (the rest read padding: zero terms).
      const top = kh * g.dilH - g.padTop;
      const left = kw * g.dilW - g.padLeft;
      const oh0 = Math.max(0, Math.ceil(-top / g.strideH));
      const oh1 = Math.min(g.outH - 1, Math.floor((g.inH - 1 - top) / g.strideH));
      const ow0 = Math.max(0, Math.ceil(-left / g.strideW));
      const ow1 = Math.min(g.outW - 1, Math.floor((g.inW - 1 - left) / g.strideW));
      if (oh1 >= oh0 && ow1 >= ow0) taps.push({ tap: kh * g.kW + kw, top, left, oh0, oh1, ow0, ow1 });
    }
  }
  for (let n = 0; n < g.batch; n++) {
    const xImage = xAt + n * g.inH * xRow;
    const dyImage = dyAt + n * g.outH * dyRow;
    for (let r0 = 0; r0 < g.outH; r0 += chunkRows) {
      const r1 = Math.min(g.outH, r0 + chunkRows) - 1;
      for (const t of taps) {
        const oh0 = Math.max(t.oh0, r0);
        const oh1 = Math.min(t.oh1, r1);
        if (oh1 < oh0) continue;
        sums(
          xImage + (oh0 * g.strideH + t.top) * xRow + (t.ow0 * g.strideW + t.left) * xPix,
          dyImage + oh0 * dyRow + t.ow0 * dyPix,
          oh1 - oh0 + 1,
          t.ow1 - t.ow0 + 1,
          dwAt + t.tap * g.inC * g.outC * 4,
          g.strideW * xPix,
        );
      }
    }
  }
  return dw;
}
