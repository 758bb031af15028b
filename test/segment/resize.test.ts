import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bilinearRows, resizeBilinear } from '../../src/segment/resize.ts';

test('same size is the identity', () => {
  const src = Uint8Array.from({ length: 5 * 4 * 3 }, (_, i) => (i * 37) % 256);
  assert.deepEqual(Array.from(resizeBilinear(src, 5, 4, 3, 5, 4)), Array.from(src));
});

test('a constant image stays constant at any size', () => {
  const src = new Float32Array(7 * 3 * 2).fill(0.25);
  for (const [w, h] of [
    [20, 11],
    [3, 2],
    [1, 1],
    [7, 9],
  ] as const) {
    const out = resizeBilinear(src, 7, 3, 2, w, h);
    assert.equal(out.length, w * h * 2);
    for (const v of out) assert.ok(Math.abs(v - 0.25) < 1e-6);
  }
});

test('downscaling is antialiased: 1-pixel stripes average to grey', () => {
  const w = 64;
  const src = new Uint8Array(w * 4);
  for (let y = 0; y < 4; y++) for (let x = 0; x < w; x++) src[y * w + x] = x % 2 ? 255 : 0;
  const out = resizeBilinear(src, w, 4, 1, 16, 1);
  // Interior outputs see whole stripe periods: exactly mid-grey.
  for (let x = 1; x < 15; x++) assert.ok(Math.abs(out[x]! - 127.5) < 1e-3, `x=${x}: ${out[x]}`);
});

test('upscaling uses half-pixel centres and reproduces a linear ramp inside', () => {
  const src = Float32Array.from([0, 10, 20, 30]);
  const out = resizeBilinear(src, 4, 1, 1, 8, 1);
  // Output pixel i samples source coordinate (i + 0.5) / 2 - 0.5; edges clamp.
  assert.deepEqual(Array.from(out), [0, 2.5, 7.5, 12.5, 17.5, 22.5, 27.5, 30]);
});

test('rejects data of the wrong length', () => {
  assert.throws(() => resizeBilinear(new Uint8Array(5), 2, 2, 1, 4, 4), /resize/);
});

test("bilinearRows gives resizeBilinear's rows of a single-channel map, bit for bit", () => {
  const src = Float32Array.from({ length: 9 * 7 }, (_, i) => Math.sin(i * 0.7) * 0.5 + 0.5);
  for (const [w, h] of [
    [9, 7],
    [40, 23],
    [4, 3],
    [1, 50],
  ] as const) {
    const full = resizeBilinear(src, 9, 7, 1, w, h);
    const row = bilinearRows(src, 9, 7, w, h);
    const out = new Float32Array(w).fill(Number.NaN);
    for (let y = 0; y < h; y++) {
      row(y, out);
      assert.deepEqual(out, full.subarray(y * w, (y + 1) * w), `${w}x${h} row ${y}`);
    }
  }
  assert.throws(() => bilinearRows(new Float32Array(5), 2, 2, 4, 4), /resize/);
});
