/**
 * dW for an NHWC conv, built from ops that run on XNNPACK in the wasm backend (plain 2-D matMul,
 * rank<=4 transposes, 3-D slices) instead of the naive loops the backend would otherwise use.
 *
 *   dW[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh*s + kh*d - pad, ow*s + kw*d - pad, ci] * dy[n,oh,ow,co]
 *
 * is one matMul of a channel-first im2col of x, colT [kH*kW*Ci, N*oH*oW], with dy as [N*oH*oW, Co].
 */
import { tf } from '../tf.ts';
import { type ConvGeometry, isPatchConv } from '../conv-geometry.ts';
import { SHIFTED_TAPS, type ShiftedTapsAttrs } from './taps-kernel.ts';
import { transposeOrReshape } from '../ops/layout.ts';

/**
 * Elements of one im2col block (16 MB): small enough for the block and its GEMM to stay in cache, large
 * enough to keep the number of GEMMs (each a thread-pool barrier, costly on a busy machine) low.
 */
const BLOCK_ELEMENTS = 1 << 22;

export function convFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const rows = g.batch * g.outH * g.outW;
    const dy2 = tf.reshape(dy, [rows, g.outC]);
    if (isPatchConv(g)) return tf.reshape(tf.matMul(patchColumnsT(x, g), dy2), [g.kH, g.kW, g.inC, g.outC]);
    if (g.strideH === 1 && g.strideW === 1) return shiftedPlanesGrad(x, dy, g);
    return tf.reshape(tf.matMul(im2colT(x, g), dy2), [g.kH, g.kW, g.inC, g.outC]);
  });
}

/**
 * Stride 1 (any dilation): in a padded plane flattened row-major with width Wp, output pixel (oh, ow) of
 * tap (kh, kw) reads element (oh*Wp + ow) + (kh*dH*Wp + kw*dW). So if the output is computed on the
 * padded width too (columns ow >= oW are junk, and get zero dy), every tap's im2col rows are one shifted
 * contiguous slice of the planes: long copies instead of a gather per pixel.
 */
function shiftedPlanesGrad(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const wp = g.inW + g.padLeft + g.padRight;
  const hp = g.inH + g.padTop + g.padBottom;
  // Extra zero rows so the last taps' shifted windows stay inside each plane.
  const extraRows = Math.ceil(((g.kW - 1) * g.dilW) / wp);
  const cf = transposeOrReshape(x, [3, 0, 1, 2]); // [Ci, N, H, W]
  const padded = tf.pad(cf, [
    [0, 0],
    [0, 0],
    [g.padTop, g.padBottom + extraRows],
    [g.padLeft, g.padRight],
  ]);
  const planeLen = (hp + extraRows) * wp;
  const planes = tf.reshape(padded, [g.inC * g.batch, planeLen]) as tf.Tensor2D;
  const offsets: number[] = [];
  for (let kh = 0; kh < g.kH; kh++) {
    for (let kw = 0; kw < g.kW; kw++) offsets.push(kh * g.dilH * wp + kw * g.dilW);
  }
  const span = g.outH * wp; // one image's output pixels, on the padded width
  const dyWide =
    wp === g.outW
      ? dy
      : tf.pad(dy, [
          [0, 0],
          [0, 0],
          [0, wp - g.outW],
          [0, 0],
        ]);
  const dy2 = tf.reshape(dyWide, [g.batch * span, g.outC]) as tf.Tensor2D;
  const dW =
    tf.getKernel(SHIFTED_TAPS, tf.getBackend()) != null
      ? blockedProduct(planes, dy2, offsets, g, span, wp)
      : tf.matMul(tapsByOps(planes, offsets, g, span), dy2);
  return tf.reshape(dW, [g.kH, g.kW, g.inC, g.outC]);
}

/** The whole im2col from slices (backends without our taps kernel). */
function tapsByOps(planes: tf.Tensor2D, offsets: number[], g: ConvGeometry, span: number): tf.Tensor2D {
  const taps = offsets.map((o) =>
    tf.reshape(tf.slice(planes, [0, o], [g.inC * g.batch, span]), [g.inC, g.batch * span]),
  );
  return (taps.length === 1 ? taps[0]! : tf.concat(taps, 0)) as tf.Tensor2D;
}

/**
 * dW as a sum over blocks of columns (output pixels, on the padded width, across images): each block's
 * im2col is built just before its GEMM, so neither the (taps x input)-sized matrix nor its traffic to
 * memory ever exists in full. At 256² this more than doubles the GEMM rate. Blocks span images so small
 * layers take one GEMM (fewer thread-pool barriers too).
 */
