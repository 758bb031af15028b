// Browser-safe: pure TypeScript, no Node imports (the web app and Node must resize identically).

/** Sparse 1-D resampling weights: for output i, taps src[start[i] .. start[i]+count[i]). */
interface AxisWeights {
  start: Int32Array;
  count: Int32Array;
  /** `taps` weights per output, zero-padded */
  weights: Float32Array;
  taps: number;
}

const cache = new Map<string, AxisWeights>();

/**
 * Triangle-filter weights with half-pixel centres. Upscaling is plain bilinear; downscaling widens
 * the filter by the scale factor (antialiased, like libvips/sharp's 'linear' kernel that training
 * uses), so a 1920-px frame does not alias when shrunk to the model's input.
 */
function axisWeights(inSize: number, outSize: number): AxisWeights {
  const key = `${inSize}>${outSize}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // triangle radius 1, stretched
  const taps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float32Array(outSize * taps);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support));
    const hi = Math.min(inSize, Math.ceil(center + support));
    let total = 0;
    let n = 0;
    for (let x = lo; x < hi && n < taps; x++, n++) {
      const w = Math.max(0, 1 - Math.abs((x + 0.5 - center) / filterScale));
      weights[i * taps + n] = w;
      total += w;
    }
    // Renormalise (edges see fewer taps); a zero total cannot happen for support >= 1.
    for (let k = 0; k < n; k++) weights[i * taps + k]! /= total;
    start[i] = lo;
    count[i] = n;
  }
  const result = { start, count, weights, taps };
  if (cache.size > 64) cache.clear();
  cache.set(key, result);
  return result;
}

/** The horizontal pass of resizeBilinear: height x outWidth x channels, float32. */
function resizeRowsHorizontally(
  src: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
  outWidth: number,
): Float32Array {
  // RGB and single-channel maps get unrolled loops
  const tmp = new Float32Array(height * outWidth * channels);
  const { start, count, weights, taps } = axisWeights(width, outWidth);
  for (let y = 0; y < height; y++) {
    const row = y * width * channels;
    let o = y * outWidth * channels;
    for (let x = 0; x < outWidth; x++, o += channels) {
      const n = count[x]!;
      const wo = x * taps;
      let p = row + start[x]! * channels;
      if (channels === 3) {
        let r = 0;
        let g = 0;
        let b = 0;
        for (let k = 0; k < n; k++, p += 3) {
          const w = weights[wo + k]!;
          r += w * src[p]!;
          g += w * src[p + 1]!;
          b += w * src[p + 2]!;
        }
        tmp[o] = r;
        tmp[o + 1] = g;
        tmp[o + 2] = b;
      } else if (channels === 1) {
        let acc = 0;
        for (let k = 0; k < n; k++) acc += weights[wo + k]! * src[p + k]!;
        tmp[o] = acc;
      } else {
        for (let c = 0; c < channels; c++) {
          let acc = 0;
          for (let k = 0; k < n; k++) acc += weights[wo + k]! * src[p + k * channels + c]!;
          tmp[o + c] = acc;
        }
      }
    }
  }
  return tmp;
}

/** Output row `y` of the vertical pass over `tmp` (rows of `stride` values), added into `out` (zeroed). */
function verticalRow(
  tmp: Float32Array,
  stride: number,
  wy: AxisWeights,
  y: number,
  out: Float32Array,
  o: number,
) {
  const s = wy.start[y]!;
  const n = wy.count[y]!;
  const wo = y * wy.taps;
  for (let k = 0; k < n; k++) {
    const w = wy.weights[wo + k]!;
    const r = (s + k) * stride;
    for (let i = 0; i < stride; i++) out[o + i]! += w * tmp[r + i]!;
  }
}

/**
 * Resizes an interleaved (HWC) image or map with a separable triangle filter.
 * `src` may be uint8 or float; the result is float32 (values are not rounded).
 */
export function resizeBilinear(
  src: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
  outWidth: number,
  outHeight: number,
): Float32Array {
  if (src.length !== width * height * channels)
    throw new Error(`resize: ${src.length} values for ${width}x${height}x${channels}`);
  const tmp = resizeRowsHorizontally(src, width, height, channels, outWidth);
  const wy = axisWeights(height, outHeight);
  const out = new Float32Array(outHeight * outWidth * channels);
  const stride = outWidth * channels;
  for (let y = 0; y < outHeight; y++) verticalRow(tmp, stride, wy, y, out, y * stride);
  return out;
}

/**
 * resizeBilinear of a single-channel map, one output row at a time: `row(y, out)` writes row `y`
 * (outWidth values, bit-identical to resizeBilinear's) into `out`. Only the small horizontal pass
 * (height x outWidth) is kept, so upscaling a model-size map to a 40-megapixel image costs a few MB
 * instead of a 160 MB float plane.
 */
export function bilinearRows(
  src: ArrayLike<number>,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
): (y: number, out: Float32Array) => void {
  if (src.length !== width * height) throw new Error(`resize: ${src.length} values for ${width}x${height}x1`);
  const tmp = resizeRowsHorizontally(src, width, height, 1, outWidth);
  const wy = axisWeights(height, outHeight);
  return (y, out) => {
    out.fill(0, 0, outWidth);
    verticalRow(tmp, outWidth, wy, y, out, 0);
  };
}
