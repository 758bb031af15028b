/**
 * Per-channel statistics kernels for batch norm on wasm, one pass over memory each (the op-based versions
 * take five to ten passes through full-size temporaries). Inputs are [..., C] float32; "channel" is the
 * last axis. Sums accumulate in double precision.
 *
 *  PolypsegChannelMoments(x)              -> [mean; variance] as one [2, C] tensor
 *  PolypsegBatchNormGradSums(dy, x, mean) -> [sum(dy); sum(dy * (x - mean))] as one [2, C] tensor
 *  PolypsegChannelAffine(x, a, b)         -> x * a[c] + b[c], shaped like x
 */
import { tf } from '../tf.ts';
import { runStockKernel } from './stock-kernels.ts';
import { simdAffine, simdGradSums, simdMoments } from '../simd/channel-simd.ts';
import { byteOffset, elementOffset, heapF32, type WasmBackend } from './wasm-heap.ts';

function rowsAndChannels(x: tf.TensorInfo): [number, number] {
  const c = x.shape[x.shape.length - 1]!;
  return [tf.util.sizeFromShape(x.shape) / c, c];
}

const channelMoments: tf.KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  const wb = backend as unknown as WasmBackend;
  const [rows, c] = rowsAndChannels(x);
  const out = wb.makeOutput([2, c], 'float32');
  if (simdMoments(wb, byteOffset(wb, x), rows, c, byteOffset(wb, out))) return out;
  const heap = heapF32(wb);
  const s1 = new Float64Array(c);
  const s2 = new Float64Array(c);
  for (let r = 0, i = elementOffset(wb, x); r < rows; r++) {
    for (let k = 0; k < c; k++, i++) {
      const v = heap[i]!;
      s1[k] += v;
      s2[k] += v * v;
    }
  }
  const m = elementOffset(wb, out);
  const vr = m + c;
  for (let k = 0; k < c; k++) {
    const mu = s1[k]! / rows;
    heap[m + k] = mu;
    heap[vr + k] = Math.max(0, s2[k]! / rows - mu * mu);
  }
  return out;
};

const batchNormGradSums: tf.KernelFunc = ({ inputs, backend }) => {
  const { dy, x, mean } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo; mean: tf.TensorInfo };
  const wb = backend as unknown as WasmBackend;
  const [rows, c] = rowsAndChannels(x);
  const out = wb.makeOutput([2, c], 'float32');
  if (
    simdGradSums(
      wb,
      byteOffset(wb, dy),
      byteOffset(wb, x),
      byteOffset(wb, mean),
      rows,
      c,
      byteOffset(wb, out),
    )
  ) {
    return out;
  }
  const heap = heapF32(wb);
  const mu = heap.slice(elementOffset(wb, mean), elementOffset(wb, mean) + c);
  const a = new Float64Array(c);
  const b = new Float64Array(c);
  const xo = elementOffset(wb, x);
  const dyo = elementOffset(wb, dy);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let k = 0; k < c; k++, i++) {
      const g = heap[dyo + i]!;
      a[k] += g;
      b[k] += g * (heap[xo + i]! - mu[k]!);
    }
  }
  const o = elementOffset(wb, out);
  for (let k = 0; k < c; k++) {
    heap[o + k] = a[k]!;
    heap[o + c + k] = b[k]!;
  }
  return out;
};

const channelAffine: tf.KernelFunc = ({ inputs, backend }) => {
  const { x, a, b } = inputs as { x: tf.TensorInfo; a: tf.TensorInfo; b: tf.TensorInfo };
  const wb = backend as unknown as WasmBackend;
  const [rows, c] = rowsAndChannels(x);
  const out = wb.makeOutput([...x.shape], 'float32');
  if (simdAffine(wb, byteOffset(wb, x), byteOffset(wb, a), byteOffset(wb, b), byteOffset(wb, out), rows, c)) {
    return out;
  }
  const heap = heapF32(wb);
  const av = heap.slice(elementOffset(wb, a), elementOffset(wb, a) + c);
  const bv = heap.slice(elementOffset(wb, b), elementOffset(wb, b) + c);
  const xo = elementOffset(wb, x);
  const oo = elementOffset(wb, out);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let k = 0; k < c; k++, i++) heap[oo + i] = heap[xo + i]! * av[k]! + bv[k]!;
  }
  return out;
};

/**
 * FusedBatchNorm as one SIMD affine pass, y = x * a + b with a = scale / sqrt(var + eps) and
 * b = offset - mean * a per channel (the stock kernel is a scalar loop). Statistics broadcast along every
 * axis but the last; anything else goes to the stock kernel.
 */
const fusedBatchNorm: tf.KernelFunc = (args) => {
  const { x, mean, variance, offset, scale } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const { varianceEpsilon } = args.attrs as unknown as { varianceEpsilon: number };
  const wb = args.backend as unknown as WasmBackend;
  const [rows, c] = x!.shape.length ? rowsAndChannels(x!) : [0, 0];
  const perChannel = [mean, variance, offset, scale].every(
    (t) => t == null || tf.util.sizeFromShape(t.shape) === c,
  );
  if (x!.dtype !== 'float32' || c % 4 !== 0 || rows === 0 || !perChannel)
    return runStockKernel('FusedBatchNorm', args);
  const coef = wb.makeOutput([2, c], 'float32');
  let heap = heapF32(wb);
  const vec = (t: tf.TensorInfo | undefined) =>
    t == null ? null : heap.subarray(elementOffset(wb, t), elementOffset(wb, t) + c);
  const [m, v, off, sc] = [vec(mean), vec(variance), vec(offset), vec(scale)];
  const co = elementOffset(wb, coef);
  for (let k = 0; k < c; k++) {
    const a = (sc ? sc[k]! : 1) / Math.sqrt(v![k]! + varianceEpsilon);
    heap[co + k] = a;
    heap[co + c + k] = (off ? off[k]! : 0) - m![k]! * a;
  }
  const out = wb.makeOutput([...x!.shape], 'float32');
  heap = heapF32(wb);
  const base = byteOffset(wb, coef);
  if (!simdAffine(wb, byteOffset(wb, x!), base, base + 4 * c, byteOffset(wb, out), rows, c)) {
    const xo = elementOffset(wb, x!);
    const oo = elementOffset(wb, out);
    for (let r = 0, i = 0; r < rows; r++) {
      for (let k = 0; k < c; k++, i++) heap[oo + i] = heap[xo + i]! * heap[co + k]! + heap[co + c + k]!;
    }
  }
  wb.disposeData(coef.dataId);
  return out;
};

export const CHANNEL_MOMENTS = 'PolypsegChannelMoments';
export const BATCH_NORM_GRAD_SUMS = 'PolypsegBatchNormGradSums';
export const CHANNEL_AFFINE = 'PolypsegChannelAffine';

export const channelKernels: tf.KernelConfig[] = [
  { kernelName: CHANNEL_MOMENTS, backendName: 'wasm', kernelFunc: channelMoments },
  { kernelName: BATCH_NORM_GRAD_SUMS, backendName: 'wasm', kernelFunc: batchNormGradSums },
  { kernelName: CHANNEL_AFFINE, backendName: 'wasm', kernelFunc: channelAffine },
  { kernelName: 'FusedBatchNorm', backendName: 'wasm', kernelFunc: fusedBatchNorm },
];
