// Browser runtime (also runs under Node with onnxruntime-web's wasm build). No Node imports.
import * as ort from 'onnxruntime-web';
import { PolypsegError } from '../../errors.ts';
import type { ModelFiles } from '../../models/files.ts';
import type { ModelMetadata } from '../../models/metadata.ts';
import { onnxFileName, onnxInfer } from '../onnx-infer.ts';
import { ModelSegmenter } from '../segmenter-core.ts';
import type { RuntimeOptions } from '../types.ts';

export type WebExecutionProvider = 'webgpu' | 'wasm';

/** `threads`: wasm threads (needs a cross-origin-isolated page; ORT uses 1 otherwise), default cores, max 4. */
export interface OnnxWebOptions extends RuntimeOptions {
  /** try these in order; default: ['webgpu', 'wasm'] when navigator.gpu exists, else ['wasm'] */
  executionProviders?: WebExecutionProvider[];
  /** where ORT finds its .wasm files (ort.env.wasm.wasmPaths); default: next to the bundle */
  wasmPaths?: string;
}

/** The web Segmenter, plus which execution provider it ended up on. */
export class OnnxWebSegmenter extends ModelSegmenter {
  constructor(
    metadata: ModelMetadata,
    session: ort.InferenceSession,
    readonly executionProvider: WebExecutionProvider,
  ) {
    super('onnx-web', metadata, onnxInfer(session, ort.Tensor, metadata.inputSize), () => session.release());
  }
}

function hasWebGpu(): boolean {
  return (
    typeof navigator !== 'undefined' && 'gpu' in navigator && Boolean((navigator as { gpu?: unknown }).gpu)
  );
}

/**
 * Creates a segmenter from the model's ONNX file (`metadata.files.onnx`, default model.onnx).
 * WebGPU is tried first when the browser has it; if its session fails, wasm is used.
 */
export async function createOnnxWebSegmenter(
  files: ModelFiles,
  opts: OnnxWebOptions = {},
): Promise<OnnxWebSegmenter> {
  const { metadata } = files;
  const bytes = await files.read(onnxFileName(metadata));
  const hardware = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 1 : 1;
  ort.env.wasm.numThreads = opts.threads ?? Math.max(1, Math.min(4, hardware));
  if (opts.wasmPaths) ort.env.wasm.wasmPaths = opts.wasmPaths;
  const providers = opts.executionProviders ?? (hasWebGpu() ? ['webgpu', 'wasm'] : ['wasm']);
  let lastError: unknown;
  for (const ep of providers) {
    try {
      const options: ort.InferenceSession.SessionOptions = {
        executionProviders: [ep],
        graphOptimizationLevel: 'all',
      };
      const session = await ort.InferenceSession.create(bytes, options);
      return new OnnxWebSegmenter(metadata, session, ep);
    } catch (err) {
      lastError = err;
    }
  }
  throw new PolypsegError(
    `cannot start the ONNX model with ${providers.join(' or ')}: ${(lastError as Error)?.message ?? lastError}`,
    'MODEL_CORRUPT',
    { cause: lastError },
  );
}
