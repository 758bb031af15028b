import { PolypsegError } from '../errors.ts';
import { checkPair, type ProbabilityMap } from './validate.ts';

/** Pixel counts of a binary prediction against a binary truth. */
export interface ConfusionCounts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export function emptyCounts(): ConfusionCounts {
  return { tp: 0, fp: 0, fn: 0, tn: 0 };
}

export function addCounts(a: ConfusionCounts, b: ConfusionCounts): ConfusionCounts {
  return { tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn, tn: a.tn + b.tn };
}

/**
 * Confusion counts of `prob >= threshold` against `truth` (0/1 per pixel).
 * `>=` matches the PraNet toolbox. A Uint8Array prediction must be a 0/1 mask.
 */
export function confusion(prob: ProbabilityMap, truth: Uint8Array, threshold = 0.5): ConfusionCounts {
  if (!Number.isFinite(threshold)) {
    throw new PolypsegError(`metrics: bad threshold ${threshold}`, 'METRICS_INPUT');
  }
  checkPair(prob, truth);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < truth.length; i++) {
    const predicted = prob[i] >= threshold;
    if (truth[i]) {
      if (predicted) tp++;
      else fn++;
    } else if (predicted) fp++;
  }
  return { tp, fp, fn, tn: truth.length - tp - fp - fn };
}

/** Confusion counts of two 0/1 masks. */
export function confusionBinary(pred: Uint8Array, truth: Uint8Array): ConfusionCounts {
  return confusion(pred, truth, 1);
}
