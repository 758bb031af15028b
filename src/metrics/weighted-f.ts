import { distanceToForeground } from './distance-transform.ts';
import { filterSeparable, gaussianKernel1d } from './gaussian-filter.ts';
import { checkPair, type ProbabilityMap } from './validate.ts';

const EPS = 2.220446049250313e-16; // MATLAB eps, kept where the toolbox adds it
const DEPENDENCY_KERNEL = gaussianKernel1d(7, 5); // fspecial('gaussian', 7, 5), separated

/**
 * Weighted F-measure, Margolin, Zelnik-Manor & Tal (CVPR 2014), as in the PraNet toolbox
 * (`original_WFb.m`), default beta^2 = 1:
 * - error E = |prob - truth|;
 * - dependency: each background pixel takes the error of its nearest foreground pixel (exact EDT,
 *   see distance-transform.ts), the result is blurred with a 7x7 Gaussian, sigma 5, zero padding; on
 *   the foreground the error becomes min(E, blurred);
 * - importance: background errors are weighted by 2 - 0.5^(d/5), d = distance to the foreground;
 * - weighted recall R = 1 - mean foreground error, precision P = TPw / (TPw + FPw), F = (1+b²)RP/(R+b²P).
 * Truth with no foreground gives 0 (as py_sod_metrics does; the MATLAB code would give NaN).
 */
export function weightedFMeasure(
  prob: ProbabilityMap,
  truth: Uint8Array,
  width: number,
  height: number,
  beta2 = 1,
): number {
  checkPair(prob, truth, width, height);
  const n = truth.length;
  const { distance, nearest } = distanceToForeground(truth, width, height);
  if (nearest[0] < 0) return 0;

  const error = new Float64Array(n);
  for (let i = 0; i < n; i++) error[i] = Math.abs(prob[i] - truth[i]);
  const spread = new Float64Array(n);
  for (let i = 0; i < n; i++) spread[i] = truth[i] ? error[i] : error[nearest[i]];
  const blurred = filterSeparable(spread, width, height, DEPENDENCY_KERNEL);

  const decay = Math.log(0.5) / 5;
  let fgCount = 0;
  let fgError = 0;
  let bgError = 0;
  for (let i = 0; i < n; i++) {
    if (truth[i]) {
      fgCount++;
      fgError += Math.min(error[i], blurred[i]);
    } else {
      bgError += error[i] * (2 - Math.exp(decay * distance[i]));
    }
  }
  const recall = 1 - fgError / fgCount;
  const tpw = fgCount - fgError;
  const precision = tpw / (EPS + tpw + bgError);
  return ((1 + beta2) * recall * precision) / (EPS + recall + beta2 * precision);
}
