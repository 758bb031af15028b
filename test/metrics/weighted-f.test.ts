import { test } from 'node:test';
import assert from 'node:assert/strict';
import { weightedFMeasure } from '../../src/metrics/index.ts';
import { close, mask } from './helpers.ts';

const GAUSS_NORM = [-3, -2, -1, 0, 1, 2, 3].reduce((a, i) => a + Math.exp(-(i * i) / 50), 0);

test('perfect prediction scores 1', () => {
  const g = mask(['00000', '01100', '01110', '00000']);
  close(weightedFMeasure(Float32Array.from(g.data), g.data, 5, 4), 1, 1e-12);
});

test('empty truth scores 0', () => {
  assert.equal(weightedFMeasure(new Float32Array(4), new Uint8Array(4), 2, 2), 0);
});

test('empty prediction of an object away from the border scores 0', () => {
  const w = 11;
  const g = new Uint8Array(w * w);
  g[5 * w + 5] = 1;
  g[5 * w + 4] = 1;
  close(weightedFMeasure(new Float32Array(w * w), g, w, w), 0, 1e-12);
});

test('constant prediction c: R = c, P = G / (G + sum of importance weights), worked by hand', () => {
  // 7x7, one foreground pixel at the centre, prob = c everywhere. The centre's 7x7 window covers the
  // image exactly, so the smoothed error there is 1 - c and R = c. Background errors are c weighted
  // by 2 - 0.5^(d/5), so P = c / (c + c * sum) = 1 / (1 + sum).
  const c = 0.3;
  const g = new Uint8Array(49);
  g[24] = 1;
  let sum = 0;
  for (let y = 0; y < 7; y++) {
    for (let x = 0; x < 7; x++) {
      if (x === 3 && y === 3) continue;
      sum += 2 - Math.pow(0.5, Math.hypot(x - 3, y - 3) / 5);
    }
  }
  const r = c;
  const p = 1 / (1 + sum);
  const prob = new Float64Array(49).fill(c);
  close(weightedFMeasure(prob, g, 7, 7), (2 * r * p) / (r + p), 1e-12);
});

test('an isolated foreground miss is softened by the Gaussian dependency, worked by hand', () => {
  // 9x9, truth = the 7x7 block in rows/cols 1..7 (49 pixels); prediction equal to truth except the
  // centre pixel. Its error 1 is replaced by the blurred error = centre weight of the kernel, h00.
  // No background error, so P = 1 and R = 1 - h00 / 49.
  const w = 9;
  const g = new Uint8Array(w * w);
  for (let y = 1; y <= 7; y++) for (let x = 1; x <= 7; x++) g[y * w + x] = 1;
  const prob = Float32Array.from(g);
  prob[4 * w + 4] = 0;
  const h00 = 1 / (GAUSS_NORM * GAUSS_NORM);
  const r = 1 - h00 / 49;
  close(weightedFMeasure(prob, g, w, w), (2 * r) / (1 + r), 1e-12);
});

test('background errors far from the object cost more than errors next to it', () => {
  const w = 20;
  const g = new Uint8Array(w * w);
  for (let y = 8; y < 12; y++) for (let x = 8; x < 12; x++) g[y * w + x] = 1;
  const near = Float32Array.from(g);
  near[8 * w + 7] = 1; // touching the object
  const far = Float32Array.from(g);
  far[0] = 1; // in a corner
  assert.ok(weightedFMeasure(near, g, w, w) > weightedFMeasure(far, g, w, w));
});
