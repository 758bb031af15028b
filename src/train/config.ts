import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { PolypsegError } from '../errors.ts';
import { augmentConfigSchema } from '../augment/config.ts';
import { DEFAULT_DATA_DIR } from '../data/locations.ts';
import { architectureSchema } from '../models/metadata.ts';
import { lossConfigSchema } from './losses.ts';
import { optimizerSchema } from './optimizer.ts';
import { scheduleSchema } from './schedule.ts';
import { emaSchema } from './ema.ts';
import { multiScaleSchema } from './multi-scale.ts';

/** One dataset of a multi-source training config, in the Kvasir-SEG layout (`images/`, `masks/`). */
export const dataSourceSchema = z
  .object({
    /** short name: log lines, per-source validation scores, `val-ids-NAME.txt` */
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
    dir: z.string(),
    /** relative to `dir` unless absolute */
    split: z.string().default('splits/pranet-train.txt'),
    /** copies of each training image per epoch: 2 = seen twice as often; fractions pick a seeded subset */
    weight: z.number().positive().max(16).default(1),
    valFraction: z.number().min(0).max(0.5).optional(),
    /**
     * `ID GROUP` table (path relative to the working directory): whole groups are held out together,
     * e.g. the video sequences of CVC-ClinicDB (`configs/data/cvc-clinicdb-sequences.txt`)
     */
    groups: z.string().optional(),
  })
  .strict();
export type DataSource = z.infer<typeof dataSourceSchema>;

function checkAugment(value: unknown, ctx: z.RefinementCtx): void {
  if (value === undefined) return;
  const result = augmentConfigSchema.safeParse(value);
  if (!result.success)
    for (const issue of result.error.issues)
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
}

/** A training config file (JSON). The same object is saved beside the model for reproducibility. */
export const trainConfigSchema = z
  .object({
    name: z.string().default('polypseg-model'),
    model: architectureSchema,
    inputSize: z.number().int().min(16).default(128),
    data: z
      .object({
        /** dataset root in Kvasir-SEG layout */
        dir: z.string().default(DEFAULT_DATA_DIR),
        /** training split file, relative to `dir` unless absolute */
        split: z.string().default('splits/pranet-train.txt'),
        /** fraction of the training split held out for validation (model selection) */
        valFraction: z.number().min(0).max(0.5).default(0.1),
        /** seed of the validation carve-out rule (independent of the training seed) */
        valSeed: z.number().int().default(2020),
        /** report and skip unreadable samples instead of failing before training */
        skipInvalid: z.boolean().default(false),
        /** use only the first N training IDs (quick runs, tests) */
        limit: z.number().int().positive().optional(),
        /**
         * Several datasets at once (replaces `dir`/`split`), e.g. Kvasir-SEG + CVC-ClinicDB, the PraNet
         * training set. Each gets its own validation carve-out; `valFraction`/`valSeed` above are defaults.
         */
        sources: z.array(dataSourceSchema).min(1).optional(),
      })
      .strict()
      .refine((d) => !d.sources || new Set(d.sources.map((s) => s.name)).size === d.sources.length, {
        message: 'source names must be unique',
        path: ['sources'],
      })
      .prefault({}),
    normalization: z
      .object({ mean: z.array(z.number()).length(3), std: z.array(z.number()).length(3) })
      .default({ mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] }),
    loss: lossConfigSchema,
    optimizer: optimizerSchema,
    schedule: scheduleSchema,
    batchSize: z.number().int().positive().default(8),
    /** micro-batches per optimizer step (gradient accumulation) */
    accumulate: z.number().int().positive().default(1),
    epochs: z.number().int().positive().default(60),
    seed: z.number().int().default(1),
    /**
     * On-the-fly augmentation (see docs/augmentation.md); omitted = none. Checked against the augment
     * schema here, so a bad section fails before any data loads, but kept as written: a run's config
     * hash (which `--resume` compares) must not change when augment's defaults do.
     */
    augment: z.unknown().optional().superRefine(checkAugment),
    encoder: z.object({ init: z.string().optional() }).strict().prefault({}),
    /**
     * A trained segmentation model of the same architecture whose weights start this run (a fine-tune,
     * e.g. at a larger inputSize); the optimizer and schedule start fresh. Excludes encoder.init.
     */
    init: z.string().optional(),
    /**
     * validation score that picks the saved epoch: per-image IoU at 0.5, or the toolbox mean Dice. With no
     * validation (`data.valFraction: 0`: a final fit on all the data) nothing is selected: the last epoch is saved.
     */
    selectBy: z.enum(['iou', 'meanDice']).default('iou'),
    /**
     * an exponential moving average of the weights, which validation scores and the run saves. Optional
     * without a default (as multiScale), so configs written before it keep their hash and stay resumable.
     */
    ema: emaSchema.optional(),
    /** train each batch at one of several sizes around inputSize (PraNet's multi-scale training) */
    multiScale: multiScaleSchema.optional(),
    /** wasm threads (default: all cores) */
    threads: z.number().int().positive().optional(),
  })
  .strict()
  .refine((c) => !(c.init && c.encoder.init), {
    message: 'init (whole model) and encoder.init are exclusive: the first already sets the encoder',
    path: ['init'],
  });
export type TrainConfig = z.infer<typeof trainConfigSchema>;

/** Validates `raw` against a config schema; a PolypsegError lists every bad field by path. */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  what: string,
  source = 'config',
): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('\n');
    throw new PolypsegError(`invalid ${what} config ${source}:\n${issues}`, 'CONFIG_INVALID');
  }
  return parsed.data;
}

/** Reads a JSON file for a config; unreadable or malformed files give a PolypsegError. */
export async function readJsonFile(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new PolypsegError(`cannot read config ${file}: ${(err as Error).message}`, 'CONFIG_INVALID');
  }
}

export function parseTrainConfig(raw: unknown, source = 'config'): TrainConfig {
  return parseConfig(trainConfigSchema, raw, 'training', source);
}

export async function readTrainConfig(file: string): Promise<TrainConfig> {
  return parseTrainConfig(await readJsonFile(file), file);
}
