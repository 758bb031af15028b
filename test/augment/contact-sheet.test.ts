import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contactSheet, drawOutline } from '../../src/augment/contact-sheet.ts';
import { createImage, createMask } from '../../src/data/raw-image.ts';

test('outlines are drawn on the mask boundary only', () => {
  const img = createImage(20, 20);
  const mask = createMask(20, 20);
  for (let y = 5; y < 15; y++) for (let x = 5; x < 15; x++) mask.data[y * 20 + x] = 1;
  const out = drawOutline(img, mask, [0, 255, 0], 1);
  const green = (x: number, y: number) => out.data[(y * 20 + x) * 3 + 1] === 255;
  assert.ok(green(5, 5) && green(14, 10) && green(10, 14));
  assert.ok(!green(10, 10) && !green(2, 2) && !green(4, 10));
  const thick = drawOutline(img, mask, [0, 255, 0], 2);
  assert.ok(thick.data[(10 * 20 + 4) * 3 + 1] === 255, 'second line outside');
  assert.equal(img.data[(5 * 20 + 5) * 3 + 1], 0, 'input untouched');
});

test('contact sheet tiles groups row by row', () => {
  const a = createImage(10, 8);
  a.data.fill(100);
  const sheet = contactSheet(
    [
      [a, a],
      [a, a],
      [a, a],
    ],
    { groupsPerRow: 2, gap: 1, groupGap: 4 },
  );
  assert.equal(sheet.width, 2 * (2 * 10 + 1) + 3 * 4);
  assert.equal(sheet.height, 2 * 8 + 2 + 2 * 4);
  assert.equal(sheet.data[(4 * sheet.width + 4) * 3], 100);
  assert.equal(sheet.data[0], 255);
});
