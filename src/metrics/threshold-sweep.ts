import type { ConfusionCounts } from './confusion.ts';
import { dice, iou } from './scores.ts';
import { checkPair, type ProbabilityMap } from './validate.ts';

/** The toolbox's thresholds: k/255 for k = 0..255 (MATLAB `1:-1/255:0`, in ascending order here). */
export const THRESHOLD_COUNT = 256;

/*
 * A map meant to hold k/255 can land one ulp below it (e.g. k * (1/255) in float64); this slack (on
 * the 0..255 scale) keeps such pixels on their own threshold. It is far smaller than one step (1.0).
 */
const LEVEL_SLACK = 1e-4;

/**
 * Confusion counts of `prob >= k/255` for every k = 0..255, in one pass: each pixel's level
 * floor(prob * 255) is binned, and counts for threshold k are suffix sums of the bins (O(N + 256)
 * instead of 256 passes).
 */
export function sweepCounts(prob: ProbabilityMap, truth: Uint8Array): ConfusionCounts[] {
  checkPair(prob, truth);
  const fgHist = new Float64Array(THRESHOLD_COUNT);
  const bgHist = new Float64Array(THRESHOLD_COUNT);
  for (let i = 0; i < truth.length; i++) {
    const level = Math.min(255, Math.floor(prob[i] * 255 + LEVEL_SLACK));
    if (truth[i]) fgHist[level]++;
    else bgHist[level]++;
  }
  let fgTotal = 0;
  let bgTotal = 0;
  for (let k = 0; k < THRESHOLD_COUNT; k++) {
    fgTotal += fgHist[k];
    bgTotal += bgHist[k];
  }
  const out: ConfusionCounts[] = new Array(THRESHOLD_COUNT);
  let tp = 0;
  let fp = 0;
  for (let k = THRESHOLD_COUNT - 1; k >= 0; k--) {
    tp += fgHist[k];
    fp += bgHist[k];
    out[k] = { tp, fp, fn: fgTotal - tp, tn: bgTotal - fp };
  }
  return out;
}

/*
 * The toolbox (`Fmeasure_calu.m`) scores 0 whenever TP = 0, even when truth and prediction are both
 * empty; we follow it here so swept numbers match published ones. Otherwise the usual formulas.
 */
export function toolboxDice(c: ConfusionCounts): number {
  return c.tp === 0 ? 0 : dice(c);
}

export function toolboxIou(c: ConfusionCounts): number {
  return c.tp === 0 ? 0 : iou(c);
}

/** Applies a score to each threshold's counts. */
export function curve(
  counts: readonly ConfusionCounts[],
  score: (c: ConfusionCounts) => number,
): Float64Array {
  return Float64Array.from(counts, score);
}

export function curveMean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

export function curveMax(values: ArrayLike<number>): number {
  let best = -Infinity;
  for (let i = 0; i < values.length; i++) best = Math.max(best, values[i]);
  return best;
}
