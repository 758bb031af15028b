import { z } from 'zod';
import { PolypsegError } from '../errors.ts';

/** Architecture configs: the union every builder, exporter and loader agrees on. */
export const unetConfigSchema = z
  .object({
    type: z.literal('unet'),
    depth: z.number().int().min(1).max(6).default(4),
    baseWidth: z.number().int().min(1).default(16),
    dropout: z.number().min(0).max(0.9).default(0),
    batchNorm: z.boolean().default(true),
  })
  .strict();

export const doubleUnetConfigSchema = z
  .object({
    type: z.literal('double-unet'),
    depth: z.number().int().min(1).max(6).default(4),
    /** width of encoder 1 (the paper's VGG-19 slot) */
    baseWidth: z.number().int().min(1).default(16),
    /** width of network 2 */
    baseWidth2: z.number().int().min(1).default(16),
    asppRates: z.array(z.number().int().min(1)).default([1, 6, 12, 18]),
    squeezeExcite: z.boolean().default(true),
    dropout: z.number().min(0).max(0.9).default(0),
  })
  .strict();

/**
 * A UNet decoder on a MobileNetV2 (width 1.0) encoder whose layers carry Keras' names, so ImageNet weights
 * (`models/encoders/mobilenetv2-imagenet`, via a training config's `encoder.init`) load by name.
 */
export const mobilenetUnetConfigSchema = z
  .object({
    type: z.literal('mobilenetv2-unet'),
    /** decoder widths at 1/16, 1/8, 1/4, 1/2 and full resolution */
    decoderChannels: z.array(z.number().int().min(1)).length(5).default([96, 64, 32, 24, 16]),
    dropout: z.number().min(0).max(0.9).default(0),
  })
  .strict();

export const architectureSchema = z.discriminatedUnion('type', [
  unetConfigSchema,
  doubleUnetConfigSchema,
  mobilenetUnetConfigSchema,
]);
export type UnetConfig = z.infer<typeof unetConfigSchema>;
export type DoubleUnetConfig = z.infer<typeof doubleUnetConfigSchema>;
export type MobilenetUnetConfig = z.infer<typeof mobilenetUnetConfigSchema>;
export type ArchitectureConfig = z.infer<typeof architectureSchema>;

/**
 * polypseg.json, saved beside the weights. The model takes NHWC float32 input of
 * inputSize x inputSize x 3, normalised as (pixel/255 - mean) / std, and outputs sigmoid
 * probabilities [N, H, W, K]; the final mask is the last channel (Double-UNet has K = 2).
 */
export const modelMetadataSchema = z.object({
  format: z.literal('polypseg-model').default('polypseg-model'),
  version: z.literal(1).default(1),
  /**
   * 'encoder-pretraining': a pretext-task checkpoint (`polypseg pretrain`) whose `enc_*` layers are meant
   * for a training config's `encoder.init`; its architecture names the segmentation encoder it fits.
   * Absent means 'segmentation'.
   */
  task: z.enum(['segmentation', 'encoder-pretraining']).optional(),
  name: z.string(),
  architecture: architectureSchema,
  inputSize: z.number().int().positive(),
  normalization: z
    .object({ mean: z.array(z.number()).length(3), std: z.array(z.number()).length(3) })
    .default({ mean: [0, 0, 0], std: [1, 1, 1] }),
  threshold: z.number().min(0).max(1).default(0.5),
  /**
   * Connected regions smaller than this fraction of the image are treated as noise: dropped from the
   * mask and the polyp list unless a caller passes its own minArea. 0.0002 is about 8x8 pixels at
   * 622x529: smaller than all but 5 of Kvasir's 1000+ annotated regions' boxes, yet enough to stop
   * single-pixel speckles being counted as polyps.
   */
  minRegionFraction: z.number().min(0).max(0.5).default(0.0002),
  /**
   * Whether still images are segmented with flip test-time augmentation unless the caller says
   * otherwise: a per-model choice made on validation (it costs 3x the model time). Video and live
   * camera frames stay single-pass unless asked, to keep their frame rate.
   */
  tta: z.boolean().default(false),
  outputChannels: z.number().int().positive().default(1),
  parameters: z.number().int().nonnegative().optional(),
  training: z.record(z.string(), z.unknown()).optional(),
  metrics: z.record(z.string(), z.unknown()).optional(),
  files: z
    .object({ tfjs: z.string().default('model.json'), onnx: z.string().optional() })
    .default({ tfjs: 'model.json' }),
  createdAt: z.string().optional(),
});
export type ModelMetadata = z.infer<typeof modelMetadataSchema>;
/** What writers pass: fields with defaults may be left out. */
export type ModelMetadataInput = z.input<typeof modelMetadataSchema>;

/** Loaders that segment call this: an encoder checkpoint has no mask head and must not be served. */
export function assertSegmentationModel(metadata: ModelMetadata, dir: string): void {
  if (metadata.task !== undefined && metadata.task !== 'segmentation') {
    throw new PolypsegError(
      `${dir} holds a pretrained encoder (task '${metadata.task}'), not a segmentation model; ` +
        `use it as encoder.init in a training config`,
      'NOT_A_SEGMENTATION_MODEL',
    );
  }
}
