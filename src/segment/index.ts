// Node entry: the factory. Browser code imports the browser-safe modules below and onnx-web/ directly.
export { createSegmenter, parseRuntime, RUNTIMES } from './create-segmenter.ts';
export { ModelSegmenter } from './segmenter-core.ts';
export { preprocess, toRgb, type InputSpec } from './preprocess.ts';
export { postprocess, channelOf } from './postprocess.ts';
export { describeComponents, labelComponents } from './components.ts';
export { resizeBilinear } from './resize.ts';
export { overlayMask, drawOverlay, renderOverlay, parseColor, type OverlayOptions } from './overlay.ts';
export type * from './types.ts';
