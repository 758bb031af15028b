import type { Sample } from '../data/raw-image.ts';
import type { Rng } from '../random.ts';

/**
 * A pure, seeded augmentation step. It never mutates its input; it may return the input itself when
 * it decides to do nothing.
 */
export type Transform = (sample: Sample, rng: Rng) => Sample;

/**
 * Runs transforms in order. Each step gets its own generator forked from `rng` (one draw per step), so
 * changing one step's settings does not change the random numbers any other step sees.
 */
export function compose(transforms: readonly Transform[]): Transform {
  return (sample, rng) => {
    let out = sample;
    for (const t of transforms) out = t(out, rng.fork());
    return out;
  };
}
