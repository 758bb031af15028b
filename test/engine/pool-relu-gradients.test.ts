import { test } from 'node:test';
import { tf } from '../../src/engine/index.ts';
import { assertClose, onBothBackends, randomTensor } from './helpers.ts';

const cases: { x: [number, number, number, number]; size: number; stride: number; pad: 'same' | 'valid' }[] =
  [
    { x: [2, 8, 6, 8], size: 2, stride: 2, pad: 'valid' }, // SIMD path
    { x: [2, 9, 7, 8], size: 2, stride: 2, pad: 'valid' }, // odd sizes: uncovered last row/col
    { x: [2, 8, 6, 3], size: 2, stride: 2, pad: 'valid' }, // channels not a multiple of 4
    { x: [1, 9, 9, 4], size: 3, stride: 3, pad: 'valid' }, // 3x3 tiles
    { x: [1, 7, 7, 4], size: 3, stride: 2, pad: 'same' }, // overlapping, padded: stock kernel
  ];

for (const [i, c] of cases.entries()) {
  test(`maxPool gradient matches cpu: x${c.x.join('x')} size ${c.size} stride ${c.stride} ${c.pad}`, async () => {
    const res = await onBothBackends(() => {
      const x = randomTensor(c.x, 40 + i);
      const f = (t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, c.size, c.stride, c.pad);
      const y = f(x);
      return [y, tf.grad(f)(x, randomTensor(y.shape, 50 + i))];
    });
    assertClose(res.wasm[0]!, res.cpu[0]!, 'y');
    assertClose(res.wasm[1]!, res.cpu[1]!, 'dx');
  });
}

test('maxPool gradient with ties (post-ReLU zeros) sends each dy to the first maximum', async () => {
  const res = await onBothBackends(() => {
    const x = tf.relu(tf.sub(randomTensor([2, 8, 8, 8], 60), 0.8)); // mostly zeros: many tied windows
    const f = (t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid');
    return [tf.grad(f)(x, randomTensor([2, 4, 4, 8], 61))];
  });
  assertClose(res.wasm[0]!, res.cpu[0]!, 'dx', 1e-7);
});

test('relu gradient (one-pass kernel) matches cpu, including odd sizes and x == 0', async () => {
  const res = await onBothBackends(() => {
    const x = tf.concat([randomTensor([3, 7, 5, 3], 70), tf.zeros([1, 7, 5, 3])]); // 420 + 105 elements
    const dy = randomTensor(x.shape, 71);
    return [tf.relu(x), tf.grad((t: tf.Tensor) => tf.relu(t))(x, dy)];
  });
  assertClose(res.wasm[0]!, res.cpu[0]!, 'y', 1e-12);
  assertClose(res.wasm[1]!, res.cpu[1]!, 'dx', 1e-12);
});
