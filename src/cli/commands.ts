import type { Command } from './command.ts';

/** Lazily imported so `polypseg --help` does not load TF.js or onnxruntime. */
export const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  augment: {
    summary: 'augmentation contact sheets and offline augmented datasets',
    load: async () => (await import('./augment.ts')).default,
  },
  train: {
    summary: 'train a model from a config file (resumable)',
    load: async () => (await import('./train.ts')).default,
  },
  eval: {
    summary: 'score a model on a dataset split (Dice, IoU, ..., PraNet toolbox measures)',
    load: async () => (await import('./eval.ts')).default,
  },
  benchmark: {
    summary: 'score a model (or two) on named test sets: the PraNet toolbox table papers report',
    load: async () => (await import('./benchmark.ts')).default,
  },
  pretrain: {
    summary: 'pretrain a segmentation encoder on a pretext task (crop classification or rotation)',
    load: async () => (await import('./pretrain.ts')).default,
  },
  experiment: {
    summary: "reproduce the original's Table 2 (augmentation x pretraining x model), resumable",
    load: async () => (await import('./experiment.ts')).default,
  },
  serve: {
    summary: 'serve the web app and HTTP API (images, videos, in-browser and live segmentation)',
    load: async () => (await import('./serve.ts')).default,
  },
  worker: {
    summary: 'process video jobs from a Redis queue (run many, on many machines, behind one API)',
    load: async () => (await import('./worker.ts')).default,
  },
  export: {
    summary: 'convert a trained TF.js model to ONNX (onnxruntime in Node and the browser)',
    load: async () => (await import('./export.ts')).default,
  },
  predict: {
    summary: 'segment an image or a folder of images into mask PNGs (+ overlays, JSON)',
    load: async () => (await import('./predict.ts')).default,
  },
  'predict-video': {
    summary: 'segment a video: mask overlay on every frame, H.264 MP4, per-frame JSON',
    load: async () => (await import('./predict-video.ts')).default,
  },
};
