import { test } from 'node:test';
import { tf } from '../../src/engine/index.ts';
import { assertClose, onBothBackends, randomTensor } from './helpers.ts';

/** Data movement must be exact (1e-12); arithmetic gets `tolerance`. */
function check(name: string, fn: () => tf.Tensor[], tolerance = 1e-12) {
  test(name, async () => {
    const res = await onBothBackends(() => fn().map((t) => tf.cast(t, 'float32')));
    res.cpu.forEach((expected, i) => assertClose(res.wasm[i]!, expected, `${name} #${i}`, tolerance));
  });
}

check('slice: ranks 1-5, offsets, whole and partial dims', () => {
  const x1 = randomTensor([17], 1);
  const x2 = randomTensor([6, 9], 2);
  const x3 = randomTensor([4, 7, 5], 3);
  const x4 = randomTensor([3, 6, 5, 70], 4);
  const x5 = randomTensor([2, 3, 4, 5, 6], 5);
  return [
    tf.slice(x1, 3, 9),
    tf.slice(x2, [1, 2], [4, 5]),
    tf.slice(x2, [2, 0], [3, 9]),
    tf.slice(x3, [1, 2, 1], [2, 3, 3]),
    tf.slice(x3, [0, 3, 0], [4, 2, 5]),
    tf.slice(x4, [1, 0, 0, 0], [2, 6, 5, 70]),
    tf.slice(x4, [0, 1, 2, 5], [3, 4, 2, 60]),
    tf.slice(x4, [0, 0, 0, 16], [3, 6, 5, 16]),
    tf.slice(x5, [1, 0, 1, 2, 3], [1, 3, 2, 3, 3]),
  ];
});

check('slice: int32 and bool tensors', () => {
  const i = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [2, 4], 'int32');
  const b = tf.tensor2d([1, 0, 1, 1, 0, 0, 1, 0], [2, 4], 'bool');
  return [tf.slice(i, [0, 1], [2, 2]), tf.slice(b, [1, 1], [1, 3])];
});

check('concat along every axis, uneven sizes, empty parts, int32/bool', () => {
  const a = randomTensor([2, 3, 4, 5], 6);
  const b = randomTensor([2, 3, 4, 7], 7);
  const c = randomTensor([2, 3, 2, 5], 8);
  const d = randomTensor([1, 3, 4, 5], 9);
  const e = randomTensor([2, 1, 4, 5], 10);
  return [
    tf.concat([a, b, a], 3),
    tf.concat([a, c], 2),
    tf.concat([a, e, a], 1),
    tf.concat([a, d], 0),
    tf.concat([a, tf.zeros([2, 3, 4, 0])], 3),
    tf.concat([tf.tensor1d([1, 2], 'int32'), tf.tensor1d([3], 'int32')]),
    tf.concat([tf.tensor1d([1, 0], 'bool'), tf.tensor1d([1], 'bool')]),
  ];
});

check('split (SplitV) along channels and rows', () => {
  const x = randomTensor([2, 5, 4, 48], 11);
  return [...tf.split(x, [16, 32], 3), ...tf.split(x, [1, 3, 1], 1), ...tf.split(x, 2, 0)];
});

check('reverse over axis combinations', () => {
  const x = randomTensor([3, 3, 5, 4], 12);
  return [
    tf.reverse(x, [0, 1]),
    tf.reverse(x, 3),
    tf.reverse(x, [1, 3]),
    tf.reverse(x, [0, 1, 2, 3]),
    tf.reverse(x, []),
    tf.reverse(tf.tensor1d([1, 2, 3], 'int32')),
  ];
});

check('concat and split of channel slices in multiples of 4 (SIMD copy path)', () => {
  const a = randomTensor([2, 9, 7, 16], 13);
  const b = randomTensor([2, 9, 7, 8], 14);
  const c = randomTensor([2, 9, 7, 4], 15);
  const ab = tf.concat([a, b, c], 3);
  return [ab, ...tf.split(ab, [16, 8, 4], 3), tf.slice(ab, [0, 1, 0, 4], [2, 7, 7, 20])];
});

check('pad: every dim, channel dim, constant values, int32', () => {
  const x = randomTensor([2, 5, 4, 8], 16);
  return [
    tf.pad(x, [
      [0, 0],
      [1, 2],
      [3, 0],
      [0, 0],
    ]),
    tf.pad(
      x,
      [
        [1, 0],
        [0, 0],
        [0, 1],
        [2, 2],
      ],
      1.5,
    ),
    tf.pad(
      tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'),
      [
        [1, 1],
        [0, 2],
      ],
      7,
    ),
    tf.pad(tf.tensor1d([3, 4]), [[2, 1]]),
  ];
});

test('zero-copy Identity and Cast: a clone outlives its source', async () => {
  const res = await onBothBackends(() => {
    const a = randomTensor([3, 4], 17);
    const b = tf.clone(a);
    const c = tf.cast(a, 'float32');
    const i = tf.cast(tf.tensor1d([1, 2, 3], 'int32'), 'int32');
    a.dispose();
    return [b, c, tf.cast(i, 'float32')];
  });
  res.cpu.forEach((expected, i) => assertClose(res.wasm[i]!, expected, `#${i}`, 1e-12));
});

check(
  'sum and mean over every axis but the last, and other reductions',
  () => {
    const x = tf.add(randomTensor([3, 5, 6, 8], 18), 2);
    const y = randomTensor([7, 5], 19);
    return [
      tf.sum(x, [0, 1, 2]),
      tf.mean(x, [0, 1, 2], true),
      tf.sum(x, [2, 1, 0]),
      tf.mean(y, 0),
      tf.sum(x, [1, 2]),
      tf.mean(x),
      tf.sum(y, 1),
    ];
  },
  1e-6,
);
