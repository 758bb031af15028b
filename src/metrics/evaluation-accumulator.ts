import { PolypsegError } from '../errors.ts';
import { MetricAccumulator, meanOf } from './aggregate.ts';
import type { ConfusionCounts } from './confusion.ts';
import type { ImageEvaluation, ToolboxScores } from './evaluate.ts';
import { COUNT_SCORE_NAMES, type CountScores } from './scores.ts';
import { THRESHOLD_COUNT, curveMax, curveMean } from './threshold-sweep.ts';

const TOOLBOX_NAMES = [
  'meanDice',
  'maxDice',
  'meanIoU',
  'maxIoU',
  'sMeasure',
  'weightedF',
  'meanEMeasure',
  'maxEMeasure',
  'adaptiveEMeasure',
  'mae',
] as const satisfies readonly (keyof ToolboxScores)[];

/** One CSV row: an image's id, counts at the threshold, and every score. */
export interface EvaluationRow {
  id: string;
  counts: ConfusionCounts;
  scores: CountScores;
  toolbox: ToolboxScores;
}

export interface EvaluationSummary {
  images: number;
  /** Binary metrics at the threshold, averaged over images (the usual "mean Dice / IoU"). */
  meanPerImage: CountScores;
  /** Binary metrics of the counts summed over all pixels of all images. */
  pooled: CountScores;
  pooledCounts: ConfusionCounts;
  /**
   * The PraNet toolbox's dataset numbers: per-threshold curves are averaged over images first, then
   * meanX / maxX are the mean / max of that averaged curve (so maxDice is not the mean of per-image
   * maxima). S-measure, weighted F, adaptive E and MAE are means over images.
   */
  toolbox: ToolboxScores;
}

/** Collects `evaluateImage` results; gives dataset summaries and a per-image CSV. */
export class EvaluationAccumulator {
  readonly #counts = new MetricAccumulator();
  readonly #rows: EvaluationRow[] = [];
  readonly #diceSum = new Float64Array(THRESHOLD_COUNT);
  readonly #iouSum = new Float64Array(THRESHOLD_COUNT);
  readonly #eSum = new Float64Array(THRESHOLD_COUNT);

  add(id: string, result: ImageEvaluation): EvaluationRow {
    const { scores } = this.#counts.add(id, result.counts);
    const row = { id, counts: { ...result.counts }, scores, toolbox: { ...result.toolbox } };
    this.#rows.push(row);
    for (let k = 0; k < THRESHOLD_COUNT; k++) {
      this.#diceSum[k] += result.curves.dice[k];
      this.#iouSum[k] += result.curves.iou[k];
      this.#eSum[k] += result.curves.eMeasure[k];
    }
    return row;
  }

  get rows(): readonly EvaluationRow[] {
    return this.#rows;
  }

  get size(): number {
    return this.#rows.length;
  }

  summary(): EvaluationSummary {
    const n = this.#rows.length;
    if (n === 0) throw new PolypsegError('metrics: no images were evaluated', 'METRICS_EMPTY');
    const means = meanOf(
      this.#rows.map((r) => r.toolbox),
      TOOLBOX_NAMES,
    );
    const dice = this.#diceSum.map((s) => s / n);
    const iou = this.#iouSum.map((s) => s / n);
    const e = this.#eSum.map((s) => s / n);
    return {
      images: n,
      meanPerImage: this.#counts.meanPerImage(),
      pooled: this.#counts.pooled(),
      pooledCounts: this.#counts.total,
      toolbox: {
        ...means,
        meanDice: curveMean(dice),
        maxDice: curveMax(dice),
        meanIoU: curveMean(iou),
        maxIoU: curveMax(iou),
        meanEMeasure: curveMean(e),
        maxEMeasure: curveMax(e),
      },
    };
  }

  /** Per-image rows as CSV (header + one line per image, full precision). */
  toCsv(): string {
    const header = ['id', 'tp', 'fp', 'fn', 'tn', ...COUNT_SCORE_NAMES, ...TOOLBOX_NAMES];
    const lines = this.#rows.map((r) =>
      [
        csvField(r.id),
        r.counts.tp,
        r.counts.fp,
        r.counts.fn,
        r.counts.tn,
        ...COUNT_SCORE_NAMES.map((k) => r.scores[k]),
        ...TOOLBOX_NAMES.map((k) => r.toolbox[k]),
      ].join(','),
    );
    return [header.join(','), ...lines].join('\n') + '\n';
  }
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
