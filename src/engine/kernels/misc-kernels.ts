/**
 * Small wasm kernels that were expensive in a UNet training step: zero-copy Identity/Cast, per-channel
 * Sum/Mean (reducing every axis but the last, as batch norm and bias gradients do), and MaxPoolGrad for
 * non-overlapping pools. Other cases go to the stock kernels.
 */
import { tf } from '../tf.ts';
import { runStockKernel } from './stock-kernels.ts';
import { simdMaxPoolGrad2x2, simdReluGrad } from '../simd/channel-simd.ts';
import { byteOffset, elementOffset, heapF32, type WasmBackend } from './wasm-heap.ts';

/** Shares the input's buffer (tensors are immutable), as the stock Reshape kernel does. */
function shareBuffer(backend: WasmBackend, x: tf.TensorInfo, dtype: tf.DataType = x.dtype): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype };
}

const identity: tf.KernelFunc = (args) => {
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype === 'string') return runStockKernel('Identity', args);
  return shareBuffer(args.backend as unknown as WasmBackend, x);
};

const cast: tf.KernelFunc = (args) => {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
  if (dtype !== x.dtype || x.dtype === 'string') return runStockKernel('Cast', args);
  return shareBuffer(args.backend as unknown as WasmBackend, x);
};

/** True when `axes` are exactly 0..rank-2: a per-channel reduction of a [rows, channels] matrix. */
function isChannelReduction(shape: readonly number[], axes: number[]): boolean {
  if (shape.length < 2 || axes.length !== shape.length - 1) return false;
  const sorted = [...axes].sort((a, b) => a - b);
  return sorted.every((a, i) => a === i);
}

function channelReduce(name: 'Sum' | 'Mean'): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const axes = tf.util.parseAxisParam(axis, x.shape);
    if (x.dtype !== 'float32' || !isChannelReduction(x.shape, axes)) return runStockKernel(name, args);
    const backend = args.backend as unknown as WasmBackend;
    const channels = x.shape[x.shape.length - 1]!;
    const rows = tf.util.sizeFromShape(x.shape) / channels;
    const outShape = keepDims ? [...x.shape.slice(0, -1).map(() => 1), channels] : [channels];
    const out = backend.makeOutput(outShape, 'float32');
    const heap = heapF32(backend);
    const src = elementOffset(backend, x);
    // Double accumulators: more accurate than the stock float32 running sum, and as fast in JS.
    const acc = new Float64Array(channels);
    for (let r = 0, i = src; r < rows; r++) {
      for (let c = 0; c < channels; c++, i++) acc[c] += heap[i]!;
    }
    const scale = name === 'Mean' ? 1 / rows : 1;
    const dst = elementOffset(backend, out);
    for (let c = 0; c < channels; c++) heap[dst + c] = acc[c]! * scale;
    return out;
  };
}

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * Gradient of a 2-D max pool: each dy goes to the first maximum (row-major) of its window's in-bounds
 * pixels, as in TF.js's cpu backend; overlapping windows add up. 2x2 stride-2 pools (UNet) run as a SIMD
 * loop; everything else as a plain loop (the stock wasm kernel disagrees with cpu on padded, overlapping
 * windows).
 */
const maxPoolGrad: tf.KernelFunc = (args) => {
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo; output: tf.TensorInfo };
  const a = args.attrs as unknown as PoolAttrs;
  if (input.dtype !== 'float32') return runStockKernel('MaxPoolGrad', args);
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const backend = args.backend as unknown as WasmBackend;
  const dx = backend.makeOutput([...input.shape], 'float32');
  const heap = heapF32(backend);
  const xOff = elementOffset(backend, input);
  const dyOff = elementOffset(backend, dy);
  const dxOff = elementOffset(backend, dx);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const tiles2x2 = kh === 2 && kw === 2 && sh === 2 && sw === 2 && top === 0 && left === 0 && c % 4 === 0;
  // The SIMD kernel writes every element a window covers; the loop below only adds into dx.
  if (!tiles2x2 || oh * 2 < h || ow * 2 < w) heap.fill(0, dxOff, dxOff + tf.util.sizeFromShape(input.shape));
  const shape = { n, h, w, c, oh, ow };
  if (
    tiles2x2 &&
    simdMaxPoolGrad2x2(
      backend,
      byteOffset(backend, input),
      byteOffset(backend, dy),
      byteOffset(backend, dx),
      shape,
    )
  ) {
    return dx;
  }
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const g = dyOff + ((b * oh + i) * ow + j) * c;
        const r0 = i * sh - top;
        const c0 = j * sw - left;
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let at = -1;
          for (let u = Math.max(0, -r0); u < kh && r0 + u < h; u++) {
            for (let v = Math.max(0, -c0); v < kw && c0 + v < w; v++) {
              const k = ((b * h + r0 + u) * w + c0 + v) * c + ch;
              const val = heap[xOff + k]!;
              if (val > best) {
                best = val;
                at = k;
              }
            }
          }
          if (at >= 0) heap[dxOff + at] += heap[g + ch]!;
        }
      }
    }
  }
  return dx;
};

export const RELU_GRAD = 'PolypsegReluGrad';
export const RELU6_GRAD = 'PolypsegRelu6Grad';

/**
 * dy where x > 0 (and x <= 6 for Relu6), else 0: the gradient in one pass (stock: Step, then Multiply;
 * Relu6 adds LessEqual and another Multiply).
 */
function reluGradKernel(top: number): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
    const wb = backend as unknown as WasmBackend;
    const out = wb.makeOutput([...x.shape], 'float32');
    const n = tf.util.sizeFromShape(x.shape);
    if (!simdReluGrad(wb, byteOffset(wb, dy), byteOffset(wb, x), byteOffset(wb, out), n, top === 6)) {
      const heap = heapF32(wb);
      const [d, xs, o] = [elementOffset(wb, dy), elementOffset(wb, x), elementOffset(wb, out)];
      for (let i = 0; i < n; i++) {
        const v = heap[xs + i]!;
        heap[o + i] = v > 0 && v <= top ? heap[d + i]! : 0;
      }
    }
    return out;
  };
}

export const miscKernels: tf.KernelConfig[] = [
  { kernelName: 'Identity', backendName: 'wasm', kernelFunc: identity },
  { kernelName: 'Cast', backendName: 'wasm', kernelFunc: cast },
  { kernelName: 'Sum', backendName: 'wasm', kernelFunc: channelReduce('Sum') },
  { kernelName: 'Mean', backendName: 'wasm', kernelFunc: channelReduce('Mean') },
  { kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGrad },
  { kernelName: RELU_GRAD, backendName: 'wasm', kernelFunc: reluGradKernel(Infinity) },
  { kernelName: RELU6_GRAD, backendName: 'wasm', kernelFunc: reluGradKernel(6) },
];
