/** Encoder pretraining on pretext tasks (crop classification, rotation) for `encoder.init`. */
export { parsePretrainConfig, pretrainConfigSchema, readPretrainConfig, PRETEXT_TASKS } from './config.ts';
export type { PretrainConfig, PretextTask } from './config.ts';
export { runPretraining, type PretrainResult, type PretrainRunOptions } from './run.ts';
export { buildPretextModel } from './model.ts';
export { classificationCrops, rotationCrops, rotateQuarter, type Crop, type CropRule } from './crops.ts';
export { PRETEXTS, type Pretext } from './tasks.ts';
