import './no-telemetry.ts';
import * as ort from 'onnxruntime-node';
import { PolypsegError } from '../../errors.ts';
import type { ModelFiles } from '../../models/files.ts';
import { onnxFileName, onnxInfer } from '../onnx-infer.ts';
import { ModelSegmenter } from '../segmenter-core.ts';
import type { RuntimeOptions } from '../types.ts';
import { inferOnThreads } from './infer-threads.ts';
import { sessionOptions } from './session-options.ts';

export { sessionOptions };

export interface OnnxNodeOptions extends RuntimeOptions {
  /** `threads`: intra-op threads (default: available cores, at most 4) */
  /** let idle ORT threads spin (faster on an otherwise idle machine; default false) */
  spinning?: boolean;
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
  if (opts.inferThreads && opts.inferThreads > 0) {
    const { infer, release } = await inferOnThreads(bytes, metadata.inputSize, opts.inferThreads);
    return new ModelSegmenter('onnx', metadata, infer, release);
  }
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
