import { createImage, type RawImage } from '../data/raw-image.ts';
import { blurPlanes } from './blur.ts';
import type { AugmentConfig } from './config.ts';
import type { Rng } from '../random.ts';
import type { Transform } from './transform.ts';

/** Rec. 601 luma weights, used for grey (saturation, contrast). */
const LUMA = [0.299, 0.587, 0.114] as const;

export type ColourConfig = Pick<AugmentConfig, 'brightness' | 'contrast' | 'saturation' | 'hue'>;

export interface ColourParams {
  brightness: number;
  contrast: number;
  saturation: number;
  hueDegrees: number;
}

/** A 3x3 colour matrix (row-major) plus an offset: rgb' = M rgb + o. */
export interface ColourMap {
  m: number[];
  o: number[];
}

const mul3 = (a: number[], b: number[]) =>
  Array.from({ length: 9 }, (_, i) => {
    const r = Math.floor(i / 3);
    const c = i % 3;
    return a[r * 3]! * b[c]! + a[r * 3 + 1]! * b[3 + c]! + a[r * 3 + 2]! * b[6 + c]!;
  });

/** Rotation by `degrees` about the grey axis (1,1,1): shifts hue, keeps greys grey. */
function hueMatrix(degrees: number): number[] {
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const a = (1 - cos) / 3;
  const s = Math.sqrt(1 / 3) * sin;
  return [cos + a, a - s, a + s, a + s, cos + a, a - s, a - s, a + s, cos + a];
}

function saturationMatrix(f: number): number[] {
  return Array.from({ length: 9 }, (_, i) => (1 - f) * LUMA[i % 3]! + (Math.floor(i / 3) === i % 3 ? f : 0));
}

/** Mean colour of an RGB image (sampling every 4th pixel is plenty for a contrast pivot). */
export function meanColour(image: RawImage): [number, number, number] {
  const { data, channels } = image;
  let r = 0;
  let g = 0;
  let b = 0;
  let n = 0;
  for (let i = 0; i < data.length; i += channels * 4, n++) {
    r += data[i]!;
    g += data[i + 1]!;
    b += data[i + 2]!;
  }
  return n ? [r / n, g / n, b / n] : [0, 0, 0];
}

/**
 * Hue, then saturation, then brightness (multiplicative), then contrast about the mean grey, folded into
 * one linear map so the image is touched once and clamped once.
 */
export function colourMap(p: ColourParams, mean: readonly [number, number, number]): ColourMap {
  const lin = mul3(
    Array.from({ length: 9 }, (_, i) => (Math.floor(i / 3) === i % 3 ? p.brightness : 0)),
    mul3(saturationMatrix(p.saturation), hueMatrix(p.hueDegrees)),
  );
  const mapped = [0, 1, 2].map(
    (r) => lin[r * 3]! * mean[0] + lin[r * 3 + 1]! * mean[1] + lin[r * 3 + 2]! * mean[2],
  );
  const grey = LUMA[0] * mapped[0]! + LUMA[1] * mapped[1]! + LUMA[2] * mapped[2]!;
  return { m: lin.map((v) => v * p.contrast), o: [0, 1, 2].map(() => (1 - p.contrast) * grey) };
}

export function applyColourMap(image: RawImage, map: ColourMap): RawImage {
  if (image.channels < 3) throw new RangeError('colour jitter needs an RGB image');
  const out = createImage(image.width, image.height, image.channels);
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = map.m as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [o0, o1, o2] = map.o as [number, number, number];
  const s = image.data;
  const d = out.data;
  const ch = image.channels;
  const clamp = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0);
  for (let i = 0; i < s.length; i += ch) {
    const r = s[i]!;
    const g = s[i + 1]!;
    const b = s[i + 2]!;
    d[i] = clamp(m0 * r + m1 * g + m2 * b + o0);
    d[i + 1] = clamp(m3 * r + m4 * g + m5 * b + o1);
    d[i + 2] = clamp(m6 * r + m7 * g + m8 * b + o2);
    if (ch === 4) d[i + 3] = s[i + 3]!;
  }
  return out;
}

export function drawColour(cfg: ColourConfig, rng: Rng): ColourParams | null {
  const pick = (p: number, [lo, hi]: readonly [number, number], neutral: number) => {
    const fire = rng.next() < p;
    const v = rng.uniform(lo, hi);
    return fire ? v : neutral;
  };
  const params: ColourParams = {
    brightness: pick(cfg.brightness.p, cfg.brightness.range, 1),
    contrast: pick(cfg.contrast.p, cfg.contrast.range, 1),
    saturation: pick(cfg.saturation.p, cfg.saturation.range, 1),
    hueDegrees: pick(cfg.hue.p, cfg.hue.range, 0),
  };
  const neutral =
    params.brightness === 1 && params.contrast === 1 && params.saturation === 1 && params.hueDegrees === 0;
  return neutral ? null : params;
}

/** Brightness / contrast / saturation / hue jitter on the image; the mask is untouched. */
export function colourJitter(cfg: ColourConfig): Transform {
  return (sample, rng) => {
    const params = drawColour(cfg, rng);
    if (!params) return sample;
    return { ...sample, image: applyColourMap(sample.image, colourMap(params, meanColour(sample.image))) };
  };
}

export function blurImage(image: RawImage, sigma: number): RawImage {
  const f = blurPlanes(image.data, image.width, image.height, image.channels, sigma);
  const out = createImage(image.width, image.height, image.channels);
  for (let i = 0; i < f.length; i++) out.data[i] = (f[i]! + 0.5) | 0;
  return out;
}

/** Gaussian blur with a random sigma (pixels) on the image; the mask is untouched. */
export function gaussianBlur(cfg: Pick<AugmentConfig, 'blur'>): Transform {
  return (sample, rng) => {
    const fire = rng.next() < cfg.blur.p;
    const sigma = rng.uniform(...cfg.blur.range);
    if (!fire || sigma <= 0) return sample;
    return { ...sample, image: blurImage(sample.image, sigma) };
  };
}
