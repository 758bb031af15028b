/**
 * Small wasm kernels that were expensive in a UNet training step: zero-copy Identity/Cast, per-channel
 * Sum/Mean (reducing every axis but the last, as batch norm and bias gradients do), and MaxPoolGrad for
 * non-overlapping pools. Other cases go to the stock kernels.
 */
import { tf } from '../tf.ts';
import { runStockKernel } from './stock-kernels.ts';
import { elementOffset, heapF32, heapFor, type WasmBackend } from './wasm-heap.ts';

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

/** Gradient of a max pool whose windows tile the input (window == stride, no padding). */
const maxPoolGrad: tf.KernelFunc = (args) => {
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo; output: tf.TensorInfo };
  const a = args.attrs as unknown as PoolAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const tiles =
    info.filterHeight === info.strideHeight &&
    info.filterWidth === info.strideWidth &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    info.outHeight * info.strideHeight <= info.inHeight &&
    info.outWidth * info.strideWidth <= info.inWidth;
  if (!tiles || input.dtype !== 'float32') return runStockKernel('MaxPoolGrad', args);
  const backend = args.backend as unknown as WasmBackend;
  const dx = backend.makeOutput([...input.shape], 'float32');
  const heap = heapF32(backend);
  const xOff = elementOffset(backend, input);
  const dyOff = elementOffset(backend, dy);
  const dxOff = elementOffset(backend, dx);
  heap.fill(0, dxOff, dxOff + tf.util.sizeFromShape(input.shape));
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const kh = info.filterHeight;
  const kw = info.filterWidth;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const corner = ((b * h + i * kh) * w + j * kw) * c;
        const g = dyOff + ((b * oh + i) * ow + j) * c;
        for (let ch = 0; ch < c; ch++) {
          // First maximum in row-major window order wins, as in TF.js's cpu backend.
          let best = -Infinity;
          let at = -1;
          for (let u = 0; u < kh; u++) {
            for (let v = 0; v < kw; v++) {
              const k = corner + (u * w + v) * c + ch;
              const val = heap[xOff + k]!;
              if (val > best || at < 0) {
                best = val;
                at = k;
              }
            }
          }
          heap[dxOff + at] += heap[g + ch]!;
        }
      }
    }
  }
  return dx;
};

export const miscKernels: tf.KernelConfig[] = [
  { kernelName: 'Identity', backendName: 'wasm', kernelFunc: identity },
  { kernelName: 'Cast', backendName: 'wasm', kernelFunc: cast },
  { kernelName: 'Sum', backendName: 'wasm', kernelFunc: channelReduce('Sum') },
  { kernelName: 'Mean', backendName: 'wasm', kernelFunc: channelReduce('Mean') },
  { kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGrad },
];
