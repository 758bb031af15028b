import { createMask, type BinaryMask, type RawImage } from '../data/raw-image.ts';
import { erode, fillHoles, largestComponent } from './morphology.ts';

export interface VisibleAreaOptions {
  /** pixels with luma at or below this (0-255) are border / too dark to paste on */
  lumaThreshold: number;
  /** erosion radius as a fraction of min(width, height), to keep clear of the rim */
  erodeFraction: number;
}

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * The ScopeGuide inset: a teal-green thumbnail some Kvasir-SEG images carry in the lower-left corner.
 * Found by colour (clearly green, far greener than red) in the lower-left quadrant; returns its bounding box
 * grown to the image's left and bottom edges (the inset's dark frame and drawings go with it), or null.
 */
export function findScopeGuideInset(image: RawImage): Box | null {
  const { width: w, height: h, channels: ch, data } = image;
  let n = 0;
  let x1 = 0;
  let y0 = h;
  for (let y = h >> 1; y < h; y++)
    for (let x = 0; x < w >> 1; x++) {
      const i = (y * w + x) * ch;
      const r = data[i]!;
      const g = data[i + 1]!;
      const b = data[i + 2]!;
      if (g > 80 && g > r + 50 && g > b + 10) {
        n++;
        if (x + 1 > x1) x1 = x + 1;
        if (y < y0) y0 = y;
      }
    }
  // A real inset covers a few percent of the image; scattered greenish specks do not count.
  if (n < 0.005 * w * h) return null;
  const pad = Math.ceil(0.02 * Math.min(w, h));
  return { x0: 0, y0: Math.max(0, y0 - pad), x1: Math.min(w, x1 + pad), y1: h };
}

/**
 * Where a polyp may be pasted: the endoscope's lit field of view. Pixels brighter than a luma threshold,
 * largest connected region only (drops burnt-in text on the black border), eroded so pastes keep off the
 * rim, minus the ScopeGuide inset. Dark lumen inside the view is excluded as well, which is fine: a polyp
 * pasted into the dark lumen would not look real either.
 */
export function visibleArea(image: RawImage, opts: VisibleAreaOptions): BinaryMask {
  const { width: w } = image;
  const r = Math.round(opts.erodeFraction * Math.min(w, image.height));
  const area = largestComponent(erode(brightPixels(image, opts.lumaThreshold), r));
  removeInset(area, image);
  return area;
}

/**
 * The endoscope's whole field of view: like visibleArea but with dark regions enclosed by it (the lumen)
 * filled in and no erosion. Used on donors, where the mucosa around a polyp may be dark but must be real
 * image, not black border.
 */
export function fieldOfView(image: RawImage, lumaThreshold: number): BinaryMask {
  const area = fillHoles(largestComponent(brightPixels(image, lumaThreshold)));
  removeInset(area, image);
  return area;
}

function brightPixels(image: RawImage, threshold: number): BinaryMask {
  const { width: w, height: h, channels: ch, data } = image;
  const bright = createMask(w, h);
  for (let p = 0, i = 0; p < w * h; p++, i += ch) {
    const luma = ch >= 3 ? 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]! : data[i]!;
    bright.data[p] = luma > threshold ? 1 : 0;
  }
  return bright;
}

function removeInset(area: BinaryMask, image: RawImage): void {
  const inset = image.channels >= 3 ? findScopeGuideInset(image) : null;
  if (!inset) return;
  for (let y = inset.y0; y < inset.y1; y++)
    area.data.fill(0, y * area.width + inset.x0, y * area.width + inset.x1);
}
