import { createImage, createMask, type Sample } from '../../src/data/raw-image.ts';

export type Rgb = [number, number, number];

export interface Disc {
  cx: number;
  cy: number;
  r: number;
}

export interface SceneOptions {
  size?: number;
  /** radius of the lit field of view, fraction of size (black outside) */
  view?: number;
  polyps?: Disc[];
  polypColour?: Rgb;
  mucosa?: Rgb;
  /** draw a teal ScopeGuide-like inset in the lower-left corner */
  inset?: boolean;
  id?: string;
}

/** A toy endoscope frame: black border, lit textured mucosa disc, disc-shaped polyps (the mask). */
export function scene(opts: SceneOptions = {}): Sample {
  const n = opts.size ?? 128;
  const view = (opts.view ?? 0.47) * n;
  const [mr, mg, mb] = opts.mucosa ?? [200, 120, 110];
  const [pr, pg, pb] = opts.polypColour ?? [40, 60, 220];
  const image = createImage(n, n, 3);
  const mask = createMask(n, n);
  const c = (n - 1) / 2;
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      const p = y * n + x;
      if ((x - c) ** 2 + (y - c) ** 2 > view * view) continue;
      const inPolyp = (opts.polyps ?? []).some((d) => (x - d.cx) ** 2 + (y - d.cy) ** 2 <= d.r * d.r);
      const tex = ((x * 7 + y * 13) % 11) - 5;
      image.data.set(inPolyp ? [pr, pg, pb] : [mr + tex, mg + tex, mb + tex], p * 3);
      mask.data[p] = inPolyp ? 1 : 0;
    }
  if (opts.inset) {
    for (let y = Math.round(0.68 * n); y < Math.round(0.95 * n); y++)
      for (let x = Math.round(0.08 * n); x < Math.round(0.36 * n); x++)
        image.data.set([20, 170, 140], (y * n + x) * 3);
  }
  return { id: opts.id ?? 'scene', image, mask };
}

/** Image where the mask is red and the rest blue: colour encodes the label, to check alignment. */
export function colourCoded(size = 96): Sample {
  const image = createImage(size, size, 3);
  const mask = createMask(size, size);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      // an off-centre, asymmetric shape so flips and rotations are visible
      const inside = (x - 30) ** 2 / 400 + (y - 40) ** 2 / 150 <= 1 || (x > 55 && x < 80 && y > 60 && y < 70);
      const p = y * size + x;
      mask.data[p] = inside ? 1 : 0;
      image.data.set(inside ? [230, 20, 20] : [20, 40, 200], p * 3);
    }
  return { id: 'coded', image, mask };
}

export function countOnes(data: Uint8Array): number {
  let n = 0;
  for (const v of data) n += v ? 1 : 0;
  return n;
}
