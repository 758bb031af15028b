import { fieldOfView } from '../augment/visible-area.ts';
import { createRng, hashSeed, type Rng } from '../random.ts';
import { hashString } from '../data/split.ts';
import type { RawImage, Sample } from '../data/raw-image.ts';

/** One pretext example: a square RGB crop and its class. */
export interface Crop {
  image: RawImage;
  label: number;
  /** source image and position, for reports and tests */
  id: string;
  x: number;
  y: number;
}

export interface CropRule {
  size: number;
  perImage: number;
  polypMin: number;
  backgroundMax: number;
  minVisible: number;
  tries: number;
}

/** Pixels darker than this are outside the endoscope's field of view (as in copy-paste). */
const LUMA_THRESHOLD = 28;

/** Summed-area table of a 0/1 plane: (w+1)×(h+1), so any box sum costs four reads. */
export function summedArea(data: Uint8Array, w: number, h: number): Float64Array {
  const sat = new Float64Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += data[y * w + x]!;
      sat[(y + 1) * (w + 1) + x + 1] = sat[y * (w + 1) + x + 1]! + row;
    }
  }
  return sat;
}

/** Fraction of the size×size box at (x, y) that is 1. */
export function boxFraction(sat: Float64Array, w: number, x: number, y: number, size: number): number {
  const W = w + 1;
  const sum =
    sat[(y + size) * W + x + size]! - sat[y * W + x + size]! - sat[(y + size) * W + x]! + sat[y * W + x]!;
  return sum / (size * size);
}

export function cutCrop(image: RawImage, x: number, y: number, size: number): RawImage {
  const ch = image.channels;
  const data = new Uint8Array(size * size * ch);
  for (let r = 0; r < size; r++) {
    const from = ((y + r) * image.width + x) * ch;
    data.set(image.data.subarray(from, from + size * ch), r * size * ch);
  }
  return { width: size, height: size, channels: ch, data };
}

/** Rotates a square image by k quarter turns counter-clockwise (k mod 4). */
export function rotateQuarter(image: RawImage, k: number): RawImage {
  const turns = ((k % 4) + 4) % 4;
  if (turns === 0) return image;
  const n = image.width;
  const ch = image.channels;
  const data = new Uint8Array(image.data.length);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      // destination (x, y) reads the source pixel that the rotation moves there
      const [sx, sy] = turns === 1 ? [n - 1 - y, x] : turns === 2 ? [n - 1 - x, n - 1 - y] : [y, n - 1 - x];
      const d = (y * n + x) * ch;
      const s = (sy * n + sx) * ch;
      for (let c = 0; c < ch; c++) data[d + c] = image.data[s + c]!;
    }
  }
  return { ...image, data };
}

export function flipHorizontal(image: RawImage): RawImage {
  const { width: w, height: h, channels: ch } = image;
  const data = new Uint8Array(image.data.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const d = (y * w + x) * ch;
      const s = (y * w + (w - 1 - x)) * ch;
      for (let c = 0; c < ch; c++) data[d + c] = image.data[s + c]!;
    }
  return { ...image, data };
}

/** A generator for one image, independent of the order images are processed in. */
function imageRng(seed: number, id: string): Rng {
  return createRng(hashSeed(seed, hashString(id)));
}

interface Planes {
  mask: Float64Array;
  visible: Float64Array;
}

function planes(sample: Sample): Planes {
  const { width: w, height: h } = sample.image;
  return {
    mask: summedArea(sample.mask.data, w, h),
    visible: summedArea(fieldOfView(sample.image, LUMA_THRESHOLD).data, w, h),
  };
}

/**
 * Up to `count` distinct crop positions from `propose`, each passing `accept`; `tries` proposals at most.
 */
function collect(
  count: number,
  tries: number,
  propose: () => [number, number],
  accept: (x: number, y: number) => boolean,
): [number, number][] {
  const found: [number, number][] = [];
  const seen = new Set<number>();
  for (let t = 0; t < tries && found.length < count; t++) {
    const [x, y] = propose();
    const key = y * 65536 + x;
    if (seen.has(key)) continue;
    seen.add(key);
    if (accept(x, y)) found.push([x, y]);
  }
  return found;
}

