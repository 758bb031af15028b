import { createImage, type BinaryMask, type RawImage } from '../data/raw-image.ts';

export type Rgb = readonly [number, number, number];

/** Copy of `image` (RGB) with the boundary of `mask` drawn in `colour`, `thickness` pixels wide. */
export function drawOutline(image: RawImage, mask: BinaryMask, colour: Rgb, thickness = 2): RawImage {
  const { width: w, height: h } = mask;
  if (image.width !== w || image.height !== h) throw new RangeError('outline mask and image differ in size');
  const out: RawImage = { ...image, data: image.data.slice() };
  const ch = image.channels;
  const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < w && y < h && mask.data[y * w + x] === 1;
  const r = Math.max(0, thickness - 1);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const me = inside(x, y);
      // an edge pixel: inside and touching outside (inner line), or outside within r of inside (outer line)
      let edge = false;
      if (me) edge = !inside(x - 1, y) || !inside(x + 1, y) || !inside(x, y - 1) || !inside(x, y + 1);
      else
        for (let dy = -r; dy <= r && !edge; dy++)
          for (let dx = -r; dx <= r && !edge; dx++) if ((dx || dy) && inside(x + dx, y + dy)) edge = true;
      if (!edge) continue;
      const i = (y * w + x) * ch;
      out.data[i] = colour[0];
      out.data[i + 1] = colour[1];
      out.data[i + 2] = colour[2];
    }
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
  for (let i = 0; i < W * H; i++) sheet.data.set(bg, i * 3);
  groups.forEach((group, g) => {
    const gx = groupGap + (g % cols) * (gw + groupGap);
    const gy = groupGap + Math.floor(g / cols) * (chh + gap * 2);
    group.forEach((cell, k) => blit(sheet, cell, gx + k * (cw + gap), gy));
  });
  return sheet;
}

function blit(dst: RawImage, src: RawImage, ox: number, oy: number): void {
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
