import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { listSampleIds, readSplit } from '../data/index.ts';
import type { Segmenter, SegmentOptions } from '../segment/types.ts';
import { evaluateDataset, type DatasetEvaluation } from './evaluate-dataset.ts';

/** Where a test set may live: a Kvasir-layout folder, and optionally a split file inside it. */
const locationSchema = z.strictObject({
  /** relative to the benchmark root unless absolute */
  dir: z.string().min(1),
  /** relative to `dir` unless absolute; omitted = every image in `images/` that has a mask */
  split: z.string().optional(),
});

/**
 * A benchmark file: named test sets. A set lists one or more locations; the first that exists is used
 * (Kvasir's 100 test images are `kvasir-seg` + a split here, a folder of their own in PraNet's TestDataset).
 */
export const benchmarkSetsSchema = z.strictObject({
  sets: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        locations: z.array(locationSchema).min(1),
      }),
    )
    .min(1),
});
export type BenchmarkSets = z.infer<typeof benchmarkSetsSchema>;
type BenchmarkSet = BenchmarkSets['sets'][number];

export type ResolvedSet =
  { name: string; found: true; dir: string; ids: string[] } | { name: string; found: false };

function isDataset(dir: string): boolean {
  return existsSync(join(dir, 'images')) && existsSync(join(dir, 'masks'));
}

/** The first location of `set` that exists under `root`, with its IDs; `found: false` when none does. */
export async function resolveSet(set: BenchmarkSet, root: string): Promise<ResolvedSet> {
  for (const loc of set.locations) {
    const dir = isAbsolute(loc.dir) ? loc.dir : join(root, loc.dir);
    if (!isDataset(dir)) continue;
    if (loc.split !== undefined) {
      const split = isAbsolute(loc.split) ? loc.split : join(dir, loc.split);
      if (!existsSync(split)) continue;
      return { name: set.name, found: true, dir, ids: await readSplit(split) };
    }
    const ids = await listSampleIds(dir);
    if (ids.length) return { name: set.name, found: true, dir, ids };
  }
  return { name: set.name, found: false };
}

/** The numbers one model gets on one set: the toolbox's (what papers report) and the served mask's. */
export interface BenchmarkScores {
  images: number;
  meanDice: number;
  meanIoU: number;
  weightedF: number;
  sMeasure: number;
  meanEMeasure: number;
  mae: number;
  /** per-image Dice / IoU of the mask users get, at the model's threshold */
  dice: number;
  iou: number;
  seconds: number;
}

export interface BenchmarkRow {
  set: string;
  model: string;
  /** null: the set was not found under the root */
  scores: BenchmarkScores | null;
}

export function benchmarkScores(ev: DatasetEvaluation): BenchmarkScores {
  const t = ev.summary.toolbox;
  return {
    images: ev.summary.images,
    meanDice: t.meanDice,
    meanIoU: t.meanIoU,
    weightedF: t.weightedF,
    sMeasure: t.sMeasure,
    meanEMeasure: t.meanEMeasure,
    mae: t.mae,
    dice: ev.summary.meanPerImage.dice,
    iou: ev.summary.meanPerImage.iou,
    seconds: ev.seconds,
  };
}

/** Scores every model on every found set; sets that are missing give rows with `scores: null`. */
export async function runBenchmark(
  models: { label: string; segmenter: Segmenter }[],
  sets: ResolvedSet[],
  opts: SegmentOptions & {
    /** min-max rescale each map before the toolbox measures (PraNet's test protocol) */
    toolboxNormalize?: boolean;
    onProgress?: (set: string, model: string, done: number, total: number) => void;
    /** each (set, model) evaluation as it finishes, e.g. to keep its per-image CSV */
    onEvaluated?: (set: string, model: string, ev: DatasetEvaluation) => void | Promise<void>;
  } = {},
): Promise<BenchmarkRow[]> {
  const rows: BenchmarkRow[] = [];
  for (const set of sets) {
    for (const { label, segmenter } of models) {
      if (!set.found) {
        rows.push({ set: set.name, model: label, scores: null });
        continue;
      }
      const ev = await evaluateDataset(segmenter, set.dir, set.ids, {
        tta: opts.tta,
        threshold: opts.threshold,
        minArea: opts.minArea,
        toolboxNormalize: opts.toolboxNormalize,
        onProgress: (d, n) => opts.onProgress?.(set.name, label, d, n),
      });
      await opts.onEvaluated?.(set.name, label, ev);
      rows.push({ set: set.name, model: label, scores: benchmarkScores(ev) });
    }
  }
  return rows;
}

const COLUMNS: [keyof BenchmarkScores, string][] = [
  ['images', 'images'],
  ['meanDice', 'mDice'],
  ['meanIoU', 'mIoU'],
  ['weightedF', 'wFm'],
  ['sMeasure', 'Sm'],
  ['meanEMeasure', 'mEm'],
  ['mae', 'MAE'],
  ['dice', 'Dice (mask)'],
  ['iou', 'IoU (mask)'],
];

function cell(key: keyof BenchmarkScores, v: number): string {
  return key === 'images' ? String(v) : v.toFixed(3);
}

/** One markdown table: a row per (set, model), "not found" for missing sets. */
export function benchmarkMarkdown(rows: BenchmarkRow[]): string {
  const header = `| set | model | ${COLUMNS.map(([, h]) => h).join(' | ')} |`;
  const rule = `|---|---|${COLUMNS.map(() => '---:').join('|')}|`;
  const lines = rows.map((r) =>
    r.scores
      ? `| ${r.set} | ${r.model} | ${COLUMNS.map(([k]) => cell(k, r.scores![k])).join(' | ')} |`
      : `| ${r.set} | ${r.model} | not found |${COLUMNS.slice(1)
          .map(() => '')
          .join(' |')} |`,
  );
  return [header, rule, ...lines].join('\n') + '\n';
}

export function benchmarkCsv(rows: BenchmarkRow[]): string {
  const header = ['set', 'model', 'status', ...COLUMNS.map(([k]) => k), 'seconds'].join(',');
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = rows.map((r) =>
    [
      quote(r.set),
      quote(r.model),
      r.scores ? 'ok' : 'not found',
      ...COLUMNS.map(([k]) => (r.scores ? String(r.scores[k]) : '')),
      r.scores ? r.scores.seconds.toFixed(1) : '',
    ].join(','),
  );
  return [header, ...lines].join('\n') + '\n';
}
