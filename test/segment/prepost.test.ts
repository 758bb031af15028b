import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postprocess, postprocessMask, channelOf } from '../../src/segment/postprocess.ts';
import { preprocess, toRgb } from '../../src/segment/preprocess.ts';
import { flipHorizontal, flipVertical } from '../../src/segment/tta.ts';
import { PolypsegError } from '../../src/errors.ts';
import { ModelSegmenter } from '../../src/segment/segmenter-core.ts';
import { modelMetadataSchema } from '../../src/models/metadata.ts';

const spec = { inputSize: 2, normalization: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.25, 1] } };

test('preprocess: resize to inputSize², (px/255 - mean)/std, NHWC', () => {
  const data = new Uint8Array(4 * 4 * 3);
  for (let i = 0; i < 16; i++) data.set([255, 0, 51], i * 3);
  const out = preprocess({ width: 4, height: 4, channels: 3, data }, spec);
  assert.equal(out.length, 2 * 2 * 3);
  for (let i = 0; i < 4; i++) {
    assert.ok(Math.abs(out[i * 3]! - 1) < 1e-6);
    assert.ok(Math.abs(out[i * 3 + 1]! - -2) < 1e-6);
    assert.ok(Math.abs(out[i * 3 + 2]! - -0.3) < 1e-6);
  }
});

test('toRgb: grey and RGBA become RGB', () => {
  const grey = toRgb({ width: 2, height: 1, channels: 1, data: Uint8Array.from([10, 20]) });
  assert.deepEqual(Array.from(grey.data), [10, 10, 10, 20, 20, 20]);
  const rgba = toRgb({ width: 1, height: 1, channels: 4, data: Uint8Array.from([1, 2, 3, 4]) });
  assert.deepEqual(Array.from(rgba.data), [1, 2, 3]);
});

test('preprocess rejects an empty or inconsistent image', () => {
  assert.throws(
    () => preprocess({ width: 0, height: 5, channels: 3, data: new Uint8Array(0) }, spec),
    PolypsegError,
  );
  assert.throws(
    () => preprocess({ width: 2, height: 2, channels: 3, data: new Uint8Array(5) }, spec),
    PolypsegError,
  );
});

test('postprocess: resize back, threshold, polyps, coverage', () => {
  // 4x4 model map, left half high -> 8x6 image: left half polyp.
  const probs = new Float32Array(16);
  for (let y = 0; y < 4; y++) for (let x = 0; x < 2; x++) probs[y * 4 + x] = 0.9;
  const seg = postprocess(probs, 4, 8, 6, { threshold: 0.5 });
  assert.equal(seg.width, 8);
  assert.equal(seg.mask.data.length, 48);
  assert.equal(seg.probabilities.length, 48);
  assert.equal(seg.polyps.length, 1);
  assert.deepEqual(seg.polyps[0]!.bbox, [0, 0, 4, 6]);
  assert.equal(seg.coverage, 0.5);
  assert.equal(postprocess(probs, 4, 8, 6, { threshold: 0.95 }).polyps.length, 0);
});

test('postprocessMask (row by row, no full-size probabilities) equals postprocess exactly', () => {
  let seed = 1;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  let regions = 0;
  let dropped = 0;
  for (const [size, width, height] of [
    [8, 8, 8],
    [8, 37, 21],
    [16, 100, 60],
    [5, 3, 40],
    [12, 1, 1],
    [12, 200, 1],
    [12, 1, 200],
    [32, 640, 480],
  ] as const) {
    for (let t = 0; t < 10; t++) {
      // noise upscaled: many regions of every shape, some touching the borders
      const probs = Float32Array.from({ length: size * size }, random);
      const threshold = [0.3, 0.5, 0.7, 0.9, 1.1][t % 5]!;
      const minArea = [0, 5, 400][t % 3]!;
      const full = postprocess(probs, size, width, height, { threshold, minArea });
      const lean = postprocessMask(probs, size, width, height, { threshold, minArea });
      const label = `${size}→${width}x${height} threshold ${threshold} minArea ${minArea}`;
      assert.deepEqual(lean.mask, full.mask, label);
      // same regions, same order, scores summed in the same order: bit-identical
      assert.deepEqual(lean.polyps, full.polyps, label);
      assert.equal(lean.coverage, full.coverage, label);
      assert.equal('probabilities' in lean, false);
      regions += full.polyps.length;
      dropped += minArea > 0 ? 1 : 0;
    }
  }
  assert.ok(regions > 100 && dropped > 0, `${regions} regions compared`);
});

test('channelOf takes the last channel; flips undo themselves', () => {
  assert.deepEqual(Array.from(channelOf(Float32Array.from([1, 2, 3, 4]), 2)), [2, 4]);
  const a = Float32Array.from({ length: 3 * 2 * 2 }, (_, i) => i);
  assert.deepEqual(flipHorizontal(flipHorizontal(a, 3, 2, 2), 3, 2, 2), a);
  assert.deepEqual(flipVertical(flipVertical(a, 3, 2, 2), 3, 2, 2), a);
  assert.deepEqual(Array.from(flipHorizontal(a, 3, 2, 2).subarray(0, 2)), [4, 5]);
  assert.deepEqual(Array.from(flipVertical(a, 3, 2, 2).subarray(0, 2)), [6, 7]);
});

test("ModelSegmenter drops noise regions below the model's minRegionFraction unless minArea overrides it", async () => {
  // 20x20 model map: a 6x6 polyp and a 1-pixel speckle; image at the same size, so no resampling.
  const size = 20;
  const probs = new Float32Array(size * size);
  for (let y = 2; y < 8; y++) for (let x = 2; x < 8; x++) probs[y * size + x] = 0.9;
  probs[15 * size + 15] = 0.9;
  const metadata = modelMetadataSchema.parse({
    name: 'fake',
    architecture: { type: 'unet' },
    inputSize: size,
    minRegionFraction: 0.01, // 4 pixels of 400
  });
  const segmenter = new ModelSegmenter(
    'tfjs',
    metadata,
    async () => probs.slice(),
    async () => {},
  );
  const image = { width: size, height: size, channels: 3 as const, data: new Uint8Array(size * size * 3) };
  const byDefault = await segmenter.segment(image);
  assert.equal(byDefault.polyps.length, 1);
  assert.equal(byDefault.polyps[0]!.area, 36);
  assert.equal(byDefault.mask.data[15 * size + 15], 0, 'the speckle is removed from the mask too');
  const everything = await segmenter.segment(image, { minArea: 0 });
  assert.equal(everything.polyps.length, 2);
  assert.equal(everything.mask.data[15 * size + 15], 1);
  assert.equal(
    modelMetadataSchema.parse({ ...metadata, minRegionFraction: undefined }).minRegionFraction,
    0.0002,
  );
});

test("ModelSegmenter uses the model's tta default for images; callers can turn it off", async () => {
  const size = 8;
  const batches: number[] = [];
  const metadata = modelMetadataSchema.parse({
    name: 'fake',
    architecture: { type: 'unet' },
    inputSize: size,
    tta: true,
  });
  const segmenter = new ModelSegmenter(
    'tfjs',
    metadata,
    async (_input, batch) => {
      batches.push(batch);
      return new Float32Array(batch * size * size).fill(0.7);
    },
    async () => {},
  );
  const image = { width: size, height: size, channels: 3 as const, data: new Uint8Array(size * size * 3) };
  await segmenter.segment(image);
  await segmenter.segment(image, { tta: false });
  assert.deepEqual(batches, [3, 1]);
  assert.equal(modelMetadataSchema.parse({ ...metadata, tta: undefined }).tta, false);
});
