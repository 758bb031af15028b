import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PolypsegError } from '../../errors.ts';
import { doubleUnetConfigSchema, unetConfigSchema } from '../../models/metadata.ts';
import { pretrainConfigSchema } from '../../pretrain/config.ts';
import { parseConfig, readJsonFile, trainConfigSchema } from '../../train/config.ts';

/** Where named budgets live: configs/table2/<name>.json in the repository. */
export const BUDGET_DIR = fileURLToPath(new URL('../../../configs/table2/', import.meta.url));

const training = trainConfigSchema.shape;
const pretraining = pretrainConfigSchema.shape;

/**
 * A Table 2 budget (configs/table2/*.json): everything the six runs share. Model sizes, input size,
 * epochs and optimizer are identical across settings; the settings differ only in data (augmentation)
 * and encoder initialisation (pretraining), as in the original.
 */
export const budgetSchema = z
  .object({
    name: z.string(),
    /** one line for the table header: why these numbers */
    description: z.string().default(''),
    inputSize: z.number().int().min(16),
    splits: z
      .object({
        train: z.string().default('splits/pranet-train.txt'),
        test: z.string().default('splits/pranet-test.txt'),
      })
      .strict()
      .prefault({}),
    /** validation carve-out of the training split (model selection; the pretext task's held-out images) */
    valFraction: z.number().min(0).max(0.5).default(0.1),
    valSeed: z.number().int().default(2020),
    unet: unetConfigSchema,
    doubleUnet: doubleUnetConfigSchema,
    training: z
      .object({
        loss: training.loss,
        optimizer: training.optimizer,
        schedule: training.schedule,
        normalization: training.normalization,
        batchSize: training.batchSize,
        epochs: training.epochs,
        seed: training.seed,
      })
      .strict(),
    /** the `augment` section of the "augmented data" settings */
    augment: z.record(z.string(), z.unknown()),
    /** encoder pretraining, run once and shared by both "pretrained encoder" settings */
    pretrain: z
      .object({
        task: pretraining.task,
        crop: pretraining.crop,
        optimizer: pretraining.optimizer,
        schedule: pretraining.schedule,
        batchSize: pretraining.batchSize,
        epochs: pretraining.epochs,
        seed: pretraining.seed,
      })
      .strict(),
  })
  .strict();
export type Budget = z.infer<typeof budgetSchema>;

/** `name` → configs/table2/<name>.json; anything with a slash or a .json ending is a file path. */
export function budgetPath(nameOrFile: string): string {
  if (/^[a-z0-9-]+$/i.test(nameOrFile)) {
    const file = `${BUDGET_DIR}${nameOrFile}.json`;
    if (!existsSync(file))
      throw new PolypsegError(`no budget named '${nameOrFile}' (looked for ${file})`, 'BUDGET_MISSING');
    return file;
  }
  return nameOrFile;
}

export async function readBudget(nameOrFile: string): Promise<Budget> {
  const file = budgetPath(nameOrFile);
  return parseConfig(budgetSchema, await readJsonFile(file), 'table2 budget', file);
}
