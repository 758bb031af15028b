import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyColourMap,
  blurImage,
  colourJitter,
  colourMap,
  gaussianBlur,
  meanColour,
} from '../../src/augment/photometric.ts';
import { parseAugmentConfig } from '../../src/augment/config.ts';
import { createRng } from '../../src/random.ts';
import { createImage } from '../../src/data/raw-image.ts';
import { scene } from './scene.ts';

const neutral = { brightness: 1, contrast: 1, saturation: 1, hueDegrees: 0 };
const px = (data: Uint8Array, i: number) => [data[i * 3], data[i * 3 + 1], data[i * 3 + 2]];

test('neutral colour parameters leave the image unchanged', () => {
  const s = scene();
  const out = applyColourMap(s.image, colourMap(neutral, meanColour(s.image)));
  assert.deepEqual(out.data, s.image.data);
});

test('brightness scales, saturation 0 gives grey, hue keeps greys grey, contrast pivots on mean grey', () => {
  const img = createImage(2, 1);
  img.data.set([200, 100, 50, 90, 90, 90]);
  const mean = meanColour(img);
  const bright = applyColourMap(img, colourMap({ ...neutral, brightness: 1.2 }, mean));
  assert.deepEqual(px(bright.data, 0), [240, 120, 60]);
  const grey = applyColourMap(img, colourMap({ ...neutral, saturation: 0 }, mean));
  const g = px(grey.data, 0);
  assert.ok(g[0] === g[1] && g[1] === g[2], `grey ${g}`);
  const hue = applyColourMap(img, colourMap({ ...neutral, hueDegrees: 40 }, mean));
  assert.deepEqual(px(hue.data, 1), [90, 90, 90]);
  assert.notDeepEqual(px(hue.data, 0), [200, 100, 50]);
  const flat = applyColourMap(img, colourMap({ ...neutral, contrast: 0 }, mean));
  assert.deepEqual(px(flat.data, 0), px(flat.data, 1));
  // black stays black under brightness, saturation and hue jitter (the endoscope border)
  const black = createImage(1, 1);
  const j = applyColourMap(
    black,
    colourMap({ brightness: 1.3, contrast: 1, saturation: 0.5, hueDegrees: 10 }, [120, 80, 70]),
  );
  assert.deepEqual([...j.data], [0, 0, 0]);
});

test('colour jitter touches only the image, is seeded, and never mutates its input', () => {
  const cfg = parseAugmentConfig({
    brightness: { p: 1 },
    contrast: { p: 1 },
    saturation: { p: 1 },
    hue: { p: 1 },
  });
  const s = scene({ polyps: [{ cx: 60, cy: 60, r: 12 }] });
  const before = s.image.data.slice();
  const a = colourJitter(cfg)(s, createRng(1));
  assert.equal(a.mask, s.mask);
  assert.notDeepEqual(a.image.data, s.image.data);
  assert.deepEqual(s.image.data, before);
  assert.deepEqual(colourJitter(cfg)(s, createRng(1)).image.data, a.image.data);
  assert.notDeepEqual(colourJitter(cfg)(s, createRng(2)).image.data, a.image.data);
});

test('Gaussian blur keeps flat regions, softens edges, keeps the mean, and its sigma is drawn from the range', () => {
  const img = createImage(32, 8);
  for (let y = 0; y < 8; y++)
    for (let x = 0; x < 32; x++) img.data.fill(x < 16 ? 40 : 200, (y * 32 + x) * 3, (y * 32 + x) * 3 + 3);
  const out = blurImage(img, 1.5);
  assert.equal(out.data[(4 * 32 + 2) * 3], 40);
  assert.equal(out.data[(4 * 32 + 29) * 3], 200);
  const left = out.data[(4 * 32 + 15) * 3]!;
  const right = out.data[(4 * 32 + 16) * 3]!;
  assert.ok(left > 60 && left < 120 && right > 120 && right < 180, `edge ${left} ${right}`);
  const mean = (d: Uint8Array) => d.reduce((a, b) => a + b, 0) / d.length;
  assert.ok(Math.abs(mean(out.data) - mean(img.data)) < 0.5);
  const cfg = parseAugmentConfig({ blur: { p: 1, range: [2, 2] } });
  const s = { id: 'x', image: img, mask: { width: 32, height: 8, data: new Uint8Array(256) } };
  assert.deepEqual(gaussianBlur(cfg)(s, createRng(0)).image.data, blurImage(img, 2).data);
  assert.equal(gaussianBlur(parseAugmentConfig({ blur: { p: 0 } }))(s, createRng(0)), s);
});
