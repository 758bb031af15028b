import { z } from 'zod';
import { PolypsegError } from '../errors.ts';

/**
 * The `augment:` section of a training config. Every transform has a probability `p` and a `range`
 * [min, max] that its parameter is drawn from uniformly. Omitted fields take the defaults below, so
 * `augment: {}` is a sensible full augmentation and `augment: { enabled: false }` turns it off.
 */
const probability = z.number().min(0).max(1);

function range(defaults: [number, number], bounds: { min?: number; max?: number } = {}) {
  let n = z.number();
  if (bounds.min !== undefined) n = n.min(bounds.min);
  if (bounds.max !== undefined) n = n.max(bounds.max);
  return z
    .tuple([n, n])
    .refine(([lo, hi]) => lo <= hi, { message: 'range must be [min, max] with min <= max' })
    .default(defaults);
}

/** A transform with a chance `p` and nothing to draw (flips). */
function chance(p: number) {
  return z.strictObject({ p: probability.default(p) }).prefault({});
}

/** A transform with a chance `p` and a parameter drawn uniformly from `range`. */
function ranged(p: number, defaults: [number, number], bounds: { min?: number; max?: number } = {}) {
  return z.strictObject({ p: probability.default(p), range: range(defaults, bounds) }).prefault({});
}

export const copyPasteConfigSchema = z
  .strictObject({
    /** chance that a sample gets a polyp pasted from a donor (needs donors from the caller) */
    p: probability.default(0.2),
    /** donors tried in turn (from the seeded sampler) until one pastes; many donors' polyps touch the border */
    donorTries: z.number().int().min(1).max(100).default(3),
    /** extra scale of the cut-out (on top of the donor-to-target resolution ratio) */
    scale: range([0.7, 1.15], { min: 0.05, max: 4 }),
    /** rotation of the cut-out, degrees */
    rotate: range([-180, 180]),
    /** chance of mirroring the cut-out */
    flipP: probability.default(0.5),
    /** donor components smaller than this fraction of the image are not used */
    minAreaFraction: z.number().min(0).max(1).default(0.003),
    /** the cut-out is shrunk until its area is at most this fraction of the target image */
    maxAreaFraction: z.number().gt(0).max(1).default(0.12),
    /** gap kept between the pasted polyp (with its feather) and any existing polyp, fraction of min(w, h) */
    marginFraction: z.number().min(0).max(0.5).default(0.03),
    /** Gaussian sigma of the alpha feather, fraction of min(w, h) (0.008 = 2 px at 256) */
    featherFraction: z.number().min(0).max(0.1).default(0.008),
    /** random placements tried before giving up (the paste is then skipped, never forced) */
    tries: z.number().int().min(1).max(10_000).default(40),
    /** pixels darker than this luma (0-255) are outside the endoscope's visible area */
    lumaThreshold: z.number().min(0).max(255).default(28),
    /** the visible area is eroded by this fraction of min(w, h) so pastes keep off its rim */
    erodeFraction: z.number().min(0).max(0.5).default(0.02),
    /** scale the cut-out's colours so the mucosa around it matches the target's (hides seams) */
    matchColour: z.boolean().default(true),
  })
  .prefault({});

export const augmentConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    // geometric: one affine warp of image (bilinear) and mask (nearest), black outside
    /** rotation angle, degrees (any angle: the endoscope view has no up) */
    rotate: ranged(0.5, [-180, 180]),
    hflip: chance(0.5),
    vflip: chance(0.5),
    /** scale factor: > 1 zooms in (crops), < 1 zooms out (pads with black) */
    zoom: ranged(0.5, [0.85, 1.2], { min: 0.05, max: 20 }),
    /** shift, fraction of width (x) and height (y), drawn independently per axis */
    translate: ranged(0.3, [-0.08, 0.08], { min: -1, max: 1 }),
    // photometric: image only
    /** multiplicative brightness factor (keeps the black border black) */
    brightness: ranged(0.5, [0.85, 1.15], { min: 0 }),
    /** contrast factor around the image's mean grey */
    contrast: ranged(0.5, [0.85, 1.15], { min: 0 }),
    /** saturation factor (0 = grey) */
    saturation: ranged(0.5, [0.85, 1.15], { min: 0 }),
    /** hue rotation about the grey axis, degrees */
    hue: ranged(0.3, [-6, 6], { min: -180, max: 180 }),
    /** Gaussian blur sigma in pixels of the sample as augmented */
    blur: ranged(0.2, [0.3, 1.5], { min: 0, max: 50 }),
    copyPaste: copyPasteConfigSchema,
  })
  .prefault({});

export type AugmentConfig = z.output<typeof augmentConfigSchema>;
export type AugmentConfigInput = z.input<typeof augmentConfigSchema>;
export type CopyPasteConfig = z.output<typeof copyPasteConfigSchema>;

/** Validates an `augment:` section (undefined -> all defaults); bad input is a PolypsegError naming the field. */
export function parseAugmentConfig(raw: unknown, where = 'augment'): AugmentConfig {
  const result = augmentConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new PolypsegError(`invalid ${where} config:\n${z.prettifyError(result.error)}`, 'CONFIG_INVALID');
  }
  return result.data;
}
