import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PolypsegError } from '../errors.ts';
import { readMetadata } from '../models/io.ts';
import { assertSegmentationModel } from '../models/metadata.ts';
import { DEFAULT_ONNX_FILE } from './onnx-infer.ts';
import type { Runtime, Segmenter, SegmenterOptions } from './types.ts';

export const RUNTIMES: readonly Runtime[] = ['onnx', 'tfjs', 'onnx-web'];

export function parseRuntime(value: string): Runtime {
  if ((RUNTIMES as readonly string[]).includes(value)) return value as Runtime;
  throw new PolypsegError(`unknown runtime '${value}' (use ${RUNTIMES.join(', ')})`, 'UNKNOWN_RUNTIME');
}

/**
 * Node entry point (cf. tfjs-models' createSegmenter): reads `modelDir`/polypseg.json and starts the
 * chosen runtime. 'onnx' (default) needs model.onnx (`polypseg export`), 'tfjs' needs model.json +
 * weights, 'onnx-web' runs onnxruntime-web's wasm build (in the browser use onnx-web/ directly).
 */
export async function createSegmenter(modelDir: string, opts: SegmenterOptions = {}): Promise<Segmenter> {
  const runtime = parseRuntime(opts.runtime ?? 'onnx');
  if (opts.threads !== undefined && !(Number.isInteger(opts.threads) && opts.threads >= 1))
    throw new PolypsegError(`threads must be a positive integer, got ${opts.threads}`, 'BAD_THREADS');
  const metadata = await readMetadata(modelDir);
  assertSegmentationModel(metadata, modelDir);
  switch (runtime) {
    case 'onnx': {
      const { createOnnxNodeSegmenter } = await import('./onnx-node/index.ts');
      return createOnnxNodeSegmenter(modelDir, metadata, { threads: opts.threads });
    }
    case 'tfjs': {
      const { createTfjsSegmenter } = await import('./tfjs/index.ts');
      return createTfjsSegmenter(modelDir, { threads: opts.threads });
    }
    case 'onnx-web': {
      const { createOnnxWebSegmenter } = await import('./onnx-web/index.ts');
      const file = join(modelDir, metadata.files.onnx ?? DEFAULT_ONNX_FILE);
      const bytes = await readFile(file).catch(() => {
        throw new PolypsegError(
          `${file} does not exist: run \`polypseg export --model ${modelDir}\``,
          'MODEL_MISSING',
        );
      });
      return createOnnxWebSegmenter(new Uint8Array(bytes), metadata, {
        threads: opts.threads,
        executionProviders: ['wasm'],
      });
    }
  }
}
