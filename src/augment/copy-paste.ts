import { createMask, type BinaryMask, type Sample } from '../data/raw-image.ts';
import { apply, chain, rotation, scaling, translation, warpImage, warpMask } from './affine.ts';
import { blurPlanes } from './blur.ts';
import { copyPasteConfigSchema, type CopyPasteConfig } from './config.ts';
import { componentMask, dilate } from './morphology.ts';
import { connectedComponents, type Component } from '../segment/components.ts';
import type { Rng } from '../random.ts';
import { fieldOfView, visibleArea, type Box } from './visible-area.ts';

export type CopyPasteOptions = Omit<CopyPasteConfig, 'p'>;

export type CopyPasteSkipReason =
  /** the donor has no polyp big enough, or every one touches its black border / image edge */
  | 'no-usable-donor-polyp'
  /** no spot in the target's visible, polyp-free area fits the cut-out */
  | 'no-room';

export interface CopyPasteResult {
  /** the target with the polyp pasted, or the target itself (same object) when skipped */
  sample: Sample;
  pasted: boolean;
  reason?: CopyPasteSkipReason;
  /** the pasted polyp alone, in target coordinates */
  pastedMask?: BinaryMask;
  /** the target pixels that changed are inside this box (cut-out plus feather) */
  box?: Box;
  /** the donor's component that was used */
  component?: Component;
}

const DEFAULTS: CopyPasteOptions = copyPasteConfigSchema.parse({});
/** pixels of field of view a donor polyp needs around it to count as whole (not cut by the border) */
const CLEAR = 2;
/** scale factors tried in turn when a cut-out finds no room */
const SHRINK_STEPS = [1, 0.75, 0.55];

interface CutOut {
  width: number;
  height: number;
  image: Uint8Array;
  /** the polyp itself, 0/1 */
  mask: Uint8Array;
  /** feathered opacity in [0, 1]; > 0 only near the polyp */
  alpha: Float32Array;
  component: Component;
}

/**
 * Cuts one polyp out of `donor`, optionally rescaled / rotated / mirrored, and pastes it into a polyp-free
 * part of `target`'s visible area with a feathered edge, updating the mask. Skips (never forces) when the
 * donor has no clean polyp or no placement fits after `tries` attempts. Pure: inputs are not modified.
 */
export function copyPaste(
  target: Sample,
  donor: Sample,
  rng: Rng,
  options: Partial<CopyPasteOptions> = {},
): CopyPasteResult {
  const opts = { ...DEFAULTS, ...options };
  const W = target.image.width;
  const H = target.image.height;
  const minSide = Math.min(W, H);
  const sigma = opts.featherFraction * minSide;
  // The feather starts outside the polyp (alpha is ~1 on its edge) and fades over ~3 sigma.
  const grow = Math.round(sigma);
  const ring = sigma > 0 ? grow + Math.ceil(3 * sigma) + 1 : 0;

  const polyps = donorPolyps(donor, opts);
  if (polyps.candidates.length === 0)
    return { sample: target, pasted: false, reason: 'no-usable-donor-polyp' };
  const forbidden = forbiddenArea(target, opts);
  // Big polyps often find no room at full size: retry the same cut-out smaller before giving up.
  const draw = {
    degrees: rng.uniform(...opts.rotate),
    flip: rng.chance(opts.flipP),
    scale: rng.uniform(...opts.scale),
  };
  const order = polyps.candidates.map((c) => ({ c, key: rng.next() })).sort((a, b) => a.key - b.key);
  let cut: CutOut | null = null;
  let spot: { x: number; y: number } | null = null;
  let usable = false;
  for (const shrink of SHRINK_STEPS) {
    cut = cutOut(
      donor,
      polyps,
      order.map((o) => o.c),
      W,
      H,
      ring,
      grow,
      sigma,
      draw,
      shrink,
      opts,
    );
    if (!cut) break;
    usable = true;
    spot = cut.width <= W && cut.height <= H ? findSpot(cut, forbidden, W, H, rng, opts.tries) : null;
    if (spot) break;
  }
  if (!usable) return { sample: target, pasted: false, reason: 'no-usable-donor-polyp' };
  if (!cut || !spot) return { sample: target, pasted: false, reason: 'no-room' };

  const gain = opts.matchColour ? colourGain(cut, target, spot.x, spot.y) : [1, 1, 1];
  const image = { ...target.image, data: target.image.data.slice() };
  const mask = { ...target.mask, data: target.mask.data.slice() };
  const pastedMask = createMask(W, H);
  const ch = target.image.channels;
  for (let py = 0; py < cut.height; py++) {
    for (let px = 0; px < cut.width; px++) {
      const p = py * cut.width + px;
      const a = cut.alpha[p]!;
      if (a <= 0) continue;
      const t = (spot.y + py) * W + spot.x + px;
      for (let c = 0; c < 3; c++) {
        const v = a * Math.min(255, cut.image[p * 3 + c]! * gain[c]!) + (1 - a) * image.data[t * ch + c]!;
        image.data[t * ch + c] = (v + 0.5) | 0;
      }
      if (cut.mask[p]) {
        mask.data[t] = 1;
        pastedMask.data[t] = 1;
      }
    }
  }
  return {
    sample: { id: target.id, image, mask },
    pasted: true,
    pastedMask,
    box: { x0: spot.x, y0: spot.y, x1: spot.x + cut.width, y1: spot.y + cut.height },
    component: cut.component,
  };
}

