import { createMask, type BinaryMask } from '../data/raw-image.ts';
import { connectedComponents, type Components } from '../segment/components.ts';

/** Summed-area table of a 0/1 plane, (w+1) x (h+1), so any rectangle's count costs four reads. */
export function integral(mask: BinaryMask): Int32Array {
  const { width: w, height: h, data } = mask;
  const t = new Int32Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += data[y * w + x]!;
      t[(y + 1) * (w + 1) + x + 1] = t[y * (w + 1) + x + 1]! + row;
    }
  }
  return t;
}

/** Count of ones in the clipped rectangle [x0, x1) x [y0, y1). */
export function rectSum(
  t: Int32Array,
  w: number,
  h: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): number {
  x0 = Math.max(0, x0);
  y0 = Math.max(0, y0);
  x1 = Math.min(w, x1);
  y1 = Math.min(h, y1);
  if (x1 <= x0 || y1 <= y0) return 0;
  const s = w + 1;
  return t[y1 * s + x1]! - t[y0 * s + x1]! - t[y1 * s + x0]! + t[y0 * s + x0]!;
}

/** Dilation by a (2r+1)^2 square: 1 wherever any 1 lies within r pixels (Chebyshev). */
export function dilate(mask: BinaryMask, r: number): BinaryMask {
  if (r <= 0) return { ...mask, data: mask.data.slice() };
  const { width: w, height: h } = mask;
  const t = integral(mask);
  const out = createMask(w, h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      out.data[y * w + x] = rectSum(t, w, h, x - r, y - r, x + r + 1, y + r + 1) > 0 ? 1 : 0;
  return out;
}

/** Erosion by a (2r+1)^2 square; pixels beyond the image edge count as 0, so the edge erodes too. */
export function erode(mask: BinaryMask, r: number): BinaryMask {
  if (r <= 0) return { ...mask, data: mask.data.slice() };
  const { width: w, height: h } = mask;
  const t = integral(mask);
  const out = createMask(w, h);
  const full = (2 * r + 1) * (2 * r + 1);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      if (!mask.data[y * w + x]) continue;
      if (x < r || y < r || x + r >= w || y + r >= h) continue;
      out.data[y * w + x] = rectSum(t, w, h, x - r, y - r, x + r + 1, y + r + 1) === full ? 1 : 0;
    }
  return out;
}

export function invertMask(mask: BinaryMask): BinaryMask {
  const out = createMask(mask.width, mask.height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = mask.data[i] ? 0 : 1;
  return out;
}

/** The mask of one labelled component. */
export function componentMask(cc: Components, label: number, width: number, height: number): BinaryMask {
  const out = createMask(width, height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = cc.labels[i] === label ? 1 : 0;
  return out;
}

/** Keeps only the largest 8-connected component (empty mask stays empty). */
export function largestComponent(mask: BinaryMask): BinaryMask {
  const cc = connectedComponents(mask);
  if (cc.components.length === 0) return createMask(mask.width, mask.height);
  const best = cc.components.reduce((a, b) => (b.area > a.area ? b : a));
  return componentMask(cc, best.label, mask.width, mask.height);
}

/** Fills holes: background regions that do not reach the image edge become 1. */
export function fillHoles(mask: BinaryMask): BinaryMask {
  const { width: w, height: h } = mask;
  const cc = connectedComponents(invertMask(mask));
  const out = { ...mask, data: mask.data.slice() };
  for (const c of cc.components) {
    if (c.x0 === 0 || c.y0 === 0 || c.x1 === w || c.y1 === h) continue;
    for (let y = c.y0; y < c.y1; y++)
      for (let x = c.x0; x < c.x1; x++) if (cc.labels[y * w + x] === c.label) out.data[y * w + x] = 1;
  }
  return out;
}
