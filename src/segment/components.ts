// Browser-safe: pure TypeScript, no Node imports. The one home of connected components (segmentation
// post-processing and the augmentation's morphology both use it).
import type { BinaryMask } from '../data/raw-image.ts';
import type { Polyp } from './types.ts';

/**
 * 8-connected component labelling (one raster pass with union-find, then a relabel pass).
 * Returns labels (0 = background, 1..count) in raster order of first appearance.
 */
/**
 * Provisional component labels, joined as a raster scan finds them touching: union-find with path
 * halving, where a union keeps the smaller root, so each root is its component's first-seen label.
 * Label 0 is background. Shared by labelComponents and the row-by-row post-processing.
 */
export class LabelSets {
  private readonly parent: number[] = [0];

  /** labels made so far, plus one (label 0) */
  get size(): number {
    return this.parent.length;
  }

  find(a: number): number {
    const parent = this.parent;
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]!]!;
      a = parent[a]!;
    }
    return a;
  }

  private union(a: number, b: number): number {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return ra;
    const [lo, hi] = ra < rb ? [ra, rb] : [rb, ra];
    this.parent[hi] = lo;
    return lo;
  }

  /**
   * The label of a foreground pixel at column `x`: its west neighbour's (`left`, 0 if none) joined
   * with the already-visited neighbours above (NW, N, NE at `above[offset + x - 1 .. + 1]`; `above`
   * null on the first row), or a new label (= the previous `size`) when it touches none.
   */
  labelPixel(left: number, above: Int32Array | null, offset: number, x: number, width: number): number {
    let label = left;
    if (above) {
      for (let k = x > 0 ? -1 : 0; k <= (x < width - 1 ? 1 : 0); k++) {
        const n = above[offset + x + k]!;
        if (n) label = label ? this.union(label, n) : n;
      }
    }
    if (label) return label;
    label = this.parent.length;
    this.parent.push(label);
    return label;
  }
}

export function labelComponents(mask: BinaryMask): { labels: Int32Array; count: number } {
  const { width, height, data } = mask;
  const labels = new Int32Array(width * height);
  const sets = new LabelSets();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!data[i]) continue;
      labels[i] = sets.labelPixel(x > 0 ? labels[i - 1]! : 0, y > 0 ? labels : null, i - width - x, x, width);
    }
  }
  // Compact the roots to 1..count.
  const compact = new Int32Array(sets.size);
  let count = 0;
  for (let l = 1; l < sets.size; l++) {
    const r = sets.find(l);
    if (!compact[r]) compact[r] = ++count;
    compact[l] = compact[r]!;
  }
  for (let i = 0; i < labels.length; i++) if (labels[i]) labels[i] = compact[labels[i]!]!;
  return { labels, count };
}

export interface Component {
  /** label in `labels` (1-based) */
  label: number;
  area: number;
  /** bounding box, inclusive min, exclusive max */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface Components {
  /** per pixel: 0 = background, k = component k */
  labels: Int32Array;
  /** components[k - 1] describes label k */
  components: Component[];
}

/** 8-connected components of a mask with each one's area and bounding box (labels as labelComponents). */
export function connectedComponents(mask: BinaryMask): Components {
  const { width } = mask;
  const { labels, count } = labelComponents(mask);
  const components: Component[] = Array.from({ length: count }, (_, k) => ({
    label: k + 1,
    area: 0,
    x0: width,
    y0: mask.height,
    x1: 0,
    y1: 0,
  }));
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!l) continue;
    const c = components[l - 1]!;
    const x = i % width;
    const y = (i - x) / width;
    c.area++;
    if (x < c.x0) c.x0 = x;
    if (x + 1 > c.x1) c.x1 = x + 1;
    if (y < c.y0) c.y0 = y;
    c.y1 = y + 1;
  }
  return { labels, components };
}

/**
 * One Polyp per connected region (area, bbox [x, y, w, h], mean probability), largest first.
 * Regions smaller than `minArea` pixels are removed from the mask (in place) and not reported.
 */
export function describeComponents(mask: BinaryMask, probabilities: ArrayLike<number>, minArea = 0): Polyp[] {
  const { labels, components } = connectedComponents(mask);
  const sum = new Float64Array(components.length + 1);
  for (let i = 0; i < labels.length; i++) if (labels[i]) sum[labels[i]!]! += probabilities[i]!;
  const polyps: Polyp[] = [];
  const dropped = new Uint8Array(components.length + 1);
  for (const c of components) {
    if (c.area < minArea) {
      dropped[c.label] = 1;
      continue;
    }
    polyps.push({
      area: c.area,
      bbox: [c.x0, c.y0, c.x1 - c.x0, c.y1 - c.y0],
      score: sum[c.label]! / c.area,
    });
  }
  if (dropped.some((d) => d))
    for (let i = 0; i < labels.length; i++) if (dropped[labels[i]!]) mask.data[i] = 0;
  return polyps.sort((a, b) => b.area - a.area);
}