function blockedProduct(
  planes: tf.Tensor2D,
  dy2: tf.Tensor2D,
  offsets: number[],
  g: ConvGeometry,
  span: number,
  wp: number,
): tf.Tensor2D {
  const total = g.batch * span;
  // Whole padded rows per block (a multiple of wp keeps runs long), at least one row.
  const rowsPerBlock = Math.max(1, Math.floor(BLOCK_ELEMENTS / (offsets.length * g.inC * wp)));
  const blockCols = Math.min(total, rowsPerBlock * wp);
  let acc: tf.Tensor2D | null = null;
  for (let start = 0; start < total; start += blockCols) {
    const length = Math.min(blockCols, total - start);
    const attrs: ShiftedTapsAttrs = { channels: g.inC, batch: g.batch, span, offsets, start, length };
    const cols = tf
      .engine()
      .runKernel(SHIFTED_TAPS, { planes }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D;
    const rows = length === total ? dy2 : tf.slice(dy2, [start, 0], [length, g.outC]);
    const part = tf.matMul(cols, rows) as tf.Tensor2D;
    tf.dispose(rows === dy2 ? [cols] : [cols, rows]);
    if (acc) {
      const sum = tf.add(acc, part) as tf.Tensor2D;
      tf.dispose([acc, part]);
      acc = sum;
    } else acc = part;
  }
  return acc!;
}

/** kernel == stride, no padding: space-to-depth as reshapes and one rank-4 transpose -> [s*s*Ci, N*oH*oW]. */
function patchColumnsT(x: tf.Tensor4D, g: ConvGeometry): tf.Tensor2D {
  const h = g.outH * g.kH;
  const w = g.outW * g.kW;
  const used = h === g.inH && w === g.inW ? x : tf.slice(x, [0, 0, 0, 0], [g.batch, h, w, g.inC]);
  // [N*oH, kH, oW, kW*Ci] -> [kH, kW*Ci, N*oH, oW]
  const blocks = tf.reshape(used, [g.batch * g.outH, g.kH, g.outW, g.kW * g.inC]);
  const t = transposeOrReshape(blocks, [1, 3, 0, 2]);
  return tf.reshape(t, [g.kH * g.kW * g.inC, g.batch * g.outH * g.outW]);
}

/**
 * General im2col, channel-first: rows ordered (kh, kw, ci), columns (n, oh, ow). Strided taps are not
 * gathered with strided slices (the backend's StridedSlice walks element by element): the padded planes
 * are split once into stride x stride phases by one rank-4 transpose, after which every tap is a plain
 * slice of one phase.
 */
function im2colT(x: tf.Tensor4D, g: ConvGeometry): tf.Tensor2D {
  const sH = g.strideH;
  const sW = g.strideW;
  // Rows/cols of padded input the taps can reach, rounded up to whole strides; extra padding beyond TF's
  // is never read.
  const needH = (g.kH - 1) * g.dilH + (g.outH - 1) * sH + 1;
  const needW = (g.kW - 1) * g.dilW + (g.outW - 1) * sW + 1;
  const hp = Math.max(g.inH + g.padTop + g.padBottom, Math.ceil(needH / sH) * sH);
  const wp = Math.max(g.inW + g.padLeft + g.padRight, Math.ceil(needW / sW) * sW);
  const padBottom = hp - g.inH - g.padTop;
  const padRight = wp - g.inW - g.padLeft;
  const cf = transposeOrReshape(x, [3, 0, 1, 2]); // [Ci, N, H, W]
  const padded =
    g.padTop || padBottom || g.padLeft || padRight
      ? tf.pad(cf, [
          [0, 0],
          [0, 0],
          [g.padTop, padBottom],
          [g.padLeft, padRight],
        ])
      : cf;
  const planes = g.inC * g.batch;
  const [ph, pw] = [Math.ceil(hp / sH), Math.ceil(wp / sW)];
  // [P*ph, sH, pw, sW] -> [sH, sW, P*ph, pw]: phase (a, b) holds planes[:, i*sH + a, j*sW + b]
  const phases =
    sH === 1 && sW === 1
      ? tf.reshape(padded, [1, 1, planes, ph, pw])
      : tf.reshape(tf.transpose(tf.reshape(padded, [planes * ph, sH, pw, sW]), [1, 3, 0, 2]), [
          sH,
          sW,
          planes,
          ph,
          pw,
        ]);
  const cols: tf.Tensor2D[] = [];
  for (let kh = 0; kh < g.kH; kh++) {
    for (let kw = 0; kw < g.kW; kw++) {
      const [top, left] = [kh * g.dilH, kw * g.dilW];
      const tap = tf.slice(
        phases,
        [top % sH, left % sW, 0, Math.floor(top / sH), Math.floor(left / sW)],
        [1, 1, planes, g.outH, g.outW],
      );
      cols.push(tf.reshape(tap, [g.inC, g.batch * g.outH * g.outW]));
    }
  }
  return cols.length === 1 ? cols[0] : tf.concat(cols, 0);
}
