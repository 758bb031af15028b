import type { Command } from './command.ts';

/** Lazily imported so `polypseg --help` does not load TF.js or onnxruntime. */
export const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  train: {
    summary: 'train a model from a config file (resumable)',
    load: async () => (await import('./train.ts')).default,
  },
  serve: {
    summary: 'serve the web app and HTTP API (images, videos, in-browser and live segmentation)',
    load: async () => (await import('./serve.ts')).default,
  },
};
