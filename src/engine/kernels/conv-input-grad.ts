/**
 * dx for an NHWC conv (also the forward pass of conv2dTranspose), from ops that run on XNNPACK in the
 * wasm backend instead of its naive Conv2DBackpropInput loop.
 *
 *   dx[n,i,j,ci] = sum_{kh,kw,co} dy[n, (i + padTop - kh*d)/s, (j + padLeft - kw*d)/s, co] * W[kh,kw,ci,co]
 *
 * (terms with a non-integer or out-of-range dy index are zero) is a stride-1 correlation of dy, with s-1
 * zeros inserted between its pixels, against the spatially flipped, in/out-swapped filter.
 */
import { tf } from '../tf.ts';
import { type ConvGeometry, isPatchConv } from '../conv-geometry.ts';
import { transposeOrReshape } from '../ops/layout.ts';

export function convInputGrad(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => (isPatchConv(g) ? patchInputGrad(dy, filter, g) : correlateFlipped(dy, filter, g)));
}

/** kernel == stride, no padding: dx = depth-to-space(dy · W^T), one plain matMul. */
function patchInputGrad(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const rows = g.batch * g.outH * g.outW;
  const wT = tf.reshape(transposeOrReshape(filter, [3, 0, 1, 2]), [g.outC, g.kH * g.kW * g.inC]);
  const cols = tf.matMul(tf.reshape(dy, [rows, g.outC]), wT); // [(n,oh,ow), (kh,kw,ci)]
  const blocks = transposeOrReshape(
    tf.reshape(cols, [g.batch * g.outH, g.outW, g.kH, g.kW * g.inC]),
    [0, 2, 1, 3],
  );
  const h = g.outH * g.kH;
  const w = g.outW * g.kW;
  const dx = tf.reshape(blocks, [g.batch, h, w, g.inC]) as tf.Tensor4D;
  // Input rows/cols the conv never read get zero gradient.
  if (h === g.inH && w === g.inW) return dx;
  return tf.pad(dx, [
    [0, 0],
    [0, g.inH - h],
    [0, g.inW - w],
    [0, 0],
  ]) as tf.Tensor4D;
}

function correlateFlipped(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const up = insertZeros(dy, g.strideH, g.strideW); // [N, oH*sH, oW*sW, Co]; trailing zeros are harmless
  const upH = g.outH * g.strideH;
  const upW = g.outW * g.strideW;
  const top = (g.kH - 1) * g.dilH - g.padTop;
  const left = (g.kW - 1) * g.dilW - g.padLeft;
  const bottom = g.inH + (g.kH - 1) * g.dilH - top - upH;
  const right = g.inW + (g.kW - 1) * g.dilW - left - upW;
  const flipped = tf.reverse(tf.transpose(filter, [0, 1, 3, 2]), [0, 1]) as tf.Tensor4D;
  const dil: [number, number] = [g.dilH, g.dilW];
  const sameH = top === bottom && 2 * top === (g.kH - 1) * g.dilH;
  const sameW = left === right && 2 * left === (g.kW - 1) * g.dilW;
  if (sameH && sameW && g.strideH === 1 && g.strideW === 1) {
    return tf.conv2d(up, flipped, 1, 'same', 'NHWC', dil);
  }
  if (Math.min(top, bottom, left, right) >= 0) {
    // Let the conv pad (no extra copy of dy).
    const pads = [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ] as tf.backend_util.ExplicitPadding;
    return tf.conv2d(up, flipped, 1, pads, 'NHWC', dil);
  }
  return tf.conv2d(padOrCrop(up, top, bottom, left, right), flipped, 1, 'valid', 'NHWC', dil);
}

/** [N,H,W,C] -> [N,H*sH,W*sW,C] with each pixel followed by zeros; rank<=4 pads only (fast in wasm). */
function insertZeros(t: tf.Tensor4D, sH: number, sW: number): tf.Tensor4D {
  const [n, h, w, c] = t.shape;
  let r: tf.Tensor = t;
  if (sW > 1)
    r = tf.pad(tf.reshape(r, [n * h, w, 1, c]), [
      [0, 0],
      [0, 0],
      [0, sW - 1],
      [0, 0],
    ]);
  if (sH > 1)
    r = tf.pad(tf.reshape(r, [n * h, 1, w * sW * c]), [
      [0, 0],
      [0, sH - 1],
      [0, 0],
    ]);
  return tf.reshape(r, [n, h * sH, w * sW, c]);
}

/** Pads (positive amounts) or crops (negative amounts) the spatial dims of an NHWC tensor. */
function padOrCrop(t: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  const [n, h, w, c] = t.shape;
  let r = t;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const t0 = Math.max(0, -top);
    const l0 = Math.max(0, -left);
    r = tf.slice(r, [0, t0, l0, 0], [n, h - t0 - Math.max(0, -bottom), w - l0 - Math.max(0, -right), c]);
  }
  const pt = Math.max(0, top);
  const pb = Math.max(0, bottom);
  const pl = Math.max(0, left);
  const pr = Math.max(0, right);
  return pt || pb || pl || pr
    ? tf.pad(r, [
        [0, 0],
        [pt, pb],
        [pl, pr],
        [0, 0],
      ])
    : r;
}
