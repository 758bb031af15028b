import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PolypsegError } from '../../src/errors.ts';
import { addCounts, confusion, confusionBinary, scoresFromCounts } from '../../src/metrics/index.ts';

test('confusion counts a partial overlap worked by hand', () => {
  // truth 1 1 1 0 0 0 ; prob .9 .5 .2 .6 .1 0 -> predicted 1 1 0 1 0 0 at 0.5
  const truth = Uint8Array.from([1, 1, 1, 0, 0, 0]);
  const prob = Float32Array.from([0.9, 0.5, 0.2, 0.6, 0.1, 0]);
  const c = confusion(prob, truth);
  assert.deepEqual(c, { tp: 2, fp: 1, fn: 1, tn: 2 });
  const s = scoresFromCounts(c);
  assert.equal(s.accuracy, 4 / 6);
  assert.equal(s.iou, 2 / 4);
  assert.equal(s.dice, 4 / 6);
  assert.equal(s.precision, 2 / 3);
  assert.equal(s.recall, 2 / 3);
  assert.equal(s.specificity, 2 / 3);
});

test('threshold is inclusive and configurable', () => {
  const truth = Uint8Array.from([1, 0]);
  const prob = Float32Array.from([0.5, 0.25]);
  assert.deepEqual(confusion(prob, truth, 0.5), { tp: 1, fp: 0, fn: 0, tn: 1 });
  assert.deepEqual(confusion(prob, truth, 0.2), { tp: 1, fp: 1, fn: 0, tn: 0 });
  assert.deepEqual(confusion(prob, truth, 0.6), { tp: 0, fp: 0, fn: 1, tn: 1 });
});

test('binary masks', () => {
  const c = confusionBinary(Uint8Array.from([1, 0, 1, 0]), Uint8Array.from([1, 1, 0, 0]));
  assert.deepEqual(c, { tp: 1, fp: 1, fn: 1, tn: 1 });
  assert.deepEqual(addCounts(c, c), { tp: 2, fp: 2, fn: 2, tn: 2 });
});

test('both masks empty scores 1 everywhere', () => {
  const s = scoresFromCounts(confusionBinary(new Uint8Array(4), new Uint8Array(4)));
  assert.deepEqual(s, { accuracy: 1, iou: 1, dice: 1, precision: 1, recall: 1, specificity: 1 });
});

test('empty prediction against non-empty truth scores 0', () => {
  const s = scoresFromCounts(confusionBinary(new Uint8Array(4), Uint8Array.from([1, 1, 0, 0])));
  assert.equal(s.dice, 0);
  assert.equal(s.iou, 0);
  assert.equal(s.precision, 0);
  assert.equal(s.recall, 0);
  assert.equal(s.specificity, 1);
  assert.equal(s.accuracy, 0.5);
});

test('prediction on empty truth scores 0 on overlap metrics', () => {
  const s = scoresFromCounts(confusionBinary(Uint8Array.from([1, 0, 0, 0]), new Uint8Array(4)));
  assert.equal(s.dice, 0);
  assert.equal(s.iou, 0);
  assert.equal(s.precision, 0);
  assert.equal(s.recall, 0);
  assert.equal(s.specificity, 3 / 4);
});

test('all-foreground truth: specificity 1 only when prediction is all foreground', () => {
  const truth = Uint8Array.from([1, 1, 1, 1]);
  const full = scoresFromCounts(confusionBinary(Uint8Array.from([1, 1, 1, 1]), truth));
  assert.deepEqual(full, { accuracy: 1, iou: 1, dice: 1, precision: 1, recall: 1, specificity: 1 });
  const part = scoresFromCounts(confusionBinary(Uint8Array.from([1, 1, 0, 0]), truth));
  assert.equal(part.specificity, 0);
  assert.equal(part.dice, 2 / 3);
  assert.equal(part.iou, 0.5);
});

test('disjoint masks', () => {
  const s = scoresFromCounts(confusionBinary(Uint8Array.from([1, 1, 0, 0]), Uint8Array.from([0, 0, 1, 1])));
  assert.equal(s.dice, 0);
  assert.equal(s.iou, 0);
  assert.equal(s.accuracy, 0);
});

test('bad input is a PolypsegError', () => {
  assert.throws(() => confusion(new Float32Array(3), new Uint8Array(4)), PolypsegError);
  assert.throws(() => confusion(new Float32Array(0), new Uint8Array(0)), PolypsegError);
  assert.throws(() => confusion(Float32Array.from([NaN]), Uint8Array.from([1])), PolypsegError);
  assert.throws(() => confusion(Float32Array.from([0.5]), Uint8Array.from([255])), /binarise/);
  assert.throws(() => confusionBinary(Uint8Array.from([255]), Uint8Array.from([1])), PolypsegError);
  assert.throws(() => confusion(Float32Array.from([0.5]), Uint8Array.from([1]), NaN), PolypsegError);
});
