import type { ProbabilityMap } from './validate.ts';

/**
 * Min-max rescales a map to [0, 1], as PraNet does before saving maps for its toolbox
 * (MATLAB `mapminmax`). A constant map is returned unchanged (rescaling would erase it).
 */
export function minMaxNormalize(prob: ProbabilityMap): Float64Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < prob.length; i++) {
    lo = Math.min(lo, prob[i]);
    hi = Math.max(hi, prob[i]);
  }
  const out = Float64Array.from(prob);
  if (hi > lo) for (let i = 0; i < out.length; i++) out[i] = (out[i] - lo) / (hi - lo);
  return out;
}
