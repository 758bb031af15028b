// Browser-safe: pure TypeScript, no Node imports. Shared by predict --overlay, video, server and web.
import type { BinaryMask, RawImage } from '../data/raw-image.ts';
import { PolypsegError } from '../errors.ts';

export interface OverlayOptions {
  /** fill colour, '#RRGGBB' or [r, g, b]; default '#00FF66' */
  color?: string | [number, number, number];
  /** fill opacity 0..1; default 0.4 (0 = outline only) */
  opacity?: number;
  /** draw the region boundary in the opaque colour; default false */
  outline?: boolean;
  /** outline thickness in pixels; default ~ image size / 300, at least 1 */
  outlineWidth?: number;
}

export const DEFAULT_OVERLAY_COLOR = '#00FF66';

/** '#RRGGBB' (or 'RRGGBB', '#RGB') -> [r, g, b]; PolypsegError otherwise. */
export function parseColor(color: string | [number, number, number]): [number, number, number] {
  if (Array.isArray(color)) {
    if (color.length === 3 && color.every((c) => Number.isInteger(c) && c >= 0 && c <= 255)) return color;
    throw new PolypsegError(`colour [${color}] must be three integers 0..255`, 'BAD_COLOR');
  }
  let hex = color.trim().replace(/^#/, '');
  if (/^[0-9a-f]{3}$/i.test(hex)) hex = [...hex].map((c) => c + c).join('');
  if (!/^[0-9a-f]{6}$/i.test(hex)) throw new PolypsegError(`colour '${color}' is not #RRGGBB`, 'BAD_COLOR');
  return [parseInt(hex.slice(0, 2), 16), parseInt(hex.slice(2, 4), 16), parseInt(hex.slice(4, 6), 16)];
}

/**
 * Pixels of the mask within `width` pixels of its boundary: those that `width` rounds of one-pixel
 * 4-neighbour erosion (off-image counting as background) remove, i.e. whose city-block distance to
 * the nearest background pixel is at most `width`. Two raster passes of a distance transform
 * (capped at width + 1, kept in the returned array), so a wide outline on a 40-megapixel frame
 * costs one byte per pixel and two passes rather than `width` passes and arrays.
 */
export function maskBoundary(mask: BinaryMask, width = 1): Uint8Array {
  const { width: w, height: h, data } = mask;
  const n = w * h;
  if (!(width > 0)) return new Uint8Array(n);
  // distances beyond width are all "interior": capped at width + 1, a byte holds them for the
  // outlines polypseg draws (a few px); the result reuses that byte array
  const cap = Math.ceil(width) + 1;
  const d = cap <= 255 ? new Uint8Array(n) : new Int32Array(n);
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      if (!data[i]) continue;
      const up = y > 0 ? d[i - w]! : 0;
      const left = x > 0 ? d[i - 1]! : 0;
      d[i] = Math.min(cap, (up < left ? up : left) + 1);
    }
  }
  for (let y = h - 1, i = n - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--, i--) {
      const v = d[i]!;
      if (!v) continue;
      const down = y < h - 1 ? d[i + w]! : 0;
      const right = x < w - 1 ? d[i + 1]! : 0;
      const via = (down < right ? down : right) + 1;
      if (via < v) d[i] = via;
    }
  }
  const edge = d instanceof Uint8Array ? d : new Uint8Array(n);
  for (let i = 0; i < n; i++) edge[i] = d[i]! && d[i]! < cap ? 1 : 0;
  return edge;
}

/**
 * An overlay's resolved look at a given frame size: the colour, the integer blend weight `alpha256`
 * (out = (src * (256 - a) + colour * a) >> 8) and the outline thickness in pixels (0 = no outline).
 * The server video's ffmpeg compositing (src/video/overlay-filter.ts) uses the same numbers, so
 * stills, video and page look alike.
 */
export interface OverlayStyle {
  rgb: [number, number, number];
  alpha256: number;
  outline: number;
}

