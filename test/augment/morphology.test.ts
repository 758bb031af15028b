import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dilate, erode, fillHoles, largestComponent } from '../../src/augment/morphology.ts';
import { connectedComponents } from '../../src/segment/components.ts';
import { createRng } from '../../src/random.ts';
import type { BinaryMask } from '../../src/data/raw-image.ts';

/** Reference labelling: depth-first flood fill, 8-connected, components numbered in raster order. */
function floodLabels(m: BinaryMask): Int32Array {
  const { width: w, height: h, data } = m;
  const lab = new Int32Array(w * h);
  let n = 0;
  for (let s = 0; s < w * h; s++) {
    if (!data[s] || lab[s]) continue;
    lab[s] = ++n;
    const stack = [s];
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % w;
      const y = (p - x) / w;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          const yy = y + dy;
          if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
          const q = yy * w + xx;
          if (data[q] && !lab[q]) {
            lab[q] = n;
            stack.push(q);
          }
        }
    }
  }
  return lab;
}

const randomMask = (rng: ReturnType<typeof createRng>): BinaryMask => {
  const width = 1 + rng.int(40);
  const height = 1 + rng.int(40);
  const density = rng.next();
  return { width, height, data: new Uint8Array(width * height).map(() => (rng.next() < density ? 1 : 0)) };
};

test('connected components match a flood fill on random masks, with correct areas and boxes', () => {
  const rng = createRng(3);
  for (let t = 0; t < 200; t++) {
    const m = randomMask(rng);
    const { labels, components } = connectedComponents(m);
    assert.deepEqual(labels, floodLabels(m));
    for (const c of components) {
      let area = 0;
      for (let p = 0; p < labels.length; p++) {
        if (labels[p] !== c.label) continue;
        area++;
        const x = p % m.width;
        const y = Math.floor(p / m.width);
        assert.ok(x >= c.x0 && x < c.x1 && y >= c.y0 && y < c.y1);
      }
      assert.equal(area, c.area);
    }
  }
});

test('dilate / erode use a square window; fillHoles fills enclosed background only', () => {
  const m: BinaryMask = { width: 9, height: 9, data: new Uint8Array(81) };
  m.data[4 * 9 + 4] = 1;
  const d = dilate(m, 2);
  assert.equal(
    d.data.reduce((a, b) => a + b, 0),
    25,
  );
  assert.deepEqual(erode(d, 2).data, m.data);
  assert.equal(
    erode(d, 3).data.reduce((a, b) => a + b, 0),
    0,
  );
  // a ring with a hole, and a C shape open to the edge
  const ring: BinaryMask = { width: 7, height: 7, data: new Uint8Array(49) };
  for (let y = 1; y < 6; y++)
    for (let x = 1; x < 6; x++) ring.data[y * 7 + x] = x === 1 || x === 5 || y === 1 || y === 5 ? 1 : 0;
  const filled = fillHoles(ring);
  assert.equal(filled.data[3 * 7 + 3], 1);
  assert.equal(filled.data[0], 0);
  ring.data[3 * 7 + 5] = 0; // a gap in the ring: still one 8-connected component of 15 pixels
  assert.equal(
    largestComponent(ring).data.reduce((a, b) => a + b, 0),
    15,
  );
});
