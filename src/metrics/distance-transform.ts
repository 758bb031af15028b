/** Distance from each pixel to the nearest foreground pixel, and which pixel that is. */
export interface DistanceTransform {
  /** Euclidean distance in pixels; 0 on foreground; Infinity when the mask has no foreground. */
  distance: Float64Array;
  /** Row-major index of the nearest foreground pixel; -1 when the mask has no foreground. */
  nearest: Int32Array;
}

/**
 * Exact Euclidean distance transform with nearest-feature indices (like MATLAB's `bwdist`), in linear
 * time: Felzenszwalb & Huttenlocher (2012), "Distance Transforms of Sampled Functions". Pass 1 finds,
 * per column, the nearest foreground row; pass 2 takes, per row, the lower envelope of the parabolas
 * (x - q)^2 + colDist2(q). Ties between equally near pixels are broken arbitrarily (as in bwdist).
 * All arithmetic is on small integers, so distances are exact.
 */
export function distanceToForeground(mask: Uint8Array, width: number, height: number): DistanceTransform {
  const n = width * height;
  const colDist2 = new Float64Array(n);
  const colRow = new Int32Array(n);
  for (let x = 0; x < width; x++) {
    let above = -1;
    for (let y = 0; y < height; y++) {
      if (mask[y * width + x]) above = y;
      colRow[y * width + x] = above;
    }
    let below = -1;
    for (let y = height - 1; y >= 0; y--) {
      const i = y * width + x;
      if (mask[i]) below = y;
      const up = colRow[i];
      const row = up < 0 || (below >= 0 && below - y < y - up) ? below : up;
      colRow[i] = row;
      colDist2[i] = row < 0 ? Infinity : (y - row) * (y - row);
    }
  }

  const distance = new Float64Array(n);
  const nearest = new Int32Array(n);
  const v = new Int32Array(width); // columns whose parabolas form the lower envelope
  const z = new Float64Array(width + 1); // where each envelope parabola starts
  for (let y = 0; y < height; y++) {
    const base = y * width;
    const f = (q: number) => colDist2[base + q];
    const meet = (p: number, q: number) => (f(q) + q * q - (f(p) + p * p)) / (2 * (q - p));
    let k = -1;
    for (let q = 0; q < width; q++) {
      if (f(q) === Infinity) continue; // no foreground in this column
      if (k < 0) {
        k = 0;
        v[0] = q;
        z[0] = -Infinity;
        z[1] = Infinity;
        continue;
      }
      let s = meet(v[k], q);
      while (s <= z[k]) s = meet(v[--k], q);
      k++;
      v[k] = q;
      z[k] = s;
      z[k + 1] = Infinity;
    }
    if (k < 0) {
      distance.fill(Infinity, base, base + width);
      nearest.fill(-1, base, base + width);
      continue;
    }
    let j = 0;
    for (let x = 0; x < width; x++) {
      while (z[j + 1] < x) j++;
      const q = v[j];
      distance[base + x] = Math.sqrt((x - q) * (x - q) + f(q));
      nearest[base + x] = colRow[base + q] * width + q;
    }
  }
  return { distance, nearest };
}
