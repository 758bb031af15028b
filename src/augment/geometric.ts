import type { Sample } from '../data/raw-image.ts';
import { chain, rotation, scaling, translation, warpSample, type Affine } from './affine.ts';
import type { AugmentConfig } from './config.ts';
import type { Rng } from '../random.ts';
import type { Transform } from './transform.ts';

export type GeometricConfig = Pick<AugmentConfig, 'rotate' | 'hflip' | 'vflip' | 'zoom' | 'translate'>;

export interface GeometryParams {
  hflip: boolean;
  vflip: boolean;
  degrees: number;
  zoom: number;
  /** shift as a fraction of width / height */
  tx: number;
  ty: number;
}

/** Draws which geometric steps fire and their parameters; every step always consumes the same draws. */
export function drawGeometry(cfg: GeometricConfig, rng: Rng): GeometryParams {
  const pick = (p: number, [lo, hi]: readonly [number, number], neutral: number) => {
    const fire = rng.next() < p;
    const v = rng.uniform(lo, hi);
    return fire ? v : neutral;
  };
  const hflip = rng.next() < cfg.hflip.p;
  const vflip = rng.next() < cfg.vflip.p;
  const degrees = pick(cfg.rotate.p, cfg.rotate.range, 0);
  const zoom = pick(cfg.zoom.p, cfg.zoom.range, 1);
  const fireT = rng.next() < cfg.translate.p;
  const tx = rng.uniform(...cfg.translate.range);
  const ty = rng.uniform(...cfg.translate.range);
  return { hflip, vflip, degrees, zoom, tx: fireT ? tx : 0, ty: fireT ? ty : 0 };
}

export function isIdentity(g: GeometryParams): boolean {
  return !g.hflip && !g.vflip && g.degrees === 0 && g.zoom === 1 && g.tx === 0 && g.ty === 0;
}

/**
 * The single source -> output map for a width x height image: flip, rotate and zoom about the image
 * centre, then shift. One map means one resampling pass, so the image is interpolated only once.
 */
export function geometryMatrix(g: GeometryParams, width: number, height: number): Affine {
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  return chain(
    translation(-cx, -cy),
    scaling(g.hflip ? -1 : 1, g.vflip ? -1 : 1),
    rotation(g.degrees),
    scaling(g.zoom),
    translation(cx + g.tx * width, cy + g.ty * height),
  );
}

/** Applies given geometry parameters to a sample (image bilinear, mask nearest, black / 0 outside). */
export function applyGeometry(sample: Sample, g: GeometryParams): Sample {
  if (isIdentity(g)) return sample;
  return warpSample(sample, geometryMatrix(g, sample.image.width, sample.image.height));
}

/** Random flip / rotation / zoom / translation, each with its own probability, in one warp. */
export function geometric(cfg: GeometricConfig): Transform {
  return (sample, rng) => applyGeometry(sample, drawGeometry(cfg, rng));
}
