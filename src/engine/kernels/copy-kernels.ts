/** Slice, Concat and SplitV for wasm as copies within the heap (see wasm-heap.ts). */
import { tf } from '../tf.ts';
import { copyRuns, elementOffset, heapFor, type WasmBackend } from './wasm-heap.ts';

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Copies the block [begin, begin+size) of `x` into the contiguous tensor at `dst`. Trailing dims taken
 * whole merge into one run; the dims before them are walked with an odometer.
 */
function copyBlock(
  backend: WasmBackend,
  x: tf.TensorInfo,
  begin: number[],
  size: number[],
  dstOffset: number,
): void {
  const heap = heapFor(backend, x.dtype);
  const shape = x.shape;
  const rank = shape.length;
  const strides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  // k: the innermost dim not taken whole; run = size[k] * (elements of the dims after it).
  let k = rank - 1;
  while (k > 0 && size[k] === shape[k] && begin[k] === 0) k--;
  const run = size[k]! * strides[k]!;
  let src = elementOffset(backend, x);
  for (let i = 0; i <= k; i++) src += begin[i]! * strides[i]!;
  // Walk dims 0..k-1; the innermost of those is copied by copyRuns.
  if (k === 0) {
    copyRuns(heap, src, 0, dstOffset, 0, 1, run);
    return;
  }
  const j = k - 1;
  const rows = size[j]!;
  const outer = size.slice(0, j);
  const counter = new Array<number>(j).fill(0);
  let dst = dstOffset;
  const total = sizeOf(outer);
  for (let n = 0; n < total; n++) {
    let s = src;
    for (let i = 0; i < j; i++) s += counter[i]! * strides[i]!;
    copyRuns(heap, s, strides[j]!, dst, run, rows, run, backend);
    dst += rows * run;
    for (let i = j - 1; i >= 0; i--) {
      if (++counter[i]! < outer[i]!) break;
      counter[i] = 0;
    }
  }
}

const slice: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  const { begin, size } = attrs as unknown as { begin: number | number[]; size: number | number[] };
  const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
  const wb = backend as unknown as WasmBackend;
  const out = wb.makeOutput(s, x.dtype);
  if (sizeOf(s) > 0) copyBlock(wb, x, b, s, elementOffset(wb, out));
  return out;
};

const concat: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const xs = (inputs as unknown as tf.TensorInfo[]).filter((t) => sizeOf(t.shape) > 0);
  const all = inputs as unknown as tf.TensorInfo[];
  const axis = tf.util.parseAxisParam((attrs as { axis: number }).axis, all[0]!.shape)[0]!;
  const outShape = tf.backend_util.computeOutShape(
    all.map((t) => t.shape),
    axis,
  );
  const wb = backend as unknown as WasmBackend;
  const out = wb.makeOutput(outShape, all[0]!.dtype);
  if (xs.length === 0) return out;
  const heap = heapFor(wb, out.dtype);
  const outer = sizeOf(outShape.slice(0, axis));
  const rowOut = sizeOf(outShape.slice(axis));
  let col = elementOffset(wb, out);
  for (const x of xs) {
    const inner = sizeOf(x.shape.slice(axis));
    copyRuns(heap, elementOffset(wb, x), inner, col, rowOut, outer, inner, wb);
    col += inner;
  }
  return out;
};

const splitV: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  const { numOrSizeSplits, axis } = attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
  const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
  const wb = backend as unknown as WasmBackend;
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((n) => {
    const size = [...x.shape];
    size[ax] = n;
    const out = wb.makeOutput(size, x.dtype);
    if (n > 0 && sizeOf(size) > 0) copyBlock(wb, x, [...begin], size, elementOffset(wb, out));
    begin[ax]! += n;
    return out;
  });
};

const reverse: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  const rank = x.shape.length;
  const axes = tf.util.parseAxisParam((attrs as unknown as { dims: number | number[] }).dims, x.shape);
  const wb = backend as unknown as WasmBackend;
  const out = wb.makeOutput([...x.shape], x.dtype);
  const heap = heapFor(wb, x.dtype);
  const src = elementOffset(wb, x);
  const dst = elementOffset(wb, out);
  const flip = new Array<boolean>(rank).fill(false);
  for (const a of axes) flip[a] = true;
  // Dims after the last reversed one stay in order: they form one run.
  const k = axes.length ? Math.max(...axes) : -1;
  const strides = new Array<number>(rank);
  for (let i = rank - 1, st = 1; i >= 0; i--) {
    strides[i] = st;
    st *= x.shape[i]!;
  }
  const run = k < 0 ? sizeOf(x.shape) : sizeOf(x.shape.slice(k + 1));
  const counter = new Array<number>(k + 1).fill(0);
  const runs = sizeOf(x.shape.slice(0, k + 1));
  for (let n = 0; n < runs; n++) {
    let s = src;
    for (let i = 0; i <= k; i++) s += (flip[i] ? x.shape[i]! - 1 - counter[i]! : counter[i]!) * strides[i]!;
    copyRuns(heap, s, 0, dst + n * run, 0, 1, run);
    for (let i = k; i >= 0; i--) {
      if (++counter[i]! < x.shape[i]!) break;
      counter[i] = 0;
    }
  }
  return out;
};

export const copyKernels: tf.KernelConfig[] = [
  { kernelName: 'Slice', backendName: 'wasm', kernelFunc: slice },
  { kernelName: 'Concat', backendName: 'wasm', kernelFunc: concat },
  { kernelName: 'SplitV', backendName: 'wasm', kernelFunc: splitV },
  { kernelName: 'Reverse', backendName: 'wasm', kernelFunc: reverse },
];
