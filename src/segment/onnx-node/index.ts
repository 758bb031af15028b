import { existsSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { PolypsegError } from '../../errors.ts';
import type { ModelMetadata } from '../../models/metadata.ts';
import { DEFAULT_ONNX_FILE, onnxInfer } from '../onnx-infer.ts';

export { DEFAULT_ONNX_FILE };
import { ModelSegmenter } from '../segmenter-core.ts';

export interface OnnxNodeOptions {
  /** intra-op threads (default: available cores, at most 4) */
  threads?: number;
}

/**
 * Session options tuned on the benchmark (docs/benchmarks.md): full graph optimisation (conv+BN+ReLU
 * fusion, NCHWc layout), sequential execution, one inter-op thread.
 */
export function sessionOptions(threads?: number): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: threads ?? Math.max(1, Math.min(4, os.availableParallelism())),
    interOpNumThreads: 1,
  };
}

/** Loads `metadata.files.onnx` (default model.onnx) from `dir` into onnxruntime-node. */
export async function createOnnxNodeSegmenter(
  dir: string,
  metadata: ModelMetadata,
  opts: OnnxNodeOptions = {},
): Promise<ModelSegmenter> {
  const file = join(dir, metadata.files.onnx ?? DEFAULT_ONNX_FILE);
  if (!existsSync(file))
    throw new PolypsegError(
      `${file} does not exist: run \`polypseg export --model ${dir}\` to create it (or use --runtime tfjs)`,
      'MODEL_MISSING',
    );
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(file, sessionOptions(opts.threads));
  } catch (err) {
    throw new PolypsegError(`cannot load ${file}: ${(err as Error).message}`, 'MODEL_CORRUPT', {
      cause: err,
    });
  }
  const infer = onnxInfer(session, ort.Tensor, metadata.inputSize);
  return new ModelSegmenter('onnx', metadata, infer, () => session.release());
}
