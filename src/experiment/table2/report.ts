import type { ToolboxScores } from '../../metrics/evaluate.ts';
import { COUNT_SCORE_NAMES, type CountScores } from '../../metrics/scores.ts';
import { lineChartSvg } from '../../plot/line-chart.ts';
import type { EpochLog } from '../../train/callbacks.ts';
import { formatDuration } from '../../progress.ts';
import type { Budget } from './budget.ts';
import { SETTINGS, type Setting } from './settings.ts';

/** result.json of a finished run: test metrics (evaluated once) and the training history. */
export interface RunRecord {
  key: string;
  label: string;
  test: CountScores & {
    images: number;
    threshold: number;
    pooled: CountScores;
    toolbox: ToolboxScores;
  };
  history: EpochLog[];
  best: { epoch: number; valIou: number } | null;
  trainImages: number;
  valImages: number;
  /** seconds in training batches (all epochs, across resumes) and in the test evaluation */
  trainSeconds: number;
  evalSeconds: number;
}

/** result.json of the shared pretraining run. */
export interface PretrainRecord {
  task: string;
  trainCrops: number;
  valCrops: number;
  finalAccuracy: number | null;
  best: { epoch: number; accuracy: number } | null;
  history: EpochLog[];
  trainSeconds: number;
}

/** experiment.json: what was run, for the header and for refusing to mix budgets in one directory. */
export interface ExperimentRecord {
  budget: Budget;
  dataDir: string;
  limit: number | null;
  testImages: number | null;
  parameters: { unet: number; doubleUnet: number };
  command: string;
  sessions: { startedAt: string; endedAt?: string; seconds?: number; host: string }[];
}

export interface Table2Report {
  experiment: ExperimentRecord;
  pretrain?: PretrainRecord;
  runs: Partial<Record<string, RunRecord>>;
}

const f4 = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(4));
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const signed = (x: number) => (x >= 0 ? '+' : '') + x.toFixed(3);

function budgetLine(e: ExperimentRecord): string {
  const b = e.budget;
  const t = b.training;
  const opt = t.optimizer.type === 'sgd' ? `SGD (momentum ${t.optimizer.momentum})` : 'Adam';
  const sched = t.schedule.type === 'constant' ? 'constant rate' : `${t.schedule.type} schedule`;
  const loss = Object.entries(t.loss)
    .map(([k, w]) => (w === 1 ? k : `${w}·${k}`))
    .join(' + ');
  const mp = (n: number) => `${(n / 1e6).toFixed(2)} M parameters`;
  return [
    `- **Budget \`${b.name}\`**: input ${b.inputSize}², ` +
      `UNet depth ${b.unet.depth} / width ${b.unet.baseWidth} (${mp(e.parameters.unet)}), ` +
      `Double-UNet depth ${b.doubleUnet.depth} / widths ${b.doubleUnet.baseWidth}+${b.doubleUnet.baseWidth2} ` +
      `(${mp(e.parameters.doubleUnet)}); every run: ${t.epochs} epochs, batch ${t.batchSize}, ${opt} lr ${t.optimizer.lr} ` +
      `with a ${sched}, loss ${loss === 'iou' ? "soft IoU (the original's)" : loss}, seed ${t.seed}.` +
      (b.description ? ` Why: ${b.description}.` : ''),
    `- **Augmented** = on the fly (\`augment: ${JSON.stringify(b.augment)}\`, other transforms at their ` +
      `defaults, see docs/augmentation.md); the same number of steps as the original-data runs.`,
    `- **Pretrained encoder** = the UNet encoder trained once on ${b.pretrain.task} ` +
      `(${b.pretrain.crop.size}² crops, ${plural(b.pretrain.epochs, 'epoch')}), loaded with \`encoder.init\` by both pretrained runs.`,
  ].join('\n');
}

