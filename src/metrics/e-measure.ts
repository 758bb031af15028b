import { confusion, type ConfusionCounts } from './confusion.ts';
import { checkPair, type ProbabilityMap } from './validate.ts';

/**
 * Enhanced-alignment measure (E-measure), Fan et al. (IJCAI 2018), of a binary prediction, from its
 * confusion counts. For binary maps the per-pixel enhanced alignment ((phi + 1)^2 / 4, phi =
 * 2ab / (a^2 + b^2), a and b the mean-centred truth and prediction) takes only four values, one per
 * (prediction, truth) pair, so the score is a weighted sum of TP, FP, FN, TN.
 * As in the toolbox: truth all background -> share of pixels predicted background; truth all
 * foreground -> share predicted foreground. We divide by N where the toolbox's `Enhancedmeasure.m`
 * divides by N - 1 + eps, so a perfect prediction scores exactly 1 (a 1/N difference, ~3e-6 at
 * 600x500).
 */
export function eMeasureFromCounts(c: ConfusionCounts): number {
  const n = c.tp + c.fp + c.fn + c.tn;
  const truthFg = c.tp + c.fn;
  if (truthFg === 0) return (c.fn + c.tn) / n;
  if (truthFg === n) return (c.tp + c.fp) / n;
  const muTruth = truthFg / n;
  const muPred = (c.tp + c.fp) / n;
  const enhanced = (pred: number, truth: number) => {
    const a = truth - muTruth;
    const b = pred - muPred;
    const phi = (2 * a * b) / (a * a + b * b);
    return (phi + 1) ** 2 / 4;
  };
  return (c.tp * enhanced(1, 1) + c.fp * enhanced(1, 0) + c.fn * enhanced(0, 1) + c.tn * enhanced(0, 0)) / n;
}

/** Adaptive E-measure: the map binarised at min(2 * mean(prob), 1), as in py_sod_metrics. */
export function adaptiveEMeasure(prob: ProbabilityMap, truth: Uint8Array): number {
  checkPair(prob, truth);
  let sum = 0;
  for (let i = 0; i < prob.length; i++) sum += prob[i];
  const threshold = Math.min((2 * sum) / prob.length, 1);
  return eMeasureFromCounts(confusion(prob, truth, threshold));
}
