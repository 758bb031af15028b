import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PolypsegError } from '../../src/errors.ts';
import { sMeasure } from '../../src/metrics/index.ts';
import { close, mask } from './helpers.ts';

const square = mask(['000000', '011110', '011110', '011110', '011110', '000000']);

test('perfect prediction scores 1', () => {
  close(sMeasure(Float32Array.from(square.data), square.data, 6, 6), 1, 1e-12);
});

test('inverted prediction of a centred square scores 0', () => {
  const inverted = Float32Array.from(square.data, (v) => 1 - v);
  assert.equal(sMeasure(inverted, square.data, 6, 6), 0);
});

test('empty truth: 1 - mean(prob); full truth: mean(prob)', () => {
  const prob = Float32Array.from([0.5, 0, 0.25, 0.25]);
  close(sMeasure(prob, new Uint8Array(4), 2, 2), 0.75, 1e-7);
  close(sMeasure(prob, Uint8Array.from([1, 1, 1, 1]), 2, 2), 0.25, 1e-7);
});

test('object part with sample std, worked by hand (2x2)', () => {
  // truth 1 0 / 0 0, prob 1 0 / 0 0.5. Every region block is one pixel, so S_region = 1.
  // Foreground: mean 1, std 0 -> 2/(1+1) = 1. Background of 1-prob: [1, 1, 0.5], mean 5/6,
  // sample std sqrt(1/12). S_object = 1/4 * 1 + 3/4 * bg.
  const g = mask(['10', '00']);
  const prob = Float64Array.from([1, 0, 0, 0.5]);
  const x = 5 / 6;
  const bg = (2 * x) / (x * x + 1 + Math.sqrt(1 / 12));
  const expected = 0.5 * (0.25 + 0.75 * bg) + 0.5 * 1;
  close(sMeasure(prob, g.data, 2, 2), expected, 1e-12);
});

test('region part on mixed blocks, worked by hand (1x5)', () => {
  // truth 1 0 1 0 0 -> centroid column round((1+3)/2) = 2, row 1: blocks are columns 1..2 (weight 2/5)
  // and 3..5 (weight 3/5); the rows below the centroid are empty.
  // block 1: prob .8 .2 vs 1 0 -> 4xy.sxy / ((x²+y²)(sx²+sy²)) = .3 / .34 = 15/17
  // block 2: prob .6 0 .2 vs 1 0 0 -> (8/135) / (1312/16875) = 125/164
  const g = mask(['10100']);
  const prob = Float64Array.from([0.8, 0.2, 0.6, 0, 0.2]);
  const region = 0.4 * (15 / 17) + 0.6 * (125 / 164);
  // object: fg prob [.8 .6] mean .7 std sqrt(.02); bg 1-prob [.8 1 .8] mean 13/15 std sqrt(1/75)
  const fg = 1.4 / (0.49 + 1 + Math.sqrt(0.02));
  const xb = 13 / 15;
  const bg = (2 * xb) / (xb * xb + 1 + Math.sqrt(1 / 75));
  const object = 0.4 * fg + 0.6 * bg;
  close(sMeasure(prob, g.data, 5, 1), 0.5 * object + 0.5 * region, 1e-12);
});

test('rejects a size that does not match', () => {
  assert.throws(() => sMeasure(new Float32Array(6), new Uint8Array(6), 4, 2), PolypsegError);
});
