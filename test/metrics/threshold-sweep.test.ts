import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  THRESHOLD_COUNT,
  confusion,
  curve,
  curveMax,
  curveMean,
  dice,
  eMeasureFromCounts,
  sweepCounts,
  toolboxDice,
  toolboxIou,
} from '../../src/metrics/index.ts';
import { close } from './helpers.ts';

const truth = Uint8Array.from([1, 1, 0, 0]);
// on the 0..255 scale: 255, 127.5, 63.75, 0
const prob = Float32Array.from([1, 0.5, 0.25, 0]);

test('256-threshold Dice/IoU on a small map, worked by hand', () => {
  const counts = sweepCounts(prob, truth);
  assert.equal(counts.length, THRESHOLD_COUNT);
  // k = 0: all 4 predicted (tp 2, fp 2); 1..63: 3 predicted (tp 2, fp 1);
  // 64..127: exactly the truth; 128..255: only the first pixel (tp 1, fn 1).
  assert.deepEqual(counts[0], { tp: 2, fp: 2, fn: 0, tn: 0 });
  assert.deepEqual(counts[63], { tp: 2, fp: 1, fn: 0, tn: 1 });
  assert.deepEqual(counts[64], { tp: 2, fp: 0, fn: 0, tn: 2 });
  assert.deepEqual(counts[127], { tp: 2, fp: 0, fn: 0, tn: 2 });
  assert.deepEqual(counts[128], { tp: 1, fp: 0, fn: 1, tn: 2 });
  assert.deepEqual(counts[255], { tp: 1, fp: 0, fn: 1, tn: 2 });
  const d = curve(counts, toolboxDice);
  const j = curve(counts, toolboxIou);
  close(curveMean(d), (1 * (2 / 3) + 63 * (4 / 5) + 64 * 1 + 128 * (2 / 3)) / 256);
  close(curveMean(j), (1 * (1 / 2) + 63 * (2 / 3) + 64 * 1 + 128 * (1 / 2)) / 256);
  assert.equal(curveMax(d), 1);
  assert.equal(curveMax(j), 1);
});

test('each threshold matches a direct binarisation (pred >= k/255)', () => {
  const counts = sweepCounts(prob, truth);
  for (let k = 0; k < THRESHOLD_COUNT; k++) {
    assert.deepEqual(counts[k], confusion(prob, truth, k / 255), `threshold ${k}`);
  }
});

test('a value k/255 lands on its own threshold despite rounding', () => {
  // float32 k/255, and float64 k * (1/255), which lands one ulp below k/255 for 24 values of k
  for (let k = 0; k < THRESHOLD_COUNT; k++) {
    for (const map of [Float32Array.of(k / 255), Float64Array.of(k * (1 / 255))]) {
      const counts = sweepCounts(map, Uint8Array.of(1));
      assert.equal(counts[k].tp, 1, `${map[0]} should pass threshold ${k}`);
      if (k < 255) assert.equal(counts[k + 1].tp, 0, `${map[0]} should fail threshold ${k + 1}`);
    }
  }
});

test('toolbox rule: TP = 0 scores 0 even when both masks are empty', () => {
  const empty = { tp: 0, fp: 0, fn: 0, tn: 4 };
  assert.equal(dice(empty), 1);
  assert.equal(toolboxDice(empty), 0);
  assert.equal(toolboxIou(empty), 0);
  assert.equal(toolboxDice({ tp: 1, fp: 1, fn: 0, tn: 2 }), 2 / 3);
});

test('E-measure curve agrees with the binary E-measure at each threshold', () => {
  const e = curve(sweepCounts(prob, truth), eMeasureFromCounts);
  for (const k of [0, 1, 63, 64, 127, 128, 255]) {
    close(e[k], eMeasureFromCounts(confusion(prob, truth, k / 255)), 1e-15, `k=${k}`);
  }
  assert.equal(e[100], 1); // 64..127 is the perfect prediction
});
