// Pure metrics on masks and probability maps: binary scores, aggregation, PraNet toolbox measures.
export { confusion, confusionBinary, addCounts, emptyCounts, type ConfusionCounts } from './confusion.ts';
export {
  accuracy,
  iou,
  dice,
  precision,
  recall,
  specificity,
  scoresFromCounts,
  COUNT_SCORE_NAMES,
  type CountScores,
} from './scores.ts';
export { MetricAccumulator, meanOf, type CountRow } from './aggregate.ts';
export {
  sweepCounts,
  toolboxDice,
  toolboxIou,
  curve,
  curveMean,
  curveMax,
  THRESHOLD_COUNT,
} from './threshold-sweep.ts';
export { sMeasure } from './s-measure.ts';
export { weightedFMeasure } from './weighted-f.ts';
export { eMeasureFromCounts, adaptiveEMeasure } from './e-measure.ts';
export { meanAbsoluteError } from './mae.ts';
export { minMaxNormalize } from './normalize.ts';
export { distanceToForeground, type DistanceTransform } from './distance-transform.ts';
export {
  evaluateImage,
  type EvaluateOptions,
  type ImageEvaluation,
  type ToolboxScores,
  type ToolboxCurves,
} from './evaluate.ts';
export {
  EvaluationAccumulator,
  type EvaluationRow,
  type EvaluationSummary,
} from './evaluation-accumulator.ts';
export type { ProbabilityMap } from './validate.ts';
