import { parsePretrainConfig, type PretrainConfig } from '../../pretrain/config.ts';
import { parseTrainConfig, type TrainConfig } from '../../train/config.ts';
import type { Budget } from './budget.ts';

/** One row of the original report's Table 2 (100 Kvasir-SEG test images; see docs/experiments/README.md). */
export interface Setting {
  key: string;
  label: string;
  /** for plot legends */
  short: string;
  model: 'unet' | 'doubleUnet';
  augmented: boolean;
  pretrained: boolean;
  original: { accuracy: number; iou: number; dice: number };
}

export const SETTINGS: readonly Setting[] = [
  {
    key: 'unet-original',
    short: 'UNet',
    label: 'UNet, original data',
    model: 'unet',
    augmented: false,
    pretrained: false,
    original: { accuracy: 0.928626, iou: 0.592346, dice: 0.743991 },
  },
  {
    key: 'unet-augmented',
    short: 'UNet +aug',
    label: 'UNet, augmented data',
    model: 'unet',
    augmented: true,
    pretrained: false,
    original: { accuracy: 0.940864, iou: 0.648868, dice: 0.787047 },
  },
  {
    key: 'unet-pretrained',
    short: 'UNet +pretrain',
    label: 'UNet, original data, pretrained encoder',
    model: 'unet',
    augmented: false,
    pretrained: true,
    original: { accuracy: 0.928806, iou: 0.604757, dice: 0.753705 },
  },
  {
    key: 'unet-augmented-pretrained',
    short: 'UNet +aug +pretrain',
    label: 'UNet, augmented data, pretrained encoder',
    model: 'unet',
    augmented: true,
    pretrained: true,
    original: { accuracy: 0.937552, iou: 0.653285, dice: 0.790288 },
  },
  {
    key: 'double-unet-original',
    short: 'Double-UNet',
    label: 'Double-UNet, original data',
    model: 'doubleUnet',
    augmented: false,
    pretrained: false,
    original: { accuracy: 0.944115, iou: 0.677014, dice: 0.807404 },
  },
  {
    key: 'double-unet-augmented',
    short: 'Double-UNet +aug',
    label: 'Double-UNet, augmented data',
    model: 'doubleUnet',
    augmented: true,
    pretrained: false,
    original: { accuracy: 0.950565, iou: 0.709908, dice: 0.830346 },
  },
];

export interface DataChoice {
  dir: string;
  /** first N IDs of the training split only (quick checks) */
  limit?: number;
  threads?: number;
}

function dataSection(budget: Budget, data: DataChoice) {
  return {
    dir: data.dir,
    split: budget.splits.train,
    valFraction: budget.valFraction,
    valSeed: budget.valSeed,
    ...(data.limit !== undefined && { limit: data.limit }),
  };
}

/** The training config of one setting: everything from the budget, only data and encoder init vary. */
export function trainConfigFor(
  setting: Setting,
  budget: Budget,
  data: DataChoice,
  encoderDir?: string,
): TrainConfig {
  return parseTrainConfig(
    {
      name: `table2-${setting.key}`,
      model: budget[setting.model],
      inputSize: budget.inputSize,
      data: dataSection(budget, data),
      ...budget.training,
      ...(setting.augmented && { augment: budget.augment }),
      ...(setting.pretrained && { encoder: { init: encoderDir } }),
      ...(data.threads !== undefined && { threads: data.threads }),
    },
    `table2 ${setting.key}`,
  );
}

/** The shared pretraining run: the UNet's encoder, at the segmentation input size and normalisation. */
export function pretrainConfigFor(budget: Budget, data: DataChoice): PretrainConfig {
  return parsePretrainConfig(
    {
      name: 'table2-encoder',
      encoder: {
        depth: budget.unet.depth,
        baseWidth: budget.unet.baseWidth,
        batchNorm: budget.unet.batchNorm,
      },
      inputSize: budget.inputSize,
      data: dataSection(budget, data),
      normalization: budget.training.normalization,
      ...budget.pretrain,
      ...(data.threads !== undefined && { threads: data.threads }),
    },
    'table2 pretraining',
  );
}
