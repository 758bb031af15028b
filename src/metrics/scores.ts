import type { ConfusionCounts } from './confusion.ts';

/** The threshold metrics of one binary prediction. */
export interface CountScores {
  accuracy: number;
  iou: number;
  dice: number;
  precision: number;
  recall: number;
  specificity: number;
}

export const COUNT_SCORE_NAMES = [
  'accuracy',
  'iou',
  'dice',
  'precision',
  'recall',
  'specificity',
] as const satisfies readonly (keyof CountScores)[];

/*
 * Convention for a zero denominator: the score is 1 when the prediction made no error that the score
 * could see, else 0. So:
 * - truth and prediction both empty: Dice = IoU = precision = recall = 1;
 * - prediction empty, truth not: precision = recall = Dice = IoU = 0;
 * - truth empty, prediction not: precision = recall = Dice = IoU = 0;
 * - truth all foreground: specificity = 1 if the prediction is all foreground too, else 0;
 * - no pixels at all: accuracy = 1.
 * (The PraNet toolbox sweep uses a different rule, TP = 0 -> 0; see threshold-sweep.ts.)
 */
function ratio(numerator: number, denominator: number, otherErrors: number): number {
  if (denominator === 0) return otherErrors === 0 ? 1 : 0;
  return numerator / denominator;
}

export function accuracy(c: ConfusionCounts): number {
  const n = c.tp + c.fp + c.fn + c.tn;
  return ratio(c.tp + c.tn, n, 0);
}

export function iou(c: ConfusionCounts): number {
  return ratio(c.tp, c.tp + c.fp + c.fn, 0);
}

export function dice(c: ConfusionCounts): number {
  return ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn, 0);
}

export function precision(c: ConfusionCounts): number {
  return ratio(c.tp, c.tp + c.fp, c.fn);
}

export function recall(c: ConfusionCounts): number {
  return ratio(c.tp, c.tp + c.fn, c.fp);
}

export function specificity(c: ConfusionCounts): number {
  return ratio(c.tn, c.tn + c.fp, c.fn);
}

export function scoresFromCounts(c: ConfusionCounts): CountScores {
  return {
    accuracy: accuracy(c),
    iou: iou(c),
    dice: dice(c),
    precision: precision(c),
    recall: recall(c),
    specificity: specificity(c),
  };
}
