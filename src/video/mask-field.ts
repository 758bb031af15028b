import type { Segmentation } from '../segment/types.ts';

/**
 * What the video pipeline sends ffmpeg per frame instead of a full-resolution mask: two model-size
 * planes (size x 2*size gray bytes, one above the other) that ffmpeg upscales bilinearly to the
 * frame and thresholds (src/video/overlay-filter.ts), so no JavaScript touches full-size pixels.
 *
 * - probability plane: the model's probability as a byte, clamped to the right side of the threshold
 *   byte so that "upscaled >= threshold byte" is exactly the model-size mask at the samples (regions
 *   dropped by minArea are zeroed). The still-image path thresholds the bilinearly upscaled float
 *   probabilities, so both draw the same contour up to byte rounding.
 * - distance plane: for mask samples, the distance to that contour in full-frame pixels as the outline
 *   measures it (L1, like maskBoundary's 4-neighbour erosion), first-order from the probability
 *   gradient; it is smooth near the contour, so its bilinear upscale locates the outline band.
 */
export interface FieldCoding {
  /** probability byte at or above which a pixel is polyp */
  thresholdByte: number;
  /** distance-plane bytes per full-frame pixel: outline where upscaled distance < outline * unit */
  unit: number;
}

export function fieldCoding(threshold: number, outline: number): FieldCoding {
  return {
    thresholdByte: Math.min(255, Math.max(1, Math.ceil(threshold * 255 - 1e-9))),
    unit: Math.max(1, Math.floor(254 / (outline + 1))),
  };
}

/**
 * Writes the two planes for one model-size segmentation into `out` (2 * size² bytes).
 * `scaleX`/`scaleY`: frame pixels per model pixel.
 */
export function encodeMaskField(
  seg: Pick<Segmentation, 'width' | 'height' | 'probabilities' | 'mask'>,
  threshold: number,
  coding: FieldCoding,
  scaleX: number,
  scaleY: number,
  out: Uint8Array = new Uint8Array(seg.width * seg.height * 2),
): Uint8Array {
  const { width: w, height: h, probabilities: p, mask } = seg;
  const n = w * h;
  const t8 = coding.thresholdByte;
  for (let i = 0; i < n; i++) {
    const v = Math.round(p[i]! * 255);
    out[i] = mask.data[i] ? Math.max(v, t8) : p[i]! >= threshold ? 0 : Math.min(v, t8 - 1);
  }
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      if (!mask.data[i]) {
        out[n + i] = 0;
        continue;
      }
      // central differences (one-sided at the border), per frame pixel
      const gx =
        (p[y * w + Math.min(w - 1, x + 1)]! - p[y * w + Math.max(0, x - 1)]!) /
        ((Math.min(w - 1, x + 1) - Math.max(0, x - 1) || 1) * scaleX);
      const gy =
        (p[Math.min(h - 1, y + 1) * w + x]! - p[Math.max(0, y - 1) * w + x]!) /
        ((Math.min(h - 1, y + 1) - Math.max(0, y - 1) || 1) * scaleY);
      const g = Math.max(Math.abs(gx), Math.abs(gy));
      // distance along the gradient to the threshold, in the L1 metric of a 4-neighbour erosion
      const d = g > 1e-9 ? (p[i]! - threshold) / g : Infinity;
      out[n + i] = Math.min(255, Math.round((d + 0.5) * coding.unit));
    }
  }
  return out;
}
