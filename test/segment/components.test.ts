import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeComponents, labelComponents } from '../../src/segment/components.ts';

function maskOf(rows: string[]) {
  const height = rows.length;
  const width = rows[0]!.length;
  const data = new Uint8Array(width * height);
  rows.forEach((r, y) => [...r].forEach((c, x) => (data[y * width + x] = c === '#' ? 1 : 0)));
  return { width, height, data };
}

test('8-connectivity: diagonal pixels join, a U shape is one region', () => {
  const mask = maskOf([
    '#.......#.',
    '.#......#.',
    '..#..#..#.',
    '.....#..#.',
    '.....####.',
    '..........',
    '##.......#',
  ]);
  const { labels, count } = labelComponents(mask);
  assert.equal(count, 4);
  assert.equal(labels[0], 1);
  assert.equal(labels[2 * 10 + 2], 1, 'diagonal chain is one label');
  assert.equal(labels[2 * 10 + 5], labels[0 * 10 + 8], 'both arms of the U share a label');
});

test('describeComponents: area, bbox, mean probability, largest first, minArea', () => {
  const mask = maskOf(['##....', '##....', '....#.', '......']);
  const probs = new Float32Array(24).fill(0.1);
  for (const i of [0, 1, 6, 7]) probs[i] = 0.8;
  probs[2 * 6 + 4] = 0.6;
  const polyps = describeComponents({ ...mask, data: mask.data.slice() }, probs);
  assert.equal(polyps.length, 2);
  assert.deepEqual(polyps[0], { area: 4, bbox: [0, 0, 2, 2], score: polyps[0]!.score });
  assert.ok(Math.abs(polyps[0]!.score - 0.8) < 1e-6);
  assert.deepEqual(polyps[1]!.bbox, [4, 2, 1, 1]);

  const pruned = { ...mask, data: mask.data.slice() };
  const big = describeComponents(pruned, probs, 2);
  assert.equal(big.length, 1);
  assert.equal(pruned.data[2 * 6 + 4], 0, 'small region removed from the mask too');
});

test('empty mask has no components', () => {
  const mask = maskOf(['....', '....']);
  assert.deepEqual(describeComponents(mask, new Float32Array(8)), []);
});
