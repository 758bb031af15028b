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
  /** let idle ORT threads spin (faster on an otherwise idle machine; default false) */
  spinning?: boolean;
}

/**
 * Session options tuned with bench/infer-speed.ts (docs/benchmarks.md): full graph optimisation
 * (conv+BN+ReLU fusion, NCHWc blocked layout), sequential execution, one inter-op thread, and no
 * spin-waiting between ops: on a shared CPU (ffmpeg, a training job) spinning threads steal the
 * cores the others need and halved video fps in our measurements.
 */
export function sessionOptions(threads?: number, spinning = false): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: threads ?? Math.max(1, Math.min(4, os.availableParallelism())),
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: spinning ? '1' : '0' } } },
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
    session = await ort.InferenceSession.create(file, sessionOptions(opts.threads, opts.spinning));
  } catch (err) {
    throw new PolypsegError(`cannot load ${file}: ${(err as Error).message}`, 'MODEL_CORRUPT', {
      cause: err,
    });
  }
  const infer = onnxInfer(session, ort.Tensor, metadata.inputSize);
  return new ModelSegmenter('onnx', metadata, infer, () => session.release());
}
