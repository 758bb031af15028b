import { test } from 'node:test';
import { tf } from '../../src/engine/index.ts';
import { fastMoments } from '../../src/engine/gradients/moments-patch.ts';
import { assertClose, onBothBackends, randomTensor } from './helpers.ts';

const eps = 1e-3;

type BatchNorm = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, broadcastShape: boolean) => tf.Tensor;

// `tf.moments` here is the stock op: our faster moments replaces only the export tf.layers reads.

/** Training-mode batch norm from elementwise ops only: its gradient uses none of our code. */
function referenceBatchNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}

function fusedBatchNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, broadcastShape: boolean): tf.Tensor {
  const { mean, variance } = tf.moments(x, [0, 1, 2], broadcastShape);
  const c = x.shape[3]!;
  const [g, b] = broadcastShape
    ? [tf.reshape(gamma, [1, 1, 1, c]), tf.reshape(beta, [1, 1, 1, c])]
    : [gamma, beta];
  return tf.batchNorm4d(
    x as tf.Tensor4D,
    mean as tf.Tensor4D,
    variance as tf.Tensor4D,
    b as tf.Tensor4D,
    g as tf.Tensor4D,
    eps,
  );
}

/** Batch norm as tf.layers computes it in training, but with our moments. */
function fastMomentsBatchNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = fastMoments(x);
  return tf.batchNorm4d(x as tf.Tensor4D, mean, variance, beta as tf.Tensor1D, gamma as tf.Tensor1D, eps);
}

const variants: [string, BatchNorm][] = [
  ['FusedBatchNorm, stats [C]', (x, g, b) => fusedBatchNorm(x, g, b, false)],
  ['FusedBatchNorm, stats [1,1,1,C]', (x, g, b) => fusedBatchNorm(x, g, b, true)],
  ['FusedBatchNorm on our moments', fastMomentsBatchNorm],
];

for (const [name, bn] of variants) {
  test(`batch norm gradients (${name}) match elementwise ops on cpu`, async () => {
    const res = await onBothBackends(() => {
      // An offset mean, as after a conv, checks the statistics are computed stably.
      const x = tf.add(randomTensor([3, 5, 7, 4], 1), 3);
      const gamma = randomTensor([4], 2);
      const beta = randomTensor([4], 3);
      const dy = randomTensor([3, 5, 7, 4], 4);
      const f = (impl: BatchNorm) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => impl(a, g, b, false);
      return [
        f(bn)(x, gamma, beta),
        ...tf.grads(f(bn))([x, gamma, beta], dy),
        f(referenceBatchNorm)(x, gamma, beta),
        ...tf.grads(f(referenceBatchNorm))([x, gamma, beta], dy),
      ];
    });
    for (const [j, what] of ['y', 'dx', 'dgamma', 'dbeta'].entries()) {
      assertClose(res.wasm[j]!, res.cpu[j + 4]!, `wasm ${what}`);
      assertClose(res.cpu[j]!, res.cpu[j + 4]!, `cpu ${what}`);
    }
  });
}

test('fast moments: values and gradients equal stock tf.moments', async () => {
  const res = await onBothBackends(() => {
    const x = tf.add(randomTensor([2, 6, 5, 3], 5), -2);
    const wMean = randomTensor([3], 6);
    const wVar = randomTensor([3], 7);
    const loss = (m: (t: tf.Tensor) => { mean: tf.Tensor; variance: tf.Tensor }) => (t: tf.Tensor) => {
      const { mean, variance } = m(t);
      return tf.add(tf.sum(tf.mul(mean, wMean)), tf.sum(tf.mul(variance, wVar)));
    };
    const ours = fastMoments(x);
    const stock = tf.moments(x, [0, 1, 2]);
    return [
      ours.mean,
      ours.variance,
      tf.grad(loss(fastMoments))(x),
      stock.mean,
      stock.variance,
      tf.grad(loss((t) => tf.moments(t, [0, 1, 2])))(x),
    ];
  });
  for (const [j, what] of ['mean', 'variance', 'dx'].entries()) {
    assertClose(res.wasm[j]!, res.cpu[j + 3]!, `wasm ${what}`);
    assertClose(res.cpu[j]!, res.cpu[j + 3]!, `cpu ${what}`);
  }
});

test('tf.layers.batchNormalization in training (through our moments) matches elementwise ops on cpu', async () => {
  const res = await onBothBackends(() => {
    const layer = tf.layers.batchNormalization({ axis: -1, epsilon: eps });
    const x = tf.add(randomTensor([2, 6, 5, 3], 5), 1);
    layer.build(x.shape);
    const [gamma, beta] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const target = randomTensor([2, 6, 5, 3], 6);
    const viaLayer = (a: tf.Tensor) =>
      tf.sum(tf.mul(layer.apply(a, { training: true }) as tf.Tensor, target));
    const viaOps = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(referenceBatchNorm(a, g, b), target));
    const { grads } = tf.variableGrads(() => viaLayer(x) as tf.Scalar, [gamma!, beta!]);
    return [
      viaLayer(x),
      tf.grad(viaLayer)(x),
      grads[gamma!.name]!,
      grads[beta!.name]!,
      viaOps(x, gamma!, beta!),
      ...tf.grads(viaOps)([x, gamma!, beta!]),
    ];
  });
  for (const [j, what] of ['loss', 'dx', 'dgamma', 'dbeta'].entries()) {
    assertClose(res.wasm[j]!, res.cpu[j + 4]!, `wasm ${what}`);
    assertClose(res.cpu[j]!, res.cpu[j + 4]!, `cpu ${what}`);
  }
});