/**
 * Crop classification (the original's pretext task). Rule: a crop is 'polyp' (label 1) when the mask
 * covers ≥ polypMin of it, 'no polyp' (label 0) when it covers ≤ backgroundMax; crops in between are
 * ambiguous and dropped. Every crop must lie ≥ minVisible inside the endoscope's field of view, so the
 * black border cannot give the class away. Polyp crops are centred near random polyp pixels, no-polyp crops
 * anywhere; each image gives up to perImage/2 of each. The result is balanced (see balanceClasses).
 */
export function classificationCrops(samples: Sample[], rule: CropRule, seed: number): Crop[] {
  const perClass = Math.max(1, Math.round(rule.perImage / 2));
  const crops: Crop[] = [];
  const s = rule.size;
  for (const sample of samples) {
    const { width: w, height: h } = sample.image;
    if (w < s || h < s) continue;
    const rng = imageRng(seed, sample.id);
    const p = planes(sample);
    const visible = (x: number, y: number) => boxFraction(p.visible, w, x, y, s) >= rule.minVisible;
    const cover = (x: number, y: number) => boxFraction(p.mask, w, x, y, s);
    const polypPixels: number[] = [];
    sample.mask.data.forEach((v, i) => v && polypPixels.push(i));
    const clamp = (v: number, hi: number) => Math.min(Math.max(0, v), hi);
    const around = (): [number, number] => {
      const i = polypPixels[rng.int(polypPixels.length)]!;
      const jitter = () => Math.round(rng.uniform(-s / 4, s / 4));
      return [clamp((i % w) - s / 2 + jitter(), w - s), clamp(Math.floor(i / w) - s / 2 + jitter(), h - s)];
    };
    const anywhere = (): [number, number] => [rng.int(w - s + 1), rng.int(h - s + 1)];
    const pos = polypPixels.length
      ? collect(perClass, rule.tries, around, (x, y) => cover(x, y) >= rule.polypMin && visible(x, y))
      : [];
    const neg = collect(
      perClass,
      rule.tries,
      anywhere,
      (x, y) => cover(x, y) <= rule.backgroundMax && visible(x, y),
    );
    for (const [label, list] of [
      [1, pos],
      [0, neg],
    ] as const)
      for (const [x, y] of list)
        crops.push({ image: cutCrop(sample.image, x, y, s), label, id: sample.id, x, y });
  }
  return balanceClasses(crops, seed);
}

/** Rotation prediction: crops anywhere in the field of view (label 0; the rotation is drawn later). */
export function rotationCrops(samples: Sample[], rule: CropRule, seed: number): Crop[] {
  const crops: Crop[] = [];
  const s = rule.size;
  for (const sample of samples) {
    const { width: w, height: h } = sample.image;
    if (w < s || h < s) continue;
    const rng = imageRng(seed, sample.id);
    const p = planes(sample);
    const found = collect(
      rule.perImage,
      rule.tries,
      () => [rng.int(w - s + 1), rng.int(h - s + 1)],
      (x, y) => boxFraction(p.visible, w, x, y, s) >= rule.minVisible,
    );
    for (const [x, y] of found)
      crops.push({ image: cutCrop(sample.image, x, y, s), label: 0, id: sample.id, x, y });
  }
  return crops;
}

/** Keeps the same number of crops of every class: a seeded choice from the larger classes. */
export function balanceClasses(crops: Crop[], seed: number): Crop[] {
  const byLabel = new Map<number, Crop[]>();
  for (const c of crops) byLabel.set(c.label, [...(byLabel.get(c.label) ?? []), c]);
  if (byLabel.size < 2) return [];
  const n = Math.min(...[...byLabel.values()].map((l) => l.length));
  const rng = createRng(hashSeed(seed, 0xba1a));
  return [...byLabel.keys()]
    .sort((a, b) => a - b)
    .flatMap((label) => {
      const list = [...byLabel.get(label)!];
      for (let i = list.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [list[i], list[j]] = [list[j]!, list[i]!];
      }
      return list.slice(0, n);
    });
}
