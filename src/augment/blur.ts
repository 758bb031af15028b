/** Separable Gaussian blur on interleaved float planes; borders clamp to the edge pixel. */

/** Normalised 1-D Gaussian kernel with radius ceil(3 sigma). */
export function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i]! /= sum;
  return k;
}

/**
 * Blurs `src` (width x height x channels, interleaved) and returns a new array. sigma <= 0 returns a copy.
 */
export function blurPlanes(
  src: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
  sigma: number,
): Float32Array {
  const out = Float32Array.from(src);
  if (!(sigma > 0)) return out;
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) >> 1;
  const tmp = new Float32Array(out.length);
  // horizontal pass: out -> tmp
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let i = -r; i <= r; i++) {
          let xx = x + i;
          xx = xx < 0 ? 0 : xx >= width ? width - 1 : xx;
          acc += k[i + r]! * out[(row + xx) * channels + c]!;
        }
        tmp[(row + x) * channels + c] = acc;
      }
    }
  }
  // vertical pass: tmp -> out
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let i = -r; i <= r; i++) {
          let yy = y + i;
          yy = yy < 0 ? 0 : yy >= height ? height - 1 : yy;
          acc += k[i + r]! * tmp[(yy * width + x) * channels + c]!;
        }
        out[(y * width + x) * channels + c] = acc;
      }
    }
  }
  return out;
}
