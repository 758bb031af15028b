import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/index.ts';
import { assertClose, assertOpGradientsMatchCpu, onBothBackends, randomTensor } from './helpers.ts';

// Depthwise conv gradients on wasm (our DepthwiseConv2dNativeBackpropInput/Filter kernels) vs cpu.
type Pad = 'same' | 'valid' | tf.backend_util.ExplicitPadding;
interface Case {
  x: [number, number, number, number];
  k: number;
  stride: number;
  pad: Pad;
  multiplier?: number;
}

const cases: Case[] = [];
for (const stride of [1, 2]) {
  for (const pad of ['same', 'valid'] as const) {
    for (const [h, w] of [
      [7, 7],
      [8, 8],
      [16, 15],
    ]) {
      // 5 channels: the scalar dfilter loop; 32: the SIMD one.
      for (const c of [5, 32]) cases.push({ x: [2, h!, w!, c], k: 3, stride, pad });
    }
  }
}
cases.push(
  { x: [2, 16, 15, 8], k: 5, stride: 2, pad: 'same' },
  { x: [2, 9, 8, 12], k: 5, stride: 1, pad: 'valid' },
  // 36 channels: SIMD loops of 4 vectors then 1 vector.
  { x: [2, 8, 7, 36], k: 3, stride: 2, pad: 'same' },
  // Channel multiplier > 1 (SIMD and scalar dfilter).
  { x: [2, 7, 8, 4], k: 3, stride: 2, pad: 'same', multiplier: 2 },
  { x: [2, 8, 7, 3], k: 3, stride: 1, pad: 'valid', multiplier: 3 },
  // Kernel smaller than the stride: some dx phases get no tap at all.
  { x: [2, 7, 8, 4], k: 1, stride: 2, pad: 'same' },
  {
    x: [2, 7, 6, 4],
    k: 3,
    stride: 2,
    pad: [
      [0, 0],
      [2, 0],
      [1, 3],
      [0, 0],
    ],
  },
);

const label = (c: Case) =>
  `x${c.x.join('x')} k${c.k} s${c.stride} ${JSON.stringify(c.pad)}${c.multiplier ? ` m${c.multiplier}` : ''}`;

for (const [i, c] of cases.entries()) {
  test(`depthwiseConv2d forward and gradients match cpu: ${label(c)}`, () =>
    assertOpGradientsMatchCpu(
      (x, w) => tf.depthwiseConv2d(x, w, c.stride, c.pad),
      c.x,
      [c.k, c.k, c.x[3], c.multiplier ?? 1],
      i,
    ));
}

test('depthwise backprop kernels reject dilation > 1 with a clear error', async () => {
  await onBothBackends(() => []);
  const x = tf.zeros([1, 8, 8, 4]);
  const dy = tf.zeros([1, 8, 8, 4]);
  const filter = tf.zeros([3, 3, 4, 1]);
  const attrs = { strides: 1, pad: 'same', dilations: 2 };
  assert.throws(
    () =>
      tf
        .engine()
        .runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: [3, 3, 4, 1] }),
    /only dilation 1/,
  );
  assert.throws(
    () =>
      tf
        .engine()
        .runKernel(
          'DepthwiseConv2dNativeBackpropInput',
          { dy, filter },
          { ...attrs, inputShape: [1, 8, 8, 4] },
        ),
    /only dilation 1/,
  );
  tf.dispose([x, dy, filter]);
});

test('relu6 gradient (our one-pass kernel on wasm) matches cpu, including x = 0 and x = 6', async () => {
  // 800 values (SIMD lanes only) and 21 (a remainder of one lane)
  for (const [shape, seed] of [
    [[2, 5, 5, 8], 60],
    [[1, 3, 7, 1], 62],
  ] as const) {
    const res = await onBothBackends(() => {
      const edges = tf.tile(tf.tensor([0, 6, -0, 6.5, 5.99, 7, 6], [1, 1, 7, 1]), [
        ...shape.slice(0, 2),
        1,
        shape[3],
      ]);
      const x = tf.concat([tf.mul(randomTensor([...shape], seed), 6), edges.slice([0, 0, 0, 0], [...shape])]);
      const dy = randomTensor(x.shape, seed + 1);
      return [tf.relu6(x), tf.grad((t: tf.Tensor) => tf.relu6(t))(x, dy)];
    });
    assertClose(res.wasm[0]!, res.cpu[0]!, 'y');
    assertClose(res.wasm[1]!, res.cpu[1]!, 'dx', 1e-7);
  }
});

/** MobileNetV2-style block: depthwise 3x3 (stride 2, same) + batch norm + ReLU6, then a 1x1 conv head. */
function block(): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.depthwiseConv2d({
        inputShape: [16, 15, 32],
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        depthMultiplier: 1,
        useBias: false,
      }),
      tf.layers.batchNormalization({ axis: -1 }),
      tf.layers.reLU({ maxValue: 6 }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 1, padding: 'same', useBias: true }),
      tf.layers.conv2d({ filters: 1, kernelSize: 1 }),
    ],
  });
  model.setWeights(
    model.weights.map((w, i) => {
      const name = w.originalName;
      const shape = w.shape as number[];
      if (name.includes('moving_mean')) return tf.zeros(shape);
      if (name.includes('moving_variance') || name.includes('gamma')) return tf.ones(shape);
      return tf.mul(randomTensor(shape, 500 + i), 0.5);
    }),
  );
  return model;
}

test('depthwiseConv2d + batchNorm + ReLU6 layers: loss, gradients and optimizer steps match cpu', async () => {
  const res = await onBothBackends(() => {
    const model = block();
    const x = randomTensor([2, 16, 15, 32], 90);
    const target = randomTensor([2, 8, 8, 1], 91);
    const loss = () =>
      tf.mean(tf.square(tf.sub(model.apply(x, { training: true }) as tf.Tensor, target))) as tf.Scalar;
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(loss, vars);
    const out = [value, ...vars.map((v) => grads[v.name]!)];
    const optimizer = tf.train.sgd(0.05);
    for (let step = 0; step < 3; step++) optimizer.minimize(loss);
    out.push(loss(), ...model.trainableWeights.map((w) => tf.clone(w.read())));
    optimizer.dispose();
    model.dispose();
    return out;
  });
  const nVars = (res.cpu.length - 2) / 2;
  assert.ok(nVars >= 6, `expected the block's trainable weights, got ${nVars}`);
  assertClose(res.wasm[0]!, res.cpu[0]!, 'loss');
  for (let j = 1; j <= nVars; j++) assertClose(res.wasm[j]!, res.cpu[j]!, `gradient ${j}`);
  const after = nVars + 1;
  assert.ok(res.wasm[after]!.data[0]! < res.wasm[0]!.data[0]!, 'loss decreases over the optimizer steps');
  assertClose(res.wasm[after]!, res.cpu[after]!, 'loss after 3 steps');
  for (let j = after + 1; j < res.cpu.length; j++) assertClose(res.wasm[j]!, res.cpu[j]!, `weight ${j}`);
});
