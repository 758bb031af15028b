import { createImage, type BinaryMask, type RawImage } from '../data/raw-image.ts';
import { maskBoundary } from '../segment/overlay.ts';
import { dilate } from './morphology.ts';

export type Rgb = readonly [number, number, number];

/** Copy of `image` (RGB) with the boundary of `mask` drawn in `colour`, `thickness` pixels wide. */
export function drawOutline(image: RawImage, mask: BinaryMask, colour: Rgb, thickness = 2): RawImage {
  const { width: w, height: h, data: m } = mask;
  if (image.width !== w || image.height !== h) throw new RangeError('outline mask and image differ in size');
  const edge = maskBoundary(mask, 1);
  // Thicker lines grow outwards (unlike the app's overlay), so the polyp itself stays visible on the sheets.
  const grown = thickness > 1 ? dilate({ width: w, height: h, data: edge }, thickness - 1).data : edge;
  const out: RawImage = { ...image, data: image.data.slice() };
  const ch = image.channels;
  for (let p = 0; p < w * h; p++) if (edge[p] || (grown[p] && !m[p])) out.data.set(colour, p * ch);
  return out;
}

export interface SheetOptions {
  /** groups side by side per row */
  groupsPerRow: number;
  /** pixels between cells of a group */
  gap?: number;
  /** pixels between groups */
  groupGap?: number;
  background?: Rgb;
}

/**
 * Tiles groups of RGB cells (e.g. [original, augmented...]) into one image: cells of a group sit side by
 * side, groups flow left to right, top to bottom. Cells may differ in size; each slot fits the largest.
 */
export function contactSheet(groups: readonly (readonly RawImage[])[], opts: SheetOptions): RawImage {
  const gap = opts.gap ?? 2;
  const groupGap = opts.groupGap ?? 12;
  const bg = opts.background ?? [255, 255, 255];
  const cells = groups.flat();
  if (cells.length === 0) throw new RangeError('contact sheet needs at least one image');
  const cw = Math.max(...cells.map((c) => c.width));
  const chh = Math.max(...cells.map((c) => c.height));
  const perGroup = Math.max(...groups.map((g) => g.length));
  const cols = Math.min(opts.groupsPerRow, groups.length);
  const rows = Math.ceil(groups.length / cols);
  const gw = perGroup * cw + (perGroup - 1) * gap;
  const W = cols * gw + (cols + 1) * groupGap;
  const H = rows * chh + (rows - 1) * gap * 2 + 2 * groupGap;
  const sheet = createImage(W, H, 3);
  sheet.data.set(bg);
  for (let filled = 3; filled < sheet.data.length; filled *= 2) sheet.data.copyWithin(filled, 0, filled);
  groups.forEach((group, g) => {
    const gx = groupGap + (g % cols) * (gw + groupGap);
    const gy = groupGap + Math.floor(g / cols) * (chh + gap * 2);
    group.forEach((cell, k) => blit(sheet, cell, gx + k * (cw + gap), gy));
  });
  return sheet;
}

function blit(dst: RawImage, src: RawImage, ox: number, oy: number): void {
  if (src.channels === 3) {
    for (let y = 0; y < src.height; y++)
      dst.data.set(
        src.data.subarray(y * src.width * 3, (y + 1) * src.width * 3),
        ((oy + y) * dst.width + ox) * 3,
      );
    return;
  }
  for (let y = 0; y < src.height; y++)
    for (let x = 0; x < src.width; x++) {
      const s = (y * src.width + x) * src.channels;
      const d = ((oy + y) * dst.width + ox + x) * 3;
      const grey = src.channels < 3;
      dst.data[d] = src.data[s]!;
      dst.data[d + 1] = src.data[grey ? s : s + 1]!;
      dst.data[d + 2] = src.data[grey ? s : s + 2]!;
    }
}
