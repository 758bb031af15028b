/**
 * wasm kernels for Conv2DBackpropFilter (missing in tfjs-backend-wasm) and Conv2DBackpropInput (a naive
 * loop there), implemented with ops that run on XNNPACK. Kernels built from ops are allowed in TF.js: ops
 * run inside a kernel are not recorded on the gradient tape, and a returned Tensor is used as the output.
 */
import { tf } from '../tf.ts';
import { convGeometry, type Pad, type RoundingMode } from '../conv-geometry.ts';
import { convFilterGrad } from './conv-filter-grad.ts';
import { convInputGrad } from './conv-input-grad.ts';
import { simdConvFilterGrad, simdConvFilterGradSupported } from './conv-filter-grad-simd.ts';
import type { WasmBackend } from './wasm-heap.ts';

interface BackpropAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: RoundingMode;
}

function assertNHWC(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat != null && dataFormat !== 'NHWC') {
    throw new Error(`${kernel} on wasm supports only NHWC data, got ${dataFormat}`);
  }
}

const backpropFilter: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, dy } = inputs as { x: tf.Tensor4D; dy: tf.Tensor4D };
  const a = attrs as unknown as BackpropAttrs & { filterShape: number[] };
  assertNHWC('Conv2DBackpropFilter', a.dataFormat);
  const g = convGeometry(x.shape, a.filterShape, a.strides, a.pad, 1, a.dimRoundingMode);
  const wb = backend as unknown as WasmBackend;
  if (simdConvFilterGradSupported(wb, g)) return simdConvFilterGrad(wb, x, dy, g);
  return convFilterGrad(x, dy, g);
};

const backpropInput: tf.KernelFunc = ({ inputs, attrs }) => {
  const { dy, filter } = inputs as { dy: tf.Tensor4D; filter: tf.Tensor4D };
  const a = attrs as unknown as BackpropAttrs & { inputShape: number[] };
  assertNHWC('Conv2DBackpropInput', a.dataFormat);
  const g = convGeometry(a.inputShape, filter.shape, a.strides, a.pad, 1, a.dimRoundingMode);
  return convInputGrad(dy, filter, g);
};

export const convBackpropKernels: tf.KernelConfig[] = [
  { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: backpropFilter },
  { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: backpropInput },
];
