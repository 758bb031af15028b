import type { tf } from '../engine/tf.ts';
import { buildDoubleUnet } from './double-unet.ts';
import type { ArchitectureConfig } from './metadata.ts';
import { buildMobilenetUnet } from './mobilenet-unet.ts';
import { buildUnet } from './unet.ts';

export { architectureSchema, modelMetadataSchema } from './metadata.ts';
export type { ArchitectureConfig, ModelMetadata } from './metadata.ts';

/** How many times the encoder halves the input: the input size must be a multiple of this. */
export function outputStride(arch: ArchitectureConfig): number {
  return arch.type === 'mobilenetv2-unet' ? 32 : 2 ** arch.depth;
}

/**
 * Builds the model an architecture config describes (the registry: one entry per `type`).
 * `seed` makes the initial weights reproducible.
 */
export function buildModel(arch: ArchitectureConfig, inputSize: number, seed?: number): tf.LayersModel {
  const stride = outputStride(arch);
  if (inputSize % stride !== 0) {
    throw new Error(`input size ${inputSize} must be divisible by ${stride} for a ${arch.type}`);
  }
  switch (arch.type) {
    case 'unet':
      return buildUnet(arch, inputSize, seed);
    case 'double-unet':
      return buildDoubleUnet(arch, inputSize, seed);
    case 'mobilenetv2-unet':
      return buildMobilenetUnet(arch, inputSize, seed);
  }
}

/** Output channels of a model built from `arch`; the final mask is the last one. */
export function outputChannels(arch: ArchitectureConfig): number {
  return arch.type === 'double-unet' ? 2 : 1;
}
export { loadLayersModel, loadModel, openModelDir, readMetadata, saveModel, METADATA_FILE } from './io.ts';
export type { ModelFiles } from './files.ts';
