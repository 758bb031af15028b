// Browser-safe: no Node imports; shared by the onnxruntime-node and onnxruntime-web runtimes.
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { PolypsegError } from '../errors.ts';
import type { ModelMetadata } from '../models/metadata.ts';
import type { InferFn } from './types.ts';

/** The ONNX file name `polypseg export` writes into a model directory. */
export const DEFAULT_ONNX_FILE = 'model.onnx';

/** The model's ONNX file name (polypseg.json `files.onnx`, else the default). */
export function onnxFileName(metadata: ModelMetadata): string {
  return metadata.files.onnx ?? DEFAULT_ONNX_FILE;
}

type TensorCtor = new (type: 'float32', data: Float32Array, dims: readonly number[]) => Tensor;

/** 'NCHW' when the session's first input is declared [N, 3, H, W] (exported with --layout NCHW). */
export function inputLayout(session: InferenceSession): 'NHWC' | 'NCHW' {
  const meta = session.inputMetadata[0];
  const shape = meta && meta.isTensor ? meta.shape : [];
  return shape.length === 4 && shape[1] === 3 && shape[3] !== 3 ? 'NCHW' : 'NHWC';
}

function nhwcToNchw(data: Float32Array, n: number, s: number): Float32Array {
  const out = new Float32Array(data.length);
  const plane = s * s;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < plane; i++)
      for (let c = 0; c < 3; c++) out[b * 3 * plane + c * plane + i] = data[(b * plane + i) * 3 + c]!;
  return out;
}

/** An InferFn over an ONNX session exported by polypseg (input 'input', output 'probabilities'). */
export function onnxInfer(session: InferenceSession, TensorClass: TensorCtor, inputSize: number): InferFn {
  const inputName = session.inputNames[0]!;
  const outputName = session.outputNames.includes('probabilities')
    ? 'probabilities'
    : session.outputNames[0]!;
  const layout = inputLayout(session);
  return async (input, batch) => {
    const s = inputSize;
    const tensor =
      layout === 'NCHW'
        ? new TensorClass('float32', nhwcToNchw(input, batch, s), [batch, 3, s, s])
        : new TensorClass('float32', input, [batch, s, s, 3]);
    const result = await session.run({ [inputName]: tensor });
    const out = result[outputName] as Tensor | undefined;
    if (!out || out.type !== 'float32')
      throw new PolypsegError(`ONNX model gave no float32 '${outputName}' output`, 'MODEL_OUTPUT');
    const data = out.data as Float32Array;
    // Release native/GPU memory early when the runtime supports it; keep a JS copy.
    const copy = data.slice();
    out.dispose?.();
    return copy;
  };
}