/** Target pixels the cut-out (feather included) must not touch: outside the visible area or near a polyp. */
function forbiddenArea(target: Sample, opts: CopyPasteOptions): Uint8Array {
  const { width: W, height: H } = target.image;
  const visible = visibleArea(target.image, opts);
  const nearPolyp = dilate(target.mask, Math.round(opts.marginFraction * Math.min(W, H)));
  const out = new Uint8Array(W * H);
  for (let i = 0; i < out.length; i++) out[i] = !visible.data[i] || nearPolyp.data[i] ? 1 : 0;
  return out;
}

interface DonorPolyps {
  cc: ReturnType<typeof connectedComponents>;
  /** the donor's field of view: where its pixels are real image, not border */
  lit: BinaryMask;
  /** components big enough and not cut by the image edge or the black border */
  candidates: Component[];
}

function donorPolyps(donor: Sample, opts: CopyPasteOptions): DonorPolyps {
  const { width: dw, height: dh } = donor.image;
  const cc = connectedComponents(donor.mask);
  const big = cc.components.filter((c) => c.area >= opts.minAreaFraction * dw * dh);
  // The polyp's surroundings are pasted too (under the feather), so they must be inside the field of view:
  // a polyp cut by the black border or the image edge would paste with a straight, fake edge.
  const lit = big.length ? fieldOfView(donor.image, opts.lumaThreshold) : donor.mask;
  const candidates = big.filter((c) => {
    if (c.x0 < CLEAR || c.y0 < CLEAR || c.x1 + CLEAR > dw || c.y1 + CLEAR > dh) return false;
    const around = dilate(componentMask(cc, c.label, dw, dh), CLEAR);
    for (let i = 0; i < around.data.length; i++)
      if (around.data[i] && !lit.data[i] && !donor.mask.data[i]) return false;
    return true;
  });
  return { cc, lit, candidates };
}

