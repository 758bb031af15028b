import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { PolypsegError } from '../../errors.ts';
import type { ModelFiles } from '../../models/files.ts';
import { onnxFileName, onnxInfer } from '../onnx-infer.ts';
import { ModelSegmenter } from '../segmenter-core.ts';
import type { RuntimeOptions } from '../types.ts';

export interface OnnxNodeOptions extends RuntimeOptions {
  /** `threads`: intra-op threads (default: available cores, at most 4) */
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

/** Loads `metadata.files.onnx` (default model.onnx) into onnxruntime-node. */
export async function createOnnxNodeSegmenter(
  files: ModelFiles,
  opts: OnnxNodeOptions = {},
): Promise<ModelSegmenter> {
  const { metadata } = files;
  const name = onnxFileName(metadata);
  const bytes = await files.read(name).catch((err: unknown) => {
    throw new PolypsegError(
      `${name} is missing in ${files.location}: run \`polypseg export --model ${files.location}\` to create it (or use --runtime tfjs)`,
      'MODEL_MISSING',
      { cause: err },
    );
  });
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, sessionOptions(opts.threads, opts.spinning));
  } catch (err) {
    throw new PolypsegError(
      `cannot load ${name} of ${files.location}: ${(err as Error).message}`,
      'MODEL_CORRUPT',
      {
        cause: err,
      },
    );
  }
  const infer = onnxInfer(session, ort.Tensor, metadata.inputSize);
  return new ModelSegmenter('onnx', metadata, infer, () => session.release());
}
