/** Seeded, mask-consistent augmentation on plain typed arrays (no TF.js): usable in any data loader. */
export { augmentConfigSchema, copyPasteConfigSchema, parseAugmentConfig } from './config.ts';
export type { AugmentConfig, AugmentConfigInput, CopyPasteConfig } from './config.ts';
export { compose, type Transform } from './transform.ts';
export { applyGeometry, drawGeometry, geometric, geometryMatrix, type GeometryParams } from './geometric.ts';
export { blurImage, colourJitter, gaussianBlur } from './photometric.ts';
export {
  copyPaste,
  type CopyPasteOptions,
  type CopyPasteResult,
  type CopyPasteSkipReason,
} from './copy-paste.ts';
export { visibleArea, findScopeGuideInset } from './visible-area.ts';
export { basicTransform, createAugmenter, type Augmenter } from './augmenter.ts';
export { contactSheet, drawOutline } from './contact-sheet.ts';
