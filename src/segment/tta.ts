// Browser-safe: pure TypeScript, no Node imports.

/** Mirrors an HWC float image left-right into a new array. */
export function flipHorizontal(
  src: Float32Array,
  width: number,
  height: number,
  channels: number,
): Float32Array {
  const out = new Float32Array(src.length);
  const row = width * channels;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = y * row + x * channels;
      const d = y * row + (width - 1 - x) * channels;
      for (let c = 0; c < channels; c++) out[d + c] = src[s + c]!;
    }
  }
  return out;
}

/** Mirrors an HWC float image top-bottom. */
export function flipVertical(
  src: Float32Array,
  width: number,
  height: number,
  channels: number,
): Float32Array {
  const out = new Float32Array(src.length);
  const row = width * channels;
  for (let y = 0; y < height; y++) out.set(src.subarray(y * row, (y + 1) * row), (height - 1 - y) * row);
  return out;
}

/** The flip-TTA views of one input: identity, left-right, top-bottom (each undoes itself). */
export const TTA_VIEWS = [
  (a: Float32Array) => a,
  (a: Float32Array, w: number, h: number, c: number) => flipHorizontal(a, w, h, c),
  (a: Float32Array, w: number, h: number, c: number) => flipVertical(a, w, h, c),
] as const;