function dataLine(e: ExperimentRecord, runs: RunRecord[]): string {
  const r = runs[0];
  const b = e.budget;
  const train = r ? `${r.trainImages} training + ${r.valImages} validation images` : 'training images';
  return (
    `- **Data**: ${train} from \`${b.splits.train}\` (validation carved out with seed ${b.valSeed}, ` +
    `used for model selection: the epoch with the best validation IoU is kept)` +
    `${e.limit ? `, limited to the first ${e.limit} IDs` : ''}; test: ` +
    `${r ? r.test.images : (e.testImages ?? '?')} images of \`${b.splits.test}\`, evaluated once per run at ` +
    `their original size. Accuracy, IoU and Dice at threshold 0.5 are means over images; mean Dice / mean IoU ` +
    `are the PraNet toolbox's (mean over 256 thresholds).`
  );
}

/** The effects the original reported, next to ours (IoU). */
function effects(runs: Partial<Record<string, RunRecord>>): string[] {
  const pairs: [string, string, string][] = [
    ['augmentation (UNet)', 'unet-original', 'unet-augmented'],
    ['pretrained encoder (UNet)', 'unet-original', 'unet-pretrained'],
    ['pretrained encoder (UNet, augmented)', 'unet-augmented', 'unet-augmented-pretrained'],
    ['augmentation + pretraining (UNet)', 'unet-original', 'unet-augmented-pretrained'],
    ['Double-UNet vs UNet (original data)', 'unet-original', 'double-unet-original'],
    ['augmentation (Double-UNet)', 'double-unet-original', 'double-unet-augmented'],
  ];
  const byKey = new Map(SETTINGS.map((s) => [s.key, s]));
  const lines = ['| effect on test IoU | ours | original |', '|---|---|---|'];
  for (const [name, a, b] of pairs) {
    const ra = runs[a];
    const rb = runs[b];
    const orig = byKey.get(b)!.original.iou - byKey.get(a)!.original.iou;
    lines.push(`| ${name} | ${ra && rb ? signed(rb.test.iou - ra.test.iou) : '–'} | ${signed(orig)} |`);
  }
  return lines;
}

function row(s: Setting, r: RunRecord | undefined): string {
  const o = s.original;
  const best = r?.best ? `${f4(r.best.valIou)} (${r.best.epoch + 1})` : '–';
  const time = r ? formatDuration(r.trainSeconds) : 'pending';
  return `| ${s.label} | ${f4(r?.test.accuracy)} | ${f4(r?.test.iou)} | ${f4(r?.test.dice)} | ${f4(r?.test.toolbox.meanDice)} | ${f4(r?.test.toolbox.meanIoU)} | ${f4(o.accuracy)} | ${f4(o.iou)} | ${f4(o.dice)} | ${best} | ${time} |`;
}

export function table2Markdown(report: Table2Report): string {
  const { experiment: e, pretrain: p, runs } = report;
  const finished = SETTINGS.map((s) => runs[s.key]).filter((r): r is RunRecord => r !== undefined);
  const pretrainLine = p
    ? `- **Pretext task**: ${p.task}, ${p.trainCrops} training crops; accuracy on ${p.valCrops} held-out crops ` +
      `(from the validation images): ${f4(p.finalAccuracy)} after the last epoch, best ${f4(p.best?.accuracy)} ` +
      `at epoch ${(p.best?.epoch ?? -1) + 1} (the encoder used); ${formatDuration(p.trainSeconds)} of training.`
    : '- **Pretext task**: not run yet.';
  const seconds = e.sessions.reduce((a, s) => a + (s.seconds ?? 0), 0);
  return [
    `# Table 2, re-run: augmentation and encoder pretraining (budget \`${e.budget.name}\`)`,
    '',
    `${finished.length} of ${SETTINGS.length} runs finished. Command: \`${e.command}\`.`,
    '',
    budgetLine(e),
    dataLine(e, finished),
    pretrainLine,
    `- **Original**: the report's Table 2 (PyTorch, 900 training images grown offline to 3000, SGD lr 1e-2, ` +
      `batch 8, 60 epochs, soft IoU loss); our summary of the report does not give its input size or model widths.`,
    '',
    '| Model & training | Accuracy | IoU | Dice | mean Dice | mean IoU | orig. Accuracy | orig. IoU | orig. Dice | best val IoU (epoch) | training time |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...SETTINGS.map((s) => row(s, runs[s.key])),
    '',
    ...effects(runs),
    '',
    `Wall-clock time of the sessions that ran this: ${formatDuration(seconds)} (${plural(e.sessions.length, 'session')}); ` +
      `training time per run counts training batches only. Validation IoU per epoch: [val-iou.svg](val-iou.svg); ` +
      `per-run logs: \`runs/<setting>/train-log.jsonl\`, per-image test scores: \`runs/<setting>/per-image.csv\`.`,
    '',
  ].join('\n');
}

