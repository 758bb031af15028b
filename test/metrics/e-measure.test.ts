import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adaptiveEMeasure, confusionBinary, eMeasureFromCounts } from '../../src/metrics/index.ts';
import { close } from './helpers.ts';

const e = (pred: number[], truth: number[]) =>
  eMeasureFromCounts(confusionBinary(Uint8Array.from(pred), Uint8Array.from(truth)));

// For truth [1 0 0 0] and prediction [1 1 0 0]: mean truth 1/4, mean prediction 1/2.
// (1,1): a = 3/4, b = 1/2 -> phi = 12/13 -> (25/13)²/4 = 625/676
// pred 1, truth 0: a = -1/4, b = 1/2 -> phi = -4/5 -> 1/100
// (0,0): a = -1/4, b = -1/2 -> phi = 4/5 -> 81/100 (two pixels)
const HAND = (625 / 676 + 1 / 100 + 2 * (81 / 100)) / 4;

test('binary E-measure worked by hand', () => {
  close(e([1, 1, 0, 0], [1, 0, 0, 0]), HAND, 1e-15);
});

test('perfect prediction scores exactly 1; fully inverted scores 0', () => {
  assert.equal(e([1, 0, 0, 1], [1, 0, 0, 1]), 1);
  close(e([0, 1, 1, 1], [1, 0, 0, 0]), 0, 1e-15);
});

test('truth all background / all foreground', () => {
  assert.equal(e([0, 0, 0, 0], [0, 0, 0, 0]), 1);
  assert.equal(e([1, 0, 0, 0], [0, 0, 0, 0]), 3 / 4);
  assert.equal(e([1, 1, 0, 0], [1, 1, 1, 1]), 1 / 2);
});

test('adaptive E-measure binarises at 2 x mean, worked by hand', () => {
  // mean .4375 -> threshold .875 -> prediction [1 0 0 0] against truth [1 1 0 0]:
  // the same four terms as HAND with the roles of truth and prediction swapped.
  const prob = Float32Array.from([1, 0.5, 0.25, 0]);
  close(adaptiveEMeasure(prob, Uint8Array.from([1, 1, 0, 0])), HAND, 1e-15);
});

test('adaptive threshold is capped at 1', () => {
  // mean .75 -> 2 x mean = 1.5 -> capped to 1: only the pixel at 1 is foreground
  const prob = Float32Array.from([1, 1, 0.5, 0.5]);
  assert.equal(adaptiveEMeasure(prob, Uint8Array.from([1, 1, 0, 0])), 1);
});
