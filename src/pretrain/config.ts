import { z } from 'zod';
import { parseConfig, readJsonFile, trainConfigSchema } from '../train/config.ts';
import { optimizerSchema } from '../train/optimizer.ts';
import { scheduleSchema } from '../train/schedule.ts';

export const PRETEXT_TASKS = ['crop-classification', 'rotation'] as const;
export type PretextTask = (typeof PRETEXT_TASKS)[number];

/**
 * A pretraining config (JSON). The encoder must match the segmentation model's (depth, baseWidth), and
 * inputSize / normalization should match its training config, so crops show polyps at the scale and in
 * the value range the segmentation model will see.
 */
export const pretrainConfigSchema = z
  .object({
    name: z.string().default('polypseg-encoder'),
    encoder: z
      .object({
        depth: z.number().int().min(1).max(6).default(4),
        baseWidth: z.number().int().min(1).default(16),
        batchNorm: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** crop-classification: polyp vs no-polyp crops (the original's choice); rotation: 0/90/180/270° */
    task: z.enum(PRETEXT_TASKS).default('crop-classification'),
    /** images are resized to inputSize² (as in segmentation training) before crops are cut */
    inputSize: z.number().int().min(16).default(128),
    crop: z
      .object({
        /** crop side in pixels of the resized image; the encoder's input (divisible by 2^depth) */
        size: z.number().int().min(4).default(32),
        /** crops kept per image (crop-classification: half polyp, half no-polyp, where found) */
        perImage: z.number().int().positive().default(8),
        /** a crop is 'polyp' when the mask covers at least this fraction of it */
        polypMin: z.number().gt(0).max(1).default(0.25),
        /** a crop is 'no polyp' when the mask covers at most this fraction; crops in between are dropped */
        backgroundMax: z.number().min(0).max(1).default(0),
        /** share of the crop that must lie in the endoscope's field of view (no crops of black border) */
        minVisible: z.number().min(0).max(1).default(0.75),
        /** random positions tried per image and class before giving up on that image */
        tries: z.number().int().positive().default(64),
        /** training crops get a random flip / quarter turn each epoch (crop-classification only) */
        dihedral: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    data: trainConfigSchema.shape.data,
    normalization: trainConfigSchema.shape.normalization,
    optimizer: optimizerSchema,
    schedule: scheduleSchema,
    batchSize: z.number().int().positive().default(32),
    epochs: z.number().int().positive().default(10),
    seed: z.number().int().default(1),
    threads: z.number().int().positive().optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.crop.size % 2 ** c.encoder.depth !== 0)
      ctx.addIssue({
        code: 'custom',
        path: ['crop', 'size'],
        message: `crop size ${c.crop.size} must be divisible by 2^depth = ${2 ** c.encoder.depth}`,
      });
    if (c.crop.size > c.inputSize)
      ctx.addIssue({ code: 'custom', path: ['crop', 'size'], message: 'crop size exceeds inputSize' });
    if (c.crop.backgroundMax >= c.crop.polypMin)
      ctx.addIssue({
        code: 'custom',
        path: ['crop', 'backgroundMax'],
        message: 'backgroundMax must be below polypMin',
      });
  });
export type PretrainConfig = z.infer<typeof pretrainConfigSchema>;

export function parsePretrainConfig(raw: unknown, source = 'config'): PretrainConfig {
  return parseConfig(pretrainConfigSchema, raw, 'pretraining', source);
}

export async function readPretrainConfig(file: string): Promise<PretrainConfig> {
  return parsePretrainConfig(await readJsonFile(file), file);
}
