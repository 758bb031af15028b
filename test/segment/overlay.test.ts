import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  drawOverlay,
  maskBoundary,
  overlayLayer,
  overlayMask,
  parseColor,
  renderOverlay,
} from '../../src/segment/overlay.ts';
import { PolypsegError } from '../../src/errors.ts';

const image = () => ({ width: 5, height: 5, channels: 3 as const, data: new Uint8Array(75).fill(100) });
const square = () => {
  const data = new Uint8Array(25);
  for (let y = 1; y < 4; y++) for (let x = 1; x < 4; x++) data[y * 5 + x] = 1;
  return { width: 5, height: 5, data };
};

test('parseColor accepts #RRGGBB, RRGGBB, #RGB and [r,g,b]; rejects the rest', () => {
  assert.deepEqual(parseColor('#FF8000'), [255, 128, 0]);
  assert.deepEqual(parseColor('00ff66'), [0, 255, 102]);
  assert.deepEqual(parseColor('#f00'), [255, 0, 0]);
  assert.deepEqual(parseColor([1, 2, 3]), [1, 2, 3]);
  for (const bad of ['red', '#12345', '#GG0000']) assert.throws(() => parseColor(bad), PolypsegError);
});

test('fill blends only mask pixels with the colour at the opacity', () => {
  const out = overlayMask(image(), square(), { color: '#FF0000', opacity: 0.5 });
  assert.deepEqual(Array.from(out.data.subarray(0, 3)), [100, 100, 100]);
  const c = (2 * 5 + 2) * 3;
  assert.deepEqual(Array.from(out.data.subarray(c, c + 3)), [177, 50, 50]);
});

test('outline colours the boundary only; opacity 0 leaves the inside alone', () => {
  const img = image();
  drawOverlay(img, square(), { color: '#0000FF', opacity: 0, outline: true, outlineWidth: 1 });
  const at = (x: number, y: number) => Array.from(img.data.subarray((y * 5 + x) * 3, (y * 5 + x) * 3 + 3));
  assert.deepEqual(at(1, 1), [0, 0, 255]);
  assert.deepEqual(at(2, 2), [100, 100, 100]);
  assert.deepEqual(at(0, 0), [100, 100, 100]);
  assert.equal(
    maskBoundary(square()).reduce((a, b) => a + b, 0),
    8,
  );
});

/** maskBoundary as it was: `width` rounds of 4-neighbour erosion, each in a new array. */
function erodedBoundary(
  mask: { width: number; height: number; data: Uint8Array },
  width: number,
): Uint8Array {
  const { width: w, height: h } = mask;
  let inner = mask.data;
  const edge = new Uint8Array(w * h);
  for (let pass = 0; pass < width; pass++) {
    const next = new Uint8Array(w * h);
    for (let y = 0, i = 0; y < h; y++) {
      for (let x = 0; x < w; x++, i++) {
        if (!inner[i]) continue;
        const interior =
          x > 0 &&
          x < w - 1 &&
          y > 0 &&
          y < h - 1 &&
          inner[i - 1] &&
          inner[i + 1] &&
          inner[i - w] &&
          inner[i + w];
        if (interior) next[i] = 1;
        else edge[i] = 1;
      }
    }
    inner = next;
  }
  return edge;
}

test('maskBoundary (a capped distance transform) equals repeated erosion for any mask and width', () => {
  let seed = 3;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (const [w, h] of [
    [1, 1],
    [5, 1],
    [1, 7],
    [20, 13],
    [64, 64],
    [300, 200],
  ] as const) {
    for (const fill of [0, 0.3, 0.7, 1]) {
      // random rectangles plus salt-and-pepper noise; fill 1 is the whole frame
      const data = new Uint8Array(w * h);
      if (fill === 1) data.fill(1);
      else
        for (let r = 0; r < 12; r++) {
          const x0 = Math.floor(random() * w);
          const y0 = Math.floor(random() * h);
          const x1 = Math.min(w, x0 + Math.floor(random() * w * fill));
          const y1 = Math.min(h, y0 + Math.floor(random() * h * fill));
          for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * w + x] = 1;
        }
      for (let i = 0; i < data.length; i++) if (random() < 0.02) data[i] ^= 1;
      const mask = { width: w, height: h, data };
      for (const width of [0, 0.5, 1, 2, 2.5, 3, 7, 40, 300])
        assert.deepEqual(
          maskBoundary(mask, width),
          erodedBoundary(mask, width),
          `${w}x${h} fill ${fill} width ${width}`,
        );
    }
  }
});

test('renderOverlay takes a Segmentation-like object; size mismatch is a clear error', () => {
  const out = renderOverlay(image(), { mask: square() });
  assert.notDeepEqual(out.data, image().data);
  assert.throws(() => drawOverlay(image(), { width: 4, height: 5, data: new Uint8Array(20) }), PolypsegError);
  assert.throws(() => drawOverlay(image(), square(), { opacity: 2 }), PolypsegError);
});

test("a transparent overlay layer composited source-over gives drawOverlay's blend (to rounding)", () => {
  const picture = { width: 5, height: 5, channels: 3 as const, data: new Uint8Array(75) };
  for (let i = 0; i < 75; i++) picture.data[i] = (i * 37) % 256;
  for (const opts of [
    { color: '#FF8000', opacity: 0.4 },
    { color: '#00FF66', opacity: 0.4, outline: true, outlineWidth: 1 },
    { color: '#0000FF', opacity: 0, outline: true, outlineWidth: 1 },
  ]) {
    const expected = overlayMask(picture, square(), opts);
    const layer = overlayLayer(square(), opts);
    assert.equal(layer.channels, 4);
    for (let i = 0; i < 25; i++) {
      const a = layer.data[i * 4 + 3]! / 255;
      assert.equal(a === 0, !square().data[i] || (opts.opacity === 0 && !maskBoundary(square())[i]));
      for (let c = 0; c < 3; c++) {
        const blended = picture.data[i * 3 + c]! * (1 - a) + layer.data[i * 4 + c]! * a;
        assert.ok(Math.abs(blended - expected.data[i * 3 + c]!) <= 1.5, `pixel ${i} channel ${c}`);
      }
    }
  }
});
