import { createImage, createMask, type BinaryMask, type RawImage, type Sample } from '../data/raw-image.ts';

/**
 * A 2-D affine map [a, b, c, d, e, f]: x' = a x + b y + c, y' = d x + e y + f, in pixel-centre
 * coordinates (pixel (i, j) sits at x = i, y = j).
 */
export type Affine = readonly [number, number, number, number, number, number];

export const IDENTITY: Affine = [1, 0, 0, 0, 1, 0];

/** p -> outer(inner(p)) */
export function compose(outer: Affine, inner: Affine): Affine {
  const [a1, b1, c1, d1, e1, f1] = outer;
  const [a2, b2, c2, d2, e2, f2] = inner;
  return [
    a1 * a2 + b1 * d2,
    a1 * b2 + b1 * e2,
    a1 * c2 + b1 * f2 + c1,
    d1 * a2 + e1 * d2,
    d1 * b2 + e1 * e2,
    d1 * c2 + e1 * f2 + f1,
  ];
}

/** Composes maps in application order: chain(A, B, C) applies A first, then B, then C. */
export function chain(...maps: Affine[]): Affine {
  return maps.reduce((acc, m) => compose(m, acc), IDENTITY);
}

export function invert(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (det === 0 || !Number.isFinite(det)) throw new RangeError('affine map is not invertible');
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

export const translation = (tx: number, ty: number): Affine => [1, 0, tx, 0, 1, ty];
export const scaling = (sx: number, sy: number = sx): Affine => [sx, 0, 0, 0, sy, 0];
/** Rotation by `degrees`, counter-clockwise as seen on screen (y points down). */
export function rotation(degrees: number): Affine {
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  // Exact values for quarter turns keep 90-degree rotations free of resampling error.
  const snap = (v: number) =>
    Math.abs(v) < 1e-12 ? 0 : Math.abs(Math.abs(v) - 1) < 1e-12 ? Math.sign(v) : v;
  return [snap(cos), snap(sin), 0, -snap(sin), snap(cos), 0];
}

export function apply(m: Affine, x: number, y: number): [number, number] {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

/**
 * Resamples an image through `forward` (source -> output coordinates) into width x height, bilinear,
 * with `fill` (black) outside the source. Each output pixel is mapped back through the inverse map.
 */
export function warpImage(src: RawImage, forward: Affine, width: number, height: number): RawImage {
  const [a, b, c, d, e, f] = invert(forward);
  const out = createImage(width, height, src.channels);
  const { width: sw, height: sh, channels: ch, data: s } = src;
  const o = out.data;
  const rowStride = sw * ch;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = a * x + b * y + c;
      const sy = d * x + e * y + f;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < -1 || y0 < -1 || x0 >= sw || y0 >= sh) continue; // wholly outside: stays black
      const fx = sx - x0;
      const fy = sy - y0;
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      const oi = (y * width + x) * ch;
      const i00 = y0 * rowStride + x0 * ch;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < sw && y0 + 1 < sh) {
        const i10 = i00 + rowStride;
        for (let k = 0; k < ch; k++) {
          const v = w00 * s[i00 + k]! + w01 * s[i00 + ch + k]! + w10 * s[i10 + k]! + w11 * s[i10 + ch + k]!;
          o[oi + k] = (v + 0.5) | 0;
        }
      } else {
        // Border: neighbours outside the source count as the black fill.
        const in00 = x0 >= 0 && y0 >= 0;
        const in01 = x0 + 1 < sw && y0 >= 0;
        const in10 = x0 >= 0 && y0 + 1 < sh;
        const in11 = x0 + 1 < sw && y0 + 1 < sh;
        for (let k = 0; k < ch; k++) {
          let v = 0;
          if (in00) v += w00 * s[i00 + k]!;
          if (in01) v += w01 * s[i00 + ch + k]!;
          if (in10) v += w10 * s[i00 + rowStride + k]!;
          if (in11) v += w11 * s[i00 + rowStride + ch + k]!;
          o[oi + k] = (v + 0.5) | 0;
        }
      }
    }
  }
  return out;
}

/** Nearest-neighbour resampling of a mask through `forward`; 0 (no polyp) outside the source. */
export function warpMask(src: BinaryMask, forward: Affine, width: number, height: number): BinaryMask {
  const [a, b, c, d, e, f] = invert(forward);
  const out = createMask(width, height);
  const { width: sw, height: sh, data: s } = src;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const xi = Math.floor(a * x + b * y + c + 0.5);
      const yi = Math.floor(d * x + e * y + f + 0.5);
      if (xi >= 0 && yi >= 0 && xi < sw && yi < sh) out.data[y * width + x] = s[yi * sw + xi]!;
    }
  }
  return out;
}

/** Warps image and mask with the same map: they stay aligned by construction. */
export function warpSample(
  sample: Sample,
  forward: Affine,
  width = sample.image.width,
  height = sample.image.height,
): Sample {
  return {
    id: sample.id,
    image: warpImage(sample.image, forward, width, height),
    mask: warpMask(sample.mask, forward, width, height),
  };
}
