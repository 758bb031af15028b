// Browser runtime (also runs under Node with onnxruntime-web's wasm build). No Node imports.
import * as ort from 'onnxruntime-web';
import { PolypsegError } from '../../errors.ts';
import { modelMetadataSchema, type ModelMetadata } from '../../models/metadata.ts';
import { DEFAULT_ONNX_FILE, onnxInfer } from '../onnx-infer.ts';
import { ModelSegmenter } from '../segmenter-core.ts';

export type WebExecutionProvider = 'webgpu' | 'wasm';

export interface OnnxWebOptions {
  /** try these in order; default: ['webgpu', 'wasm'] when navigator.gpu exists, else ['wasm'] */
  executionProviders?: WebExecutionProvider[];
  /** wasm threads (needs a cross-origin-isolated page; ORT falls back to 1 otherwise). Default: cores, max 4 */
  threads?: number;
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
 * Creates a segmenter from ONNX bytes (or a URL ORT fetches) and the model's polypseg.json content.
 * WebGPU is tried first when the browser has it; if its session fails, wasm is used.
 */
export async function createOnnxWebSegmenter(
  model: Uint8Array | ArrayBuffer | string,
  metadata: unknown,
  opts: OnnxWebOptions = {},
): Promise<OnnxWebSegmenter> {
  const parsed = modelMetadataSchema.safeParse(metadata);
  if (!parsed.success)
    throw new PolypsegError(`invalid polypseg.json: ${parsed.error.message}`, 'MODEL_CORRUPT');
  const hardware = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 1 : 1;
  ort.env.wasm.numThreads = opts.threads ?? Math.max(1, Math.min(4, hardware));
  if (opts.wasmPaths) ort.env.wasm.wasmPaths = opts.wasmPaths;
  const providers = opts.executionProviders ?? (hasWebGpu() ? ['webgpu', 'wasm'] : ['wasm']);
  const bytes = model instanceof ArrayBuffer ? new Uint8Array(model) : model;
  let lastError: unknown;
  for (const ep of providers) {
    try {
      const options: ort.InferenceSession.SessionOptions = {
        executionProviders: [ep],
        graphOptimizationLevel: 'all',
      };
      const session =
        typeof bytes === 'string'
          ? await ort.InferenceSession.create(bytes, options)
          : await ort.InferenceSession.create(bytes, options);
      return new OnnxWebSegmenter(parsed.data, session, ep);
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

/**
 * Fetches `${baseUrl}/polypseg.json` and its ONNX file (files.onnx, default model.onnx) and creates
 * the segmenter, e.g. `await loadOnnxWebSegmenter('/models/default')`.
 */
export async function loadOnnxWebSegmenter(
  baseUrl: string,
  opts: OnnxWebOptions = {},
): Promise<OnnxWebSegmenter> {
  const base = baseUrl.replace(/\/+$/, '');
  const metaResponse = await fetch(`${base}/polypseg.json`);
  if (!metaResponse.ok)
    throw new PolypsegError(
      `no model at ${base}: polypseg.json gave HTTP ${metaResponse.status}`,
      'MODEL_MISSING',
    );
  const metadata = modelMetadataSchema.parse(await metaResponse.json());
  const file = metadata.files.onnx ?? DEFAULT_ONNX_FILE;
  const modelResponse = await fetch(`${base}/${file}`);
  if (!modelResponse.ok)
    throw new PolypsegError(
      `${base}/${file} gave HTTP ${modelResponse.status}: export the model with \`polypseg export\``,
      'MODEL_MISSING',
    );
  return createOnnxWebSegmenter(new Uint8Array(await modelResponse.arrayBuffer()), metadata, opts);
}
