/** A normalised 1-D Gaussian of odd `size` (sum 1). Its outer product with itself is MATLAB's
 * `fspecial('gaussian', size, sigma)`, which is separable. */
export function gaussianKernel1d(size: number, sigma: number): Float64Array {
  const r = (size - 1) / 2;
  const k = new Float64Array(size);
  let sum = 0;
  for (let i = 0; i < size; i++) {
    k[i] = Math.exp(-((i - r) ** 2) / (2 * sigma * sigma));
    sum += k[i];
  }
  for (let i = 0; i < size; i++) k[i] /= sum;
  return k;
}

/**
 * 2-D filtering with the separable kernel `k ⊗ k`, zero padding, same-size output — MATLAB's
 * `imfilter(img, K)` default for a symmetric kernel. Separating is exact with zero padding:
 * rows first, then columns.
 */
export function filterSeparable(
  src: Float64Array,
  width: number,
  height: number,
  k: Float64Array,
): Float64Array {
  const r = (k.length - 1) / 2;
  const tmp = new Float64Array(src.length);
  for (let y = 0; y < height; y++) {
    const base = y * width;
    for (let x = 0; x < width; x++) {
      let acc = 0;
      const lo = Math.max(0, x - r);
      const hi = Math.min(width - 1, x + r);
      for (let xx = lo; xx <= hi; xx++) acc += k[xx - x + r] * src[base + xx];
      tmp[base + x] = acc;
    }
  }
  const out = new Float64Array(src.length);
  for (let y = 0; y < height; y++) {
    const lo = Math.max(0, y - r);
    const hi = Math.min(height - 1, y + r);
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let yy = lo; yy <= hi; yy++) acc += k[yy - y + r] * tmp[yy * width + x];
      out[y * width + x] = acc;
    }
  }
  return out;
}
