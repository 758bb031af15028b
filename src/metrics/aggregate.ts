import { PolypsegError } from '../errors.ts';
import { addCounts, emptyCounts, type ConfusionCounts } from './confusion.ts';
import { COUNT_SCORE_NAMES, scoresFromCounts, type CountScores } from './scores.ts';

/** One image's confusion counts and the scores derived from them. */
export interface CountRow {
  id: string;
  counts: ConfusionCounts;
  scores: CountScores;
}

/** Mean of each named field over the rows (rows must be non-empty). */
export function meanOf<K extends string>(
  rows: readonly Record<K, number>[],
  names: readonly K[],
): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const name of names) {
    let sum = 0;
    for (const row of rows) sum += row[name];
    out[name] = sum / rows.length;
  }
  return out;
}

/**
 * Collects per-image confusion counts. Two summaries, because papers use both:
 * - `meanPerImage()`: the score of each image, averaged (the usual "mean Dice / mean IoU");
 * - `pooled()`: counts summed over all pixels of all images, then scored once.
 */
export class MetricAccumulator {
  readonly #rows: CountRow[] = [];
  #total: ConfusionCounts = emptyCounts();

  add(id: string, counts: ConfusionCounts): CountRow {
    const row = { id, counts: { ...counts }, scores: scoresFromCounts(counts) };
    this.#rows.push(row);
    this.#total = addCounts(this.#total, counts);
    return row;
  }

  get rows(): readonly CountRow[] {
    return this.#rows;
  }

  get size(): number {
    return this.#rows.length;
  }

  /** Summed counts over every image. */
  get total(): ConfusionCounts {
    return { ...this.#total };
  }

  meanPerImage(): CountScores {
    this.#requireRows();
    return meanOf(
      this.#rows.map((r) => r.scores),
      COUNT_SCORE_NAMES,
    );
  }

  pooled(): CountScores {
    this.#requireRows();
    return scoresFromCounts(this.#total);
  }

  #requireRows(): void {
    if (this.#rows.length === 0) {
      throw new PolypsegError('metrics: no images were evaluated', 'METRICS_EMPTY');
    }
  }
}