const CSV_COLUMNS = [
  'key',
  'label',
  ...COUNT_SCORE_NAMES,
  'pooled_iou',
  'pooled_dice',
  'mean_dice',
  'max_dice',
  'mean_iou',
  's_measure',
  'weighted_f',
  'mean_e_measure',
  'mae',
  'best_val_iou',
  'best_epoch',
  'epochs',
  'train_seconds',
  'eval_seconds',
  'test_images',
  'original_accuracy',
  'original_iou',
  'original_dice',
] as const;

export function table2Csv(report: Table2Report): string {
  const lines: string[] = [CSV_COLUMNS.join(',')];
  for (const s of SETTINGS) {
    const r = report.runs[s.key];
    const t = r?.test;
    const n = (x: number | undefined) => (x === undefined ? '' : String(Number(x.toFixed(6))));
    const values: Record<(typeof CSV_COLUMNS)[number], string> = {
      key: s.key,
      label: `"${s.label}"`,
      accuracy: n(t?.accuracy),
      iou: n(t?.iou),
      dice: n(t?.dice),
      precision: n(t?.precision),
      recall: n(t?.recall),
      specificity: n(t?.specificity),
      pooled_iou: n(t?.pooled.iou),
      pooled_dice: n(t?.pooled.dice),
      mean_dice: n(t?.toolbox.meanDice),
      max_dice: n(t?.toolbox.maxDice),
      mean_iou: n(t?.toolbox.meanIoU),
      s_measure: n(t?.toolbox.sMeasure),
      weighted_f: n(t?.toolbox.weightedF),
      mean_e_measure: n(t?.toolbox.meanEMeasure),
      mae: n(t?.toolbox.mae),
      best_val_iou: n(r?.best?.valIou),
      best_epoch: r?.best ? String(r.best.epoch + 1) : '',
      epochs: r ? String(r.history.length) : '',
      train_seconds: r ? r.trainSeconds.toFixed(1) : '',
      eval_seconds: r ? r.evalSeconds.toFixed(1) : '',
      test_images: t ? String(t.images) : '',
      original_accuracy: String(s.original.accuracy),
      original_iou: String(s.original.iou),
      original_dice: String(s.original.dice),
    };
    lines.push(CSV_COLUMNS.map((c) => values[c]).join(','));
  }
  return lines.join('\n') + '\n';
}

/** Validation IoU per epoch, one line per setting (runs still training show their epochs so far). */
export function valIouSvg(histories: Partial<Record<string, EpochLog[]>>, budgetName: string): string {
  return lineChartSvg(
    SETTINGS.map((s) => ({
      name: s.short,
      points: (histories[s.key] ?? [])
        .filter((e) => e.valIou !== null)
        .map((e) => [e.epoch + 1, e.valIou!] as [number, number]),
    })),
    {
      title: `Validation IoU per epoch (Table 2, budget ${budgetName})`,
      xLabel: 'epoch',
      yLabel: 'validation IoU',
      width: 880,
    },
  );
}
