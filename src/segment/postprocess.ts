// Browser-safe: pure TypeScript, no Node imports.
import { describeComponents, LabelSets } from './components.ts';
import { bilinearRows, resizeBilinear } from './resize.ts';
import type { MaskSegmentation, Polyp, Segmentation } from './types.ts';

/** Channel `channel` of an HWC map with `channels` channels (the mask is the last one). */
export function channelOf(data: Float32Array, channels: number, channel = channels - 1): Float32Array {
  if (channels === 1) return data;
  const n = data.length / channels;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = data[i * channels + channel]!;
  return out;
}

export interface PostprocessOptions {
  /** probability >= threshold is polyp */
  threshold: number;
  /** drop connected regions smaller than this many pixels (at the image's size); default 0 */
  minArea?: number;
}

/**
 * Model-size probability map (size x size, one channel) -> Segmentation at width x height:
 * bilinear resize back, threshold, connected components, coverage.
 */
export function postprocess(
  probabilities: Float32Array,
  size: number,
  width: number,
  height: number,
  opts: PostprocessOptions,
): Segmentation {
  const probs =
    size === width && size === height
      ? probabilities
      : resizeBilinear(probabilities, size, size, 1, width, height);
  const mask = { width, height, data: new Uint8Array(width * height) };
  for (let i = 0; i < probs.length; i++) mask.data[i] = probs[i]! >= opts.threshold ? 1 : 0;
  const polyps = describeComponents(mask, probs, opts.minArea ?? 0);
  let on = 0;
  for (let i = 0; i < mask.data.length; i++) on += mask.data[i]!;
  return { width, height, probabilities: probs, mask, coverage: on / mask.data.length, polyps };
}

/**
 * postprocess without the full-size probability plane, for large images: the probabilities are
 * upscaled one row at a time, thresholded into the mask and labelled with a two-row union-find,
 * and a second pass over regenerated rows sums each region's probability and clears the regions
 * under minArea. Mask, polyps and coverage are identical to postprocess's (same rows, same 8-connected
 * labels in the same raster order, the same summation order); memory is the 1-byte mask plus
 * O(width + regions) instead of ~9 bytes per pixel (float probabilities, int32 labels, mask).
 */
export function postprocessMask(
  probabilities: Float32Array,
  size: number,
  width: number,
  height: number,
  opts: PostprocessOptions,
): MaskSegmentation {
  const same = size === width && size === height;
  const resized = same ? null : bilinearRows(probabilities, size, size, width, height);
  const buffer = new Float32Array(width);
  const rowOf = (y: number): Float32Array => {
    if (!resized) return probabilities.subarray(y * width, (y + 1) * width);
    resized(y, buffer);
    return buffer;
  };
  const data = new Uint8Array(width * height);
  const { threshold } = opts;

  // Pass 1: threshold, provisional labels (labelComponents' rule), union-find, per-label area and bbox.
  const sets = new LabelSets();
  const area: number[] = [0];
  const x0: number[] = [0];
  const y0: number[] = [0];
  const x1: number[] = [0];
  const y1: number[] = [0];
  let prev = new Int32Array(width);
  let cur = new Int32Array(width);
  let firstRow = -1;
  let lastRow = -1;
  for (let y = 0; y < height; y++) {
    const p = rowOf(y);
    const base = y * width;
    let any = false;
    for (let x = 0; x < width; x++) {
      if (!(p[x]! >= threshold)) {
        cur[x] = 0;
        continue;
      }
      data[base + x] = 1;
      any = true;
      const label = sets.labelPixel(x > 0 ? cur[x - 1]! : 0, y > 0 ? prev : null, 0, x, width);
      if (label === area.length) {
        // a new provisional label: its stats start here
        area.push(0);
        x0.push(x);
        y0.push(y);
        x1.push(x + 1);
        y1.push(y + 1);
      }
      cur[x] = label;
      area[label]!++;
      if (x < x0[label]!) x0[label] = x;
      if (x + 1 > x1[label]!) x1[label] = x + 1;
      y1[label] = y + 1;
    }
    if (any) {
      if (firstRow < 0) firstRow = y;
      lastRow = y;
    }
    [prev, cur] = [cur, prev];
  }

  // Roots to components 1..count in order of first appearance (labelComponents' numbering), stats merged.
  const compact = new Int32Array(sets.size);
  const regions: Array<{ area: number; x0: number; y0: number; x1: number; y1: number }> = [];
  for (let l = 1; l < sets.size; l++) {
    const r = sets.find(l);
    if (!compact[r]) {
      regions.push({ area: 0, x0: width, y0: height, x1: 0, y1: 0 });
      compact[r] = regions.length;
    }
    compact[l] = compact[r]!;
    const c = regions[compact[l]! - 1]!;
    c.area += area[l]!;
    c.x0 = Math.min(c.x0, x0[l]!);
    c.y0 = Math.min(c.y0, y0[l]!);
    c.x1 = Math.max(c.x1, x1[l]!);
    c.y1 = Math.max(c.y1, y1[l]!);
  }
  const minArea = opts.minArea ?? 0;
  const dropped = regions.map((c) => c.area < minArea);

  // Pass 2: the same raster walk gives every pixel its region (a new provisional label exactly
  // where pass 1 made one); sum probabilities in raster order and clear the dropped regions.
  const sum = new Float64Array(regions.length + 1);
  let next = 1;
  prev.fill(0);
  for (let y = firstRow; y >= 0 && y <= lastRow; y++) {
    const p = rowOf(y);
    const base = y * width;
    for (let x = 0; x < width; x++) {
      if (!data[base + x]) {
        cur[x] = 0;
        continue;
      }
      let region = x > 0 ? cur[x - 1]! : 0;
      if (!region && y > 0)
        for (let k = x > 0 ? -1 : 0; k <= (x < width - 1 ? 1 : 0) && !region; k++) region = prev[x + k]!;
      if (!region) region = compact[next++]!;
      cur[x] = region;
      sum[region]! += p[x]!;
      if (dropped[region - 1]) data[base + x] = 0;
    }
    [prev, cur] = [cur, prev];
  }
  const polyps: Polyp[] = [];
  let on = 0;
  regions.forEach((c, k) => {
    if (dropped[k]) return;
    on += c.area;
    polyps.push({ area: c.area, bbox: [c.x0, c.y0, c.x1 - c.x0, c.y1 - c.y0], score: sum[k + 1]! / c.area });
  });
  polyps.sort((a, b) => b.area - a.area);
  return { width, height, mask: { width, height, data }, coverage: on / data.length, polyps };
}
