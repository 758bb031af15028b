// Light to import (no TF.js, no onnxruntime): each runtime is loaded only when it is chosen.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PolypsegError } from '../errors.ts';
import { openModelDir } from '../models/model-dir.ts';
import { assertSegmentationModel, type ModelMetadata } from '../models/metadata.ts';
import { onnxFileName } from './onnx-infer.ts';
import type { Runtime, RuntimeChoice, Segmenter, SegmenterFactory, SegmenterOptions } from './types.ts';

export const RUNTIMES: readonly RuntimeChoice[] = ['auto', 'onnx', 'tfjs', 'onnx-web'];

export function parseRuntime(value: string): RuntimeChoice {
  if ((RUNTIMES as readonly string[]).includes(value)) return value as RuntimeChoice;
  throw new PolypsegError(`unknown runtime '${value}' (use ${RUNTIMES.join(', ')})`, 'UNKNOWN_RUNTIME');
}

/** Each runtime's factory, loaded only when chosen (onnxruntime and TF.js are heavy to import). */
const FACTORIES: Record<Runtime, () => Promise<SegmenterFactory>> = {
  onnx: async () => (await import('./onnx-node/index.ts')).createOnnxNodeSegmenter,
  tfjs: async () => (await import('./tfjs/index.ts')).createTfjsSegmenter,
  // onnxruntime-web's wasm build under Node; the browser imports onnx-web/ directly
  'onnx-web': async () => {
    const { createOnnxWebSegmenter } = await import('./onnx-web/index.ts');
    return (files, opts) => createOnnxWebSegmenter(files, { ...opts, executionProviders: ['wasm'] });
  },
};

/** The model's ONNX export (`polypseg export`) in `modelDir`, or null when it has none. */
export function onnxExportPath(modelDir: string, metadata: ModelMetadata): string | null {
  const path = join(modelDir, onnxFileName(metadata));
  return existsSync(path) ? path : null;
}

/** 'auto' picks ONNX Runtime when the model has its ONNX export, else TF.js (both give the same masks). */
export function resolveRuntime(choice: RuntimeChoice, modelDir: string, metadata: ModelMetadata): Runtime {
  if (choice !== 'auto') return choice;
  return onnxExportPath(modelDir, metadata) ? 'onnx' : 'tfjs';
}

/**
 * Node entry point (cf. tfjs-models' createSegmenter): reads `modelDir`/polypseg.json and starts the
 * chosen runtime. 'onnx' needs model.onnx (`polypseg export`), 'tfjs' needs model.json + weights,
 * 'onnx-web' runs onnxruntime-web's wasm build, 'auto' (default) is onnx when exported, else tfjs.
 */
export async function createSegmenter(modelDir: string, opts: SegmenterOptions = {}): Promise<Segmenter> {
  const choice = parseRuntime(opts.runtime ?? 'auto');
  if (opts.threads !== undefined && !(Number.isInteger(opts.threads) && opts.threads >= 1))
    throw new PolypsegError(`threads must be a positive integer, got ${opts.threads}`, 'BAD_THREADS');
  const files = await openModelDir(modelDir);
  assertSegmentationModel(files.metadata, modelDir);
  const factory = await FACTORIES[resolveRuntime(choice, modelDir, files.metadata)]();
  return factory(files, { threads: opts.threads, inferThreads: opts.inferThreads });
}
