import { decodeMask, findFile, decodeImage } from '../data/index.ts';
import { PolypsegError } from '../errors.ts';
import { evaluateImage, type ToolboxScores } from '../metrics/evaluate.ts';
import { MetricAccumulator } from '../metrics/aggregate.ts';
import type { CountScores } from '../metrics/scores.ts';
import type { Segmenter, SegmentOptions } from '../segment/types.ts';

export interface ImageRow {
  id: string;
  width: number;
  height: number;
  scores: CountScores;
  toolbox: ToolboxScores;
}

export interface DatasetEvaluation {
  images: number;
  threshold: number;
  /** per-image means of the binary metrics (the standard "mean Dice / mean IoU") */
  mean: CountScores;
  /** binary metrics over all pixels pooled */
  pooled: CountScores;
  /** per-image means of the PraNet toolbox measures */
  toolbox: ToolboxScores;
  rows: ImageRow[];
  skipped: { id: string; reason: string }[];
  seconds: number;
}

const TOOLBOX_KEYS: (keyof ToolboxScores)[] = [
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
];

/**
 * Segments every listed image at its original size with `segmenter` (the same path the app uses) and scores
 * it against its ground-truth mask at that size.
 */
export async function evaluateDataset(
  segmenter: Segmenter,
  dataDir: string,
  ids: string[],
  opts: SegmentOptions & { skipInvalid?: boolean; onProgress?: (done: number, total: number) => void } = {},
): Promise<DatasetEvaluation> {
  const t0 = performance.now();
  const threshold = opts.threshold ?? segmenter.metadata.threshold;
  const acc = new MetricAccumulator();
  const rows: ImageRow[] = [];
  const skipped: DatasetEvaluation['skipped'] = [];
  for (const [i, id] of ids.entries()) {
    try {
      const imagePath = findFile(dataDir, 'images', id);
      const maskPath = findFile(dataDir, 'masks', id);
      if (!imagePath || !maskPath)
        throw new PolypsegError(`image or mask for '${id}' not found in ${dataDir}`, 'SAMPLE_MISSING');
      const [image, mask] = await Promise.all([decodeImage(imagePath), decodeMask(maskPath)]);
      if (image.width !== mask.width || image.height !== mask.height) {
        throw new PolypsegError(
          `size mismatch for '${id}': image ${image.width}x${image.height}, mask ${mask.width}x${mask.height}`,
          'SIZE_MISMATCH',
        );
      }
      const seg = await segmenter.segment(image, { tta: opts.tta, threshold });
      const ev = evaluateImage(seg.probabilities, mask.data, mask.width, mask.height, { threshold });
      acc.add(id, ev.counts);
      rows.push({ id, width: mask.width, height: mask.height, scores: ev.scores, toolbox: ev.toolbox });
    } catch (err) {
      if (!opts.skipInvalid || !(err instanceof PolypsegError)) throw err;
      skipped.push({ id, reason: err.message });
    }
    opts.onProgress?.(i + 1, ids.length);
  }
  const toolbox = Object.fromEntries(
    TOOLBOX_KEYS.map((k) => [k, rows.reduce((s, r) => s + r.toolbox[k], 0) / rows.length]),
  ) as unknown as ToolboxScores;
  return {
    images: rows.length,
    threshold,
    mean: acc.meanPerImage(),
    pooled: acc.pooled(),
    toolbox,
    rows,
    skipped,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Per-image CSV: id, size, binary metrics at the threshold, toolbox measures. */
export function evaluationCsv(ev: DatasetEvaluation): string {
  const scoreKeys = Object.keys(ev.mean) as (keyof CountScores)[];
  const header = ['id', 'width', 'height', ...scoreKeys, ...TOOLBOX_KEYS];
  const lines = ev.rows.map((r) =>
    [
      r.id,
      r.width,
      r.height,
      ...scoreKeys.map((k) => r.scores[k].toFixed(6)),
      ...TOOLBOX_KEYS.map((k) => r.toolbox[k].toFixed(6)),
    ].join(','),
  );
  return [header.join(','), ...lines].join('\n') + '\n';
}

/** The summary printed by `eval --json` (per-image means first, as scripts expect). */
export function evaluationSummary(ev: DatasetEvaluation) {
  return {
    ...ev.mean,
    images: ev.images,
    threshold: ev.threshold,
    pooled: ev.pooled,
    toolbox: ev.toolbox,
    skipped: ev.skipped,
    seconds: Number(ev.seconds.toFixed(2)),
  };
}

export function evaluationTable(ev: DatasetEvaluation): string {
  const f = (x: number) => x.toFixed(4);
  const lines = [
    `| metric (threshold ${ev.threshold}) | per-image mean | pooled |`,
    '|---|---|---|',
    ...(Object.keys(ev.mean) as (keyof CountScores)[]).map(
      (k) => `| ${k} | ${f(ev.mean[k])} | ${f(ev.pooled[k])} |`,
    ),
    '',
    '| PraNet toolbox measure | mean over images |',
    '|---|---|',
    ...TOOLBOX_KEYS.map((k) => `| ${k} | ${f(ev.toolbox[k])} |`),
  ];
  return lines.join('\n');
}
