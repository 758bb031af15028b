import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, hashSeed, mulberry32, seededShuffle, shuffle } from '../src/random.ts';

const draw = (seed: number, n = 100) => {
  const r = createRng(seed);
  return Array.from({ length: n }, () => r.next());
};

test('same seed gives the same stream, different seeds differ', () => {
  assert.deepEqual(draw(42), draw(42));
  assert.notDeepEqual(draw(42), draw(43));
  assert.notDeepEqual(draw(0), draw(-1));
});

test('values are uniform-ish in [0, 1) and int/uniform respect their bounds', () => {
  const r = createRng(7);
  let sum = 0;
  for (let i = 0; i < 10000; i++) {
    const v = r.next();
    assert.ok(v >= 0 && v < 1);
    sum += v;
    const k = r.int(5);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 5);
    const u = r.uniform(-3, 2);
    assert.ok(u >= -3 && u < 2);
  }
  assert.ok(Math.abs(sum / 10000 - 0.5) < 0.02);
});

test('hashSeed separates (seed, epoch, index) tuples and is order sensitive', () => {
  const seen = new Set<number>();
  for (let e = 0; e < 20; e++) for (let i = 0; i < 200; i++) seen.add(hashSeed(1, e, i));
  assert.equal(seen.size, 20 * 200);
  assert.notEqual(hashSeed(1, 2, 3), hashSeed(1, 3, 2));
  assert.equal(hashSeed(2 ** 40 + 5), hashSeed(2 ** 40 + 5));
  assert.notEqual(hashSeed(2 ** 40 + 5), hashSeed(5));
  assert.throws(() => hashSeed(0.5), RangeError);
});

test('mulberry32 is a fixed algorithm: known first outputs for seed 0', () => {
  const next = mulberry32(0);
  const first = [next(), next(), next()].map((v) => Math.round(v * 4294967296));
  // pinned so a refactor that changes the stream (and breaks resumed-training reproducibility) fails here
  const again = mulberry32(0);
  assert.deepEqual(
    first,
    [again(), again(), again()].map((v) => Math.round(v * 4294967296)),
  );
  assert.deepEqual(first, [1144304738, 1416247, 958946056]);
});

test('fork gives an independent, reproducible child stream', () => {
  const a = createRng(9).fork();
  const b = createRng(9).fork();
  assert.deepEqual([a.next(), a.next()], [b.next(), b.next()]);
  const parent = createRng(9);
  const child = parent.fork();
  assert.notEqual(child.next(), parent.next());
});

test('seededShuffle is a seeded permutation and keeps the training order of earlier runs', () => {
  // Recorded from the training loop's shuffle before it moved here: resumed runs depend on it.
  assert.deepEqual(seededShuffle(10, 1), [7, 8, 3, 2, 1, 5, 9, 4, 0, 6]);
  assert.deepEqual(seededShuffle(10, 2020), [4, 3, 0, 1, 9, 6, 2, 7, 5, 8]);
  const big = seededShuffle(1000, 5);
  assert.deepEqual(
    [...big].sort((a, b) => a - b),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.notDeepEqual(big.slice(0, 20), seededShuffle(1000, 6).slice(0, 20));
});

test('shuffle returns a permuted copy and leaves its input alone', () => {
  const items = ['a', 'b', 'c', 'd', 'e', 'f'];
  const out = shuffle(items, createRng(3).next);
  assert.deepEqual(items, ['a', 'b', 'c', 'd', 'e', 'f']);
  assert.deepEqual([...out].sort(), items);
  assert.deepEqual(out, shuffle(items, createRng(3).next));
});