export function overlayStyle(width: number, height: number, opts: OverlayOptions = {}): OverlayStyle {
  const rgb = parseColor(opts.color ?? DEFAULT_OVERLAY_COLOR);
  const alpha = opts.opacity ?? 0.4;
  if (!(alpha >= 0 && alpha <= 1))
    throw new PolypsegError(`opacity ${alpha} is not within 0..1`, 'BAD_OPACITY');
  const outline = opts.outline
    ? (opts.outlineWidth ?? Math.max(1, Math.round(Math.min(width, height) / 300)))
    : 0;
  return { rgb, alpha256: Math.round(alpha * 256), outline };
}

/** Blends the mask into `image` in place (RGB or RGBA; alpha untouched). */
export function drawOverlay(image: RawImage, mask: BinaryMask, opts: OverlayOptions = {}): void {
  if (image.width !== mask.width || image.height !== mask.height)
    throw new PolypsegError(
      `mask ${mask.width}x${mask.height} does not match image ${image.width}x${image.height}`,
      'OVERLAY_SIZE',
    );
  if (image.channels < 3) throw new PolypsegError('overlay needs an RGB or RGBA image', 'OVERLAY_CHANNELS');
  const { rgb, alpha256: a, outline } = overlayStyle(image.width, image.height, opts);
  const [r, g, b] = rgb;
  const ch = image.channels;
  const px = image.data;
  // Integer blend: out = (src * (256 - a) + colour * a) >> 8
  const ra = r * a;
  const ga = g * a;
  const ba = b * a;
  const keep = 256 - a;
  if (a > 0) {
    for (let i = 0, p = 0; i < mask.data.length; i++, p += ch) {
      if (!mask.data[i]) continue;
      px[p] = (px[p]! * keep + ra) >> 8;
      px[p + 1] = (px[p + 1]! * keep + ga) >> 8;
      px[p + 2] = (px[p + 2]! * keep + ba) >> 8;
    }
  }
  if (outline) {
    const edge = maskBoundary(mask, outline);
    for (let i = 0, p = 0; i < edge.length; i++, p += ch) {
      if (!edge[i]) continue;
      px[p] = r;
      px[p + 1] = g;
      px[p + 2] = b;
    }
  }
}

/** A copy of `image` with the mask overlaid (see drawOverlay). */
export function overlayMask(image: RawImage, mask: BinaryMask, opts: OverlayOptions = {}): RawImage {
  // a copy even for a Node Buffer, whose slice() is a view
  const copy = { ...image, data: new Uint8Array(image.data) };
  drawOverlay(copy, mask, opts);
  return copy;
}

/** Convenience for servers/CLIs: overlay a Segmentation's (or a bare) mask onto a copy of the image. */
export function renderOverlay(
  image: RawImage,
  result: { mask: BinaryMask } | BinaryMask,
  opts: OverlayOptions = {},
): RawImage {
  return overlayMask(image, 'mask' in result ? result.mask : result, opts);
}

/**
 * The overlay as a transparent RGBA layer the size of the mask: fill pixels carry the colour at the
 * overlay's opacity, outline pixels are opaque, the rest is clear. Source-over compositing of this
 * layer gives drawOverlay's blend (to rounding); a canvas can scale it over a larger picture, so the
 * page's live mode draws a small mask over a full-size camera frame without touching its pixels.
 */
export function overlayLayer(mask: BinaryMask, opts: OverlayOptions = {}): RawImage {
  const { rgb, alpha256, outline } = overlayStyle(mask.width, mask.height, opts);
  const data = new Uint8Array(mask.data.length * 4);
  const fill = Math.min(255, alpha256);
  const edge = outline ? maskBoundary(mask, outline) : undefined;
  for (let i = 0, p = 0; i < mask.data.length; i++, p += 4) {
    if (!mask.data[i]) continue;
    data[p] = rgb[0];
    data[p + 1] = rgb[1];
    data[p + 2] = rgb[2];
    data[p + 3] = edge?.[i] ? 255 : fill;
  }
  return { width: mask.width, height: mask.height, channels: 4, data };
}
