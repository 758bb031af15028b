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

export function convFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const rows = g.batch * g.outH * g.outW;
    const dy2 = tf.reshape(dy, [rows, g.outC]);
    const colT = isPatchConv(g) ? patchColumnsT(x, g) : im2colT(x, g);
    return tf.reshape(tf.matMul(colT, dy2), [g.kH, g.kW, g.inC, g.outC]);
  });
}

/** kernel == stride, no padding: space-to-depth as reshapes and one rank-4 transpose -> [s*s*Ci, N*oH*oW]. */
function patchColumnsT(x: tf.Tensor4D, g: ConvGeometry): tf.Tensor2D {
  const h = g.outH * g.kH;
  const w = g.outW * g.kW;
  const used = h === g.inH && w === g.inW ? x : tf.slice(x, [0, 0, 0, 0], [g.batch, h, w, g.inC]);
  // [N*oH, kH, oW, kW*Ci] -> [kH, kW*Ci, N*oH, oW]
  const blocks = tf.reshape(used, [g.batch * g.outH, g.kH, g.outW, g.kW * g.inC]);
  const t = tf.transpose(blocks, [1, 3, 0, 2]);
  return tf.reshape(t, [g.kH * g.kW * g.inC, g.batch * g.outH * g.outW]);
}

/** General im2col, channel-first: rows ordered (kh, kw, ci), columns (n, oh, ow). */
function im2colT(x: tf.Tensor4D, g: ConvGeometry): tf.Tensor2D {
  // Rows/cols of padded input the taps can reach; extra padding beyond TF's is never read.
  const needH = (g.kH - 1) * g.dilH + (g.outH - 1) * g.strideH + 1;
  const needW = (g.kW - 1) * g.dilW + (g.outW - 1) * g.strideW + 1;
  const padBottom = Math.max(g.padBottom, needH - g.inH - g.padTop);
  const padRight = Math.max(g.padRight, needW - g.inW - g.padLeft);
  const cf = tf.transpose(x, [3, 0, 1, 2]); // [Ci, N, H, W]
  const padded =
    g.padTop || padBottom || g.padLeft || padRight
      ? tf.pad(cf, [
          [0, 0],
          [0, 0],
          [g.padTop, padBottom],
          [g.padLeft, padRight],
        ])
      : cf;
  const hp = g.inH + g.padTop + padBottom;
  const wp = g.inW + g.padLeft + padRight;
  const planes = tf.reshape(padded, [g.inC * g.batch, hp, wp]);
  const cols: tf.Tensor2D[] = [];
  for (let kh = 0; kh < g.kH; kh++) {
    for (let kw = 0; kw < g.kW; kw++) {
      const top = kh * g.dilH;
      const left = kw * g.dilW;
      const tap =
        g.strideH === 1 && g.strideW === 1
          ? tf.slice(planes, [0, top, left], [g.inC * g.batch, g.outH, g.outW])
          : tf.stridedSlice(
              planes,
              [0, top, left],
              [g.inC * g.batch, top + (g.outH - 1) * g.strideH + 1, left + (g.outW - 1) * g.strideW + 1],
              [1, g.strideH, g.strideW],
            );
      cols.push(tf.reshape(tap, [g.inC, g.batch * g.outH * g.outW]));
    }
  }
  return cols.length === 1 ? cols[0] : tf.concat(cols, 0);
}
