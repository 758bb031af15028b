import { PolypsegError } from '../errors.ts';
import { confusion, type ConfusionCounts } from './confusion.ts';
import { adaptiveEMeasure, eMeasureFromCounts } from './e-measure.ts';
import { meanAbsoluteError } from './mae.ts';
import { minMaxNormalize } from './normalize.ts';
import { scoresFromCounts, type CountScores } from './scores.ts';
import { sMeasure } from './s-measure.ts';
import { curve, curveMax, curveMean, sweepCounts, toolboxDice, toolboxIou } from './threshold-sweep.ts';
import { checkPair, type ProbabilityMap } from './validate.ts';
import { weightedFMeasure } from './weighted-f.ts';

export interface EvaluateOptions {
  /** Threshold for the binary metrics (prob >= threshold is foreground). Default 0.5. */
  threshold?: number;
  /**
   * Min-max rescale the map before the toolbox measures, as PraNet does before saving its maps.
   * The binary metrics always use the raw map. Default false.
   */
  toolboxNormalize?: boolean;
  /**
   * The 0/1 mask the binary metrics score, e.g. the mask users get after small regions are dropped.
   * Default: prob >= threshold. The toolbox measures always use the map.
   */
  mask?: Uint8Array;
}

/** The PraNet-toolbox measures of one image. */
export interface ToolboxScores {
  /** Mean / max over the 256 thresholds k/255 (toolbox rule: TP = 0 scores 0). */
  meanDice: number;
  maxDice: number;
  meanIoU: number;
  maxIoU: number;
  sMeasure: number;
  weightedF: number;
  /** Mean / max of the E-measure over the 256 thresholds; adaptive: binarised at 2 * mean. */
  meanEMeasure: number;
  maxEMeasure: number;
  adaptiveEMeasure: number;
  mae: number;
}

/** Per-threshold curves, index k = threshold k/255, kept so datasets can be averaged per threshold. */
export interface ToolboxCurves {
  dice: Float64Array;
  iou: Float64Array;
  eMeasure: Float64Array;
}

export interface ImageEvaluation {
  threshold: number;
  counts: ConfusionCounts;
  scores: CountScores;
  toolbox: ToolboxScores;
  curves: ToolboxCurves;
}

/**
 * Every metric for one image: binary metrics at `threshold` plus the PraNet toolbox measures.
 * `prob`: probabilities in [0, 1] (or a 0/1 uint8 mask); `truth`: 0/1 per pixel; both row-major
 * width x height. Bad input throws a PolypsegError.
 */
export function evaluateImage(
  prob: ProbabilityMap,
  truth: Uint8Array,
  width: number,
  height: number,
  options: EvaluateOptions = {},
): ImageEvaluation {
  const threshold = options.threshold ?? 0.5;
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new PolypsegError(`metrics: threshold must lie in [0, 1], got ${threshold}`, 'METRICS_INPUT');
  }
  checkPair(prob, truth, width, height);
  if (options.mask) checkPair(options.mask, truth, width, height);
  const counts = options.mask ? confusion(options.mask, truth, 0.5) : confusion(prob, truth, threshold);
  const map = options.toolboxNormalize ? minMaxNormalize(prob) : prob;
  const swept = sweepCounts(map, truth);
  const curves: ToolboxCurves = {
    dice: curve(swept, toolboxDice),
    iou: curve(swept, toolboxIou),
    eMeasure: curve(swept, eMeasureFromCounts),
  };
  return {
    threshold,
    counts,
    scores: scoresFromCounts(counts),
    toolbox: {
      meanDice: curveMean(curves.dice),
      maxDice: curveMax(curves.dice),
      meanIoU: curveMean(curves.iou),
      maxIoU: curveMax(curves.iou),
      sMeasure: sMeasure(map, truth, width, height),
      weightedF: weightedFMeasure(map, truth, width, height),
      meanEMeasure: curveMean(curves.eMeasure),
      maxEMeasure: curveMax(curves.eMeasure),
      adaptiveEMeasure: adaptiveEMeasure(map, truth),
      mae: meanAbsoluteError(map, truth),
    },
    curves,
  };
}
