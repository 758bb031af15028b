import { decodeImage, decodeMask, findFile } from '../data/index.ts';
import { PolypsegError } from '../errors.ts';
import { EvaluationAccumulator, evaluateImage, type EvaluationSummary } from '../metrics/index.ts';
import type { CountScores } from '../metrics/scores.ts';
import type { Segmenter, SegmentOptions } from '../segment/types.ts';

export interface DatasetEvaluation {
  threshold: number;
  /** regions smaller than this share of an image were dropped from the scored masks, as the app does */
  minRegion: { fraction: number } | { pixels: number };
  summary: EvaluationSummary;
  /** per-image CSV (id, counts, scores, toolbox measures) */
  csv: string;
  skipped: { id: string; reason: string }[];
  seconds: number;
}

/**
 * Segments every listed image at its original size with `segmenter` (the same path the app uses) and scores
 * it against its ground-truth mask at that size. The binary metrics score the mask users get (threshold,
 * then regions under `minArea` / the model's minRegionFraction dropped); the toolbox measures score the
 * probability map, as they are defined on it.
 */
export async function evaluateDataset(
  segmenter: Segmenter,
  dataDir: string,
  ids: string[],
  opts: SegmentOptions & {
    skipInvalid?: boolean;
    /** min-max rescale each map before the toolbox measures, as PraNet's test script does */
    toolboxNormalize?: boolean;
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<DatasetEvaluation> {
  const t0 = performance.now();
  const threshold = opts.threshold ?? segmenter.metadata.threshold;
  const acc = new EvaluationAccumulator();
  const skipped: DatasetEvaluation['skipped'] = [];
  for (const [i, id] of ids.entries()) {
    try {
      const imagePath = findFile(dataDir, 'images', id);
      const maskPath = findFile(dataDir, 'masks', id);
      if (!imagePath || !maskPath) {
        throw new PolypsegError(`image or mask for '${id}' not found in ${dataDir}`, 'SAMPLE_MISSING');
      }
      const [image, mask] = await Promise.all([decodeImage(imagePath), decodeMask(maskPath)]);
      if (image.width !== mask.width || image.height !== mask.height) {
        throw new PolypsegError(
          `size mismatch for '${id}': image ${image.width}x${image.height}, mask ${mask.width}x${mask.height}`,
          'SIZE_MISMATCH',
        );
      }
      const seg = await segmenter.segment(image, { tta: opts.tta, threshold, minArea: opts.minArea });
      acc.add(
        id,
        evaluateImage(seg.probabilities, mask.data, mask.width, mask.height, {
          threshold,
          mask: seg.mask.data,
          toolboxNormalize: opts.toolboxNormalize,
        }),
      );
    } catch (err) {
      if (!opts.skipInvalid || !(err instanceof PolypsegError)) throw err;
      skipped.push({ id, reason: err.message });
    }
    opts.onProgress?.(i + 1, ids.length);
  }
  return {
    threshold,
    minRegion:
      opts.minArea !== undefined
        ? { pixels: opts.minArea }
        : { fraction: segmenter.metadata.minRegionFraction },
    summary: acc.summary(),
    csv: acc.toCsv(),
    skipped,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The object `eval --json` prints: per-image means at top level (scripts read `dice`, `iou`, ...). */
export function evaluationJson(ev: DatasetEvaluation) {
  return {
    ...ev.summary.meanPerImage,
    images: ev.summary.images,
    threshold: ev.threshold,
    minRegion: ev.minRegion,
    pooled: ev.summary.pooled,
    toolbox: ev.summary.toolbox,
    skipped: ev.skipped,
    seconds: Number(ev.seconds.toFixed(2)),
  };
}

export function evaluationTable(ev: DatasetEvaluation): string {
  const f = (x: number) => x.toFixed(4);
  const { meanPerImage, pooled, toolbox } = ev.summary;
  const keys = Object.keys(meanPerImage) as (keyof CountScores)[];
  return [
    `| served mask (threshold ${ev.threshold}, ${describeMinRegion(ev.minRegion)}) | per-image mean | pooled |`,
    '|---|---|---|',
    ...keys.map((k) => `| ${k} | ${f(meanPerImage[k])} | ${f(pooled[k])} |`),
    '',
    '| PraNet toolbox measure (probability map) | value |',
    '|---|---|',
    ...Object.entries(toolbox).map(([k, v]) => `| ${k} | ${f(v)} |`),
  ].join('\n');
}

function describeMinRegion(r: DatasetEvaluation['minRegion']): string {
  return 'pixels' in r
    ? `regions < ${r.pixels} px dropped`
    : `regions < ${+(r.fraction * 100).toFixed(4)} % of the image dropped`;
}
