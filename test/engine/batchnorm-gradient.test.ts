import { test } from 'node:test';
import { tf } from '../../src/engine/index.ts';
import { assertClose, onBothBackends, randomTensor } from './helpers.ts';

const eps = 1e-3;

/** Training-mode batch norm from elementwise ops only: its gradient uses no FusedBatchNorm code. */
type BatchNorm = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, broadcastShape: boolean) => tf.Tensor;

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

for (const broadcastShape of [false, true]) {
  test(`batchNorm gradients (through moments, stats shaped ${broadcastShape ? '[1,1,1,C]' : '[C]'}) match elementwise ops`, async () => {
    const res = await onBothBackends(() => {
      // An offset mean, as after a conv, checks the centring is done stably.
      const x = tf.add(randomTensor([3, 5, 7, 4], 1), 3);
      const gamma = randomTensor([4], 2);
      const beta = randomTensor([4], 3);
      const dy = randomTensor([3, 5, 7, 4], 4);
      const f = (bn: BatchNorm) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => bn(a, g, b, broadcastShape);
      const outs: tf.Tensor[] = [];
      for (const bn of [fusedBatchNorm, referenceBatchNorm] as BatchNorm[]) {
        outs.push(f(bn)(x, gamma, beta), ...tf.grads(f(bn))([x, gamma, beta], dy));
      }
      return outs;
    });
    const names = ['y', 'dx', 'dgamma', 'dbeta'];
    for (const [j, name] of names.entries()) {
      assertClose(res.wasm[j], res.cpu[j + 4], `wasm ${name}`);
      assertClose(res.cpu[j], res.cpu[j + 4], `cpu ${name}`);
    }
  });
}

test('tf.layers.batchNormalization in training matches the cpu backend', async () => {
  const res = await onBothBackends(() => {
    const layer = tf.layers.batchNormalization({ axis: -1 });
    const x = randomTensor([2, 6, 5, 3], 5);
    layer.build(x.shape);
    const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const target = randomTensor([2, 6, 5, 3], 6);
    const loss = () => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, target)) as tf.Scalar;
    const { value, grads } = tf.variableGrads(loss, vars);
    const dx = tf.grad((a: tf.Tensor) =>
      tf.sum(tf.mul(layer.apply(a, { training: true }) as tf.Tensor, target)),
    )(x);
    return [value, dx, ...vars.map((v) => grads[v.name])];
  });
  for (const [j, name] of ['loss', 'dx', 'dgamma', 'dbeta'].entries())
    assertClose(res.wasm[j], res.cpu[j], name);
});
