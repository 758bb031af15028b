export type { BinaryMask, RawImage, Sample } from './raw-image.ts';
export { createImage, createMask } from './raw-image.ts';
export { decodeImage, decodeMask, encodeMaskPng, encodePng, DEFAULT_MAX_PIXELS } from './decode.ts';
export { findFile, listSampleIds, loadSample, loadSamples, readSplit } from './dataset.ts';
export { carveValidation, hashString } from './split.ts';
export { datasetDir, DEFAULT_DATA_DIR, IMAGE_EXTENSIONS } from './locations.ts';
