import type { tf } from '../engine/tf.ts';
import { buildDoubleUnet } from './double-unet.ts';
import type { ArchitectureConfig } from './metadata.ts';
import { buildUnet } from './unet.ts';

export { architectureSchema, modelMetadataSchema } from './metadata.ts';
export type { ArchitectureConfig, ModelMetadata } from './metadata.ts';

/** Builds the model an architecture config describes (the registry: one entry per `type`). */
/** `seed` makes the initial weights reproducible. */
export function buildModel(arch: ArchitectureConfig, inputSize: number, seed?: number): tf.LayersModel {
  if (inputSize % 2 ** arch.depth !== 0) {
    throw new Error(`input size ${inputSize} must be divisible by 2^depth = ${2 ** arch.depth}`);
  }
  switch (arch.type) {
    case 'unet':
      return buildUnet(arch, inputSize, seed);
    case 'double-unet':
      return buildDoubleUnet(arch, inputSize, seed);
  }
}

/** Output channels of a model built from `arch`; the final mask is the last one. */
export function outputChannels(arch: ArchitectureConfig): number {
  return arch.type === 'double-unet' ? 2 : 1;
}
export { loadLayersModel, loadModel, openModelDir, readMetadata, saveModel, METADATA_FILE } from './io.ts';
export type { ModelFiles } from './files.ts';
