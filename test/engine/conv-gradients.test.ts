import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.ts';
import { assertClose, assertOpGradientsMatchCpu, onBothBackends, randomTensor } from './helpers.ts';

type Pad = 'same' | 'valid' | tf.backend_util.ExplicitPadding;
interface Case {
  x: [number, number, number, number];
  k: [number, number];
  co: number;
  stride: number;
  pad: Pad;
}

const explicitPad = (top: number, bottom: number, left: number, right: number): Pad => [
  [0, 0],
  [top, bottom],
  [left, right],
  [0, 0],
];

const cases: Case[] = [
  { x: [2, 7, 9, 3], k: [3, 3], co: 4, stride: 1, pad: 'same' },
  { x: [2, 7, 9, 3], k: [3, 3], co: 4, stride: 1, pad: 'valid' },
  { x: [2, 9, 7, 3], k: [3, 3], co: 5, stride: 2, pad: 'same' },
  { x: [2, 9, 7, 3], k: [3, 3], co: 5, stride: 2, pad: 'valid' },
  { x: [1, 8, 8, 4], k: [3, 3], co: 2, stride: 3, pad: 'valid' },
  { x: [2, 6, 5, 3], k: [1, 1], co: 4, stride: 1, pad: 'same' },
  { x: [2, 7, 6, 3], k: [1, 1], co: 4, stride: 2, pad: 'valid' },
  { x: [2, 8, 6, 3], k: [2, 2], co: 4, stride: 2, pad: 'valid' },
  { x: [2, 9, 7, 3], k: [2, 2], co: 4, stride: 2, pad: 'valid' },
  { x: [2, 9, 7, 3], k: [2, 2], co: 4, stride: 2, pad: 'same' },
  { x: [2, 6, 7, 2], k: [4, 4], co: 3, stride: 1, pad: 'same' },
  { x: [1, 9, 8, 2], k: [5, 3], co: 3, stride: 1, pad: 'same' },
  // Wide enough that dW is summed over several im2col blocks per image (the last one partial).
  { x: [2, 32, 30, 256], k: [3, 3], co: 4, stride: 1, pad: 'same' },
  // Output channels in whole vectors (the SIMD weight gradient): input channels 1-3 past a multiple of 4,
  // 1 or 2 output vectors per call, strides, clipped taps at every border, batch 1.
  { x: [1, 9, 11, 5], k: [3, 3], co: 12, stride: 1, pad: 'same' },
  { x: [2, 9, 7, 6], k: [3, 3], co: 8, stride: 2, pad: 'same' },
  { x: [1, 10, 8, 7], k: [3, 3], co: 4, stride: 2, pad: 'valid' },
  { x: [1, 11, 10, 4], k: [5, 3], co: 4, stride: 3, pad: 'same' },
  { x: [3, 5, 7, 9], k: [1, 1], co: 16, stride: 1, pad: 'valid' },
  { x: [1, 7, 7, 8], k: [1, 1], co: 8, stride: 2, pad: 'same' },
  // Several passes over output rows (about 64 KB of dy each) and over the pixels of a 1x1 conv.
  { x: [2, 12, 600, 3], k: [3, 3], co: 8, stride: 1, pad: 'same' },
  { x: [2, 64, 64, 4], k: [1, 1], co: 8, stride: 1, pad: 'same' },
  { x: [2, 7, 6, 3], k: [3, 3], co: 2, stride: 1, pad: explicitPad(2, 0, 1, 3) },
  { x: [2, 7, 6, 3], k: [3, 3], co: 2, stride: 2, pad: explicitPad(0, 1, 2, 1) },
  { x: [2, 8, 9, 5], k: [3, 3], co: 8, stride: 1, pad: explicitPad(2, 0, 1, 3) },
];

const label = (c: Case) => `x${c.x.join('x')} k${c.k.join('x')} s${c.stride} ${JSON.stringify(c.pad)}`;

for (const [i, c] of cases.entries()) {
  test(`conv2d forward and gradients match cpu: ${label(c)}`, () =>
    assertOpGradientsMatchCpu((x, w) => tf.conv2d(x, w, c.stride, c.pad), c.x, [...c.k, c.x[3], c.co], i));
}

const transposeCases: {
  x: [number, number, number, number];
  k: number;
  co: number;
  stride: number;
  pad: 'same' | 'valid';
  out: number[];
}[] = [
  { x: [2, 4, 5, 6], k: 2, co: 3, stride: 2, pad: 'same', out: [2, 8, 10, 3] },
  { x: [2, 4, 5, 6], k: 2, co: 3, stride: 2, pad: 'valid', out: [2, 8, 10, 3] },
  { x: [2, 4, 5, 6], k: 3, co: 3, stride: 2, pad: 'same', out: [2, 8, 10, 3] },
  { x: [2, 4, 5, 6], k: 3, co: 3, stride: 2, pad: 'same', out: [2, 7, 9, 3] },
  { x: [1, 5, 5, 2], k: 3, co: 4, stride: 1, pad: 'same', out: [1, 5, 5, 4] },
  // 8 input channels: the filter gradient (dy of the transposed conv as "x") takes the SIMD path.
  { x: [2, 4, 5, 8], k: 2, co: 3, stride: 2, pad: 'same', out: [2, 8, 10, 3] },
];

