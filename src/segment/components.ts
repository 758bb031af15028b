// Browser-safe: pure TypeScript, no Node imports.
import type { BinaryMask } from '../data/raw-image.ts';
import type { Polyp } from './types.ts';

/**
 * 8-connected component labelling (one raster pass with union-find, then a relabel pass).
 * Returns labels (0 = background, 1..count) in raster order of first appearance.
 */
export function labelComponents(mask: BinaryMask): { labels: Int32Array; count: number } {
  const { width, height, data } = mask;
  const labels = new Int32Array(width * height);
  const parent: number[] = [0];
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]!]!;
      a = parent[a]!;
    }
    return a;
  };
  const union = (a: number, b: number): number => {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return ra;
    const [lo, hi] = ra < rb ? [ra, rb] : [rb, ra];
    parent[hi] = lo;
    return lo;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!data[i]) continue;
      // Join with the already-visited neighbours W, NW, N, NE.
      let label = x > 0 ? labels[i - 1]! : 0;
      if (y > 0) {
        const up = i - width;
        for (let k = x > 0 ? -1 : 0; k <= (x < width - 1 ? 1 : 0); k++) {
          const n = labels[up + k]!;
          if (n) label = label ? union(label, n) : n;
        }
      }
      if (!label) {
        label = parent.length;
        parent.push(label);
      }
      labels[i] = label;
    }
  }
  // Compact the roots to 1..count.
  const compact = new Int32Array(parent.length);
  let count = 0;
  for (let l = 1; l < parent.length; l++) {
    const r = find(l);
    if (!compact[r]) compact[r] = ++count;
    compact[l] = compact[r]!;
  }
  for (let i = 0; i < labels.length; i++) if (labels[i]) labels[i] = compact[labels[i]!]!;
  return { labels, count };
}

/**
 * One Polyp per connected region (area, bbox [x, y, w, h], mean probability), largest first.
 * Regions smaller than `minArea` pixels are removed from the mask (in place) and not reported.
 */
export function describeComponents(mask: BinaryMask, probabilities: ArrayLike<number>, minArea = 0): Polyp[] {
  const { labels, count } = labelComponents(mask);
  const area = new Float64Array(count + 1);
  const sum = new Float64Array(count + 1);
  const x0 = new Int32Array(count + 1).fill(mask.width);
  const y0 = new Int32Array(count + 1).fill(mask.height);
  const x1 = new Int32Array(count + 1).fill(-1);
  const y1 = new Int32Array(count + 1).fill(-1);
  for (let y = 0, i = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++, i++) {
      const l = labels[i]!;
      if (!l) continue;
      area[l]!++;
      sum[l]! += probabilities[i]!;
      if (x < x0[l]!) x0[l] = x;
      if (x > x1[l]!) x1[l] = x;
      if (y < y0[l]!) y0[l] = y;
      if (y > y1[l]!) y1[l] = y;
    }
  }
  const polyps: Polyp[] = [];
  const dropped = new Uint8Array(count + 1);
  for (let l = 1; l <= count; l++) {
    if (area[l]! < minArea) {
      dropped[l] = 1;
      continue;
    }
    polyps.push({
      area: area[l]!,
      bbox: [x0[l]!, y0[l]!, x1[l]! - x0[l]! + 1, y1[l]! - y0[l]! + 1],
      score: sum[l]! / area[l]!,
    });
  }
  if (dropped.some((d) => d))
    for (let i = 0; i < labels.length; i++) if (dropped[labels[i]!]) mask.data[i] = 0;
  return polyps.sort((a, b) => b.area - a.area);
}