/** Cuts the first candidate that survives scaling into a feathered patch, or null. */
function cutOut(
  donor: Sample,
  polyps: DonorPolyps,
  order: Component[],
  W: number,
  H: number,
  ring: number,
  grow: number,
  sigma: number,
  draw: { degrees: number; flip: boolean; scale: number },
  shrink: number,
  opts: CopyPasteOptions,
): CutOut | null {
  const { width: dw, height: dh } = donor.image;
  const { cc, lit } = polyps;
  const resolution = Math.sqrt((W * H) / (dw * dh));
  const { degrees, flip } = draw;
  for (const c of order) {
    const s = shrink * Math.min(resolution * draw.scale, Math.sqrt((opts.maxAreaFraction * W * H) / c.area));
    const own = componentMask(cc, c.label, dw, dh);

    // donor -> cut-out map: about the component's box centre, then into a patch centred on it
    const cx = (c.x0 + c.x1 - 1) / 2;
    const cy = (c.y0 + c.y1 - 1) / 2;
    const core = chain(translation(-cx, -cy), scaling(flip ? -1 : 1, 1), rotation(degrees), scaling(s));
    let hw = 0;
    let hh = 0;
    for (const [x, y] of [
      [c.x0 - 0.5, c.y0 - 0.5],
      [c.x1 - 0.5, c.y0 - 0.5],
      [c.x0 - 0.5, c.y1 - 0.5],
      [c.x1 - 0.5, c.y1 - 0.5],
    ] as const) {
      const [u, v] = apply(core, x, y);
      hw = Math.max(hw, Math.abs(u));
      hh = Math.max(hh, Math.abs(v));
    }
    const width = 2 * Math.ceil(hw + ring) + 1;
    const height = 2 * Math.ceil(hh + ring) + 1;
    const forward = chain(core, translation((width - 1) / 2, (height - 1) / 2));
    const image = warpImage(donor.image, forward, width, height);
    const mask = warpMask(own, forward, width, height);
    if (!mask.data.some((v) => v)) continue; // vanished when scaled down
    // Under the feather only real mucosa is pasted: not black border, not the donor's other polyps.
    const usable = warpMask(lit, forward, width, height);
    const otherPolyp = warpMask(donor.mask, forward, width, height);
    const alpha = blurPlanes(dilate(mask, grow).data, width, height, 1, sigma);
    for (let i = 0; i < alpha.length; i++) {
      if (mask.data[i]) alpha[i] = 1;
      else if (alpha[i]! < 1 / 255 || !usable.data[i] || otherPolyp.data[i]) alpha[i] = 0;
      else if (alpha[i]! > 1) alpha[i] = 1;
    }
    const rgb = image.channels === 3 ? image.data : toRgb(image.data, image.channels);
    return { width, height, image: rgb, mask: mask.data, alpha, component: c };
  }
  return null;
}

function toRgb(data: Uint8Array, ch: number): Uint8Array {
  const n = data.length / ch;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = data[i * ch + (ch === 1 ? 0 : c)]!;
  return out;
}

/** Random placements, centred on random allowed pixels; the first whose whole footprint is allowed wins. */
function findSpot(
  cut: CutOut,
  forbidden: Uint8Array,
  W: number,
  H: number,
  rng: Rng,
  tries: number,
): { x: number; y: number } | null {
  const allowed: number[] = [];
  for (let i = 0; i < forbidden.length; i++) if (!forbidden[i]) allowed.push(i);
  if (allowed.length === 0) return null;
  const footprint: number[] = [];
  for (let p = 0; p < cut.alpha.length; p++) if (cut.alpha[p]! > 0) footprint.push(p);
  for (let t = 0; t < tries; t++) {
    const centre = allowed[rng.int(allowed.length)]!;
    const x = (centre % W) - (cut.width >> 1);
    const y = Math.floor(centre / W) - (cut.height >> 1);
    if (x < 0 || y < 0 || x + cut.width > W || y + cut.height > H) continue;
    let ok = true;
    for (let k = 0; k < footprint.length && ok; k++) {
      const p = footprint[k]!;
      const px = p % cut.width;
      const py = (p - px) / cut.width;
      if (forbidden[(y + py) * W + x + px]) ok = false;
    }
    if (ok) return { x, y };
  }
  return null;
}

/**
 * Per-channel gain that makes the donor mucosa around the polyp (the feather ring) match the target's
 * mucosa under it, clamped to [0.7, 1.4] so a bad estimate can't repaint the polyp.
 */
function colourGain(cut: CutOut, target: Sample, ox: number, oy: number): number[] {
  const W = target.image.width;
  const ch = target.image.channels;
  const d = [0, 0, 0];
  const t = [0, 0, 0];
  let n = 0;
  for (let p = 0; p < cut.alpha.length; p++) {
    if (cut.mask[p] || cut.alpha[p]! <= 0) continue;
    const px = p % cut.width;
    const q = ((oy + (p - px) / cut.width) * W + ox + px) * ch;
    for (let c = 0; c < 3; c++) {
      d[c]! += cut.image[p * 3 + c]!;
      t[c]! += target.image.data[q + c]!;
    }
    n++;
  }
  if (n === 0) return [1, 1, 1];
  return d.map((dv, c) => (dv > 0 ? Math.min(1.4, Math.max(0.7, t[c]! / dv)) : 1));
}