for (const [i, c] of transposeCases.entries()) {
  test(`conv2dTranspose forward and gradients match cpu: x${c.x.join('x')} k${c.k} s${c.stride} ${c.pad} -> ${c.out.join('x')}`, async () => {
    const res = await onBothBackends(() => {
      const x = randomTensor(c.x, 20 + i) as tf.Tensor4D;
      const w = randomTensor([c.k, c.k, c.co, c.x[3]], 200 + i) as tf.Tensor4D;
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        tf.conv2dTranspose(
          a as tf.Tensor4D,
          b as tf.Tensor4D,
          c.out as [number, number, number, number],
          c.stride,
          c.pad,
        );
      const y = f(x, w);
      const dy = randomTensor(y.shape, 2000 + i);
      const [dx, dw] = tf.grads(f)([x, w], dy);
      return [y, dx, dw];
    });
    for (const [j, name] of ['y', 'dx', 'dw'].entries()) assertClose(res.wasm[j], res.cpu[j], name);
  });
}

/** A dilated filter written out with zeros, built from ops whose stock gradients are trusted. */
function dilateFilter(w: tf.Tensor4D, rate: number): tf.Tensor4D {
  const [kh, kw, ci, co] = w.shape;
  const rows: tf.Tensor[] = [];
  for (let i = 0; i < kh; i++) {
    const cols: tf.Tensor[] = [];
    for (let j = 0; j < kw; j++) {
      cols.push(tf.slice(w, [i, j, 0, 0], [1, 1, ci, co]));
      if (j < kw - 1) cols.push(tf.zeros([1, rate - 1, ci, co]));
    }
    rows.push(tf.concat(cols, 1));
    if (i < kh - 1) rows.push(tf.zeros([rate - 1, (kw - 1) * rate + 1, ci, co]));
  }
  return tf.concat(rows, 0) as tf.Tensor4D;
}

const dilatedCases: {
  x: [number, number, number, number];
  k: number;
  rate: number;
  pad: 'same' | 'valid';
}[] = [
  { x: [2, 9, 8, 3], k: 3, rate: 2, pad: 'same' },
  { x: [2, 11, 10, 3], k: 3, rate: 3, pad: 'valid' },
  { x: [1, 8, 8, 4], k: 3, rate: 6, pad: 'same' },
  { x: [1, 8, 8, 2], k: 3, rate: 12, pad: 'same' },
  { x: [1, 16, 16, 2], k: 3, rate: 18, pad: 'same' },
  { x: [1, 7, 9, 2], k: 2, rate: 2, pad: 'same' },
];

for (const [i, c] of dilatedCases.entries()) {
  test(`dilated conv2d (rate ${c.rate}, ${c.pad}, x${c.x.join('x')}) gradients equal the zero-filled filter's`, async () => {
    const res = await onBothBackends(() => {
      const x = randomTensor(c.x, 30 + i) as tf.Tensor4D;
      const w = randomTensor([c.k, c.k, c.x[3], 3], 300 + i) as tf.Tensor4D;
      const dilated = (a: tf.Tensor, b: tf.Tensor) =>
        tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, c.pad, 'NHWC', c.rate);
      const reference = (a: tf.Tensor, b: tf.Tensor) =>
        tf.conv2d(a as tf.Tensor4D, dilateFilter(b as tf.Tensor4D, c.rate), 1, c.pad);
      const y = dilated(x, w);
      const dy = randomTensor(y.shape, 3000 + i);
      return [y, ...tf.grads(dilated)([x, w], dy), reference(x, w), ...tf.grads(reference)([x, w], dy)];
    });
    for (const [j, name] of ['y', 'dx', 'dw'].entries()) {
      assertClose(res.wasm[j], res.cpu[j + 3], `wasm ${name}`);
      assertClose(res.cpu[j], res.cpu[j + 3], `cpu ${name}`);
    }
  });
}

test('tf.layers.conv2d with dilation trains (fused conv path) and matches the cpu backend', async () => {
  const res = await onBothBackends(() => {
    const layer = tf.layers.conv2d({
      filters: 3,
      kernelSize: 3,
      dilationRate: 2,
      padding: 'same',
      useBias: true,
    });
    const x = randomTensor([2, 9, 9, 2], 7);
    layer.build(x.shape);
    layer.setWeights([randomTensor([3, 3, 2, 3], 8), randomTensor([3], 9)]);
    const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const loss = () => tf.sum(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar;
    const { value, grads } = tf.variableGrads(loss, vars);
    return [value, ...vars.map((v) => grads[v.name])];
  });
  assert.equal(res.wasm.length, 3);
  for (const [j, name] of ['loss', 'dKernel', 'dBias'].entries()) assertClose(res.wasm[j], res.cpu[j], name);
});

test('tf.layers.conv2d on the network input: weight gradients without the unused input gradient', async () => {
  await initEngine({ backend: 'wasm' });
  const layer = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' });
  const x = randomTensor([2, 16, 16, 3], 11);
  layer.build(x.shape);
  const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const info = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar,
      vars,
    );
    tf.dispose([value, ...Object.values(grads)]);
  });
  const names = info.kernels.map((k) => k.name);
  assert.ok(names.includes('Conv2DBackpropFilter'), names.join(' '));
  // x is not a variable and nothing upstream of it is: its gradient (a strided transposed conv) is waste.
  assert.ok(!names.includes('Conv2DBackpropInput'), names.join(' '));
  tf.dispose([x, ...vars]);
});
