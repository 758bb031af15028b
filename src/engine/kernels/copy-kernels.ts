/** Slice, Concat and SplitV for wasm as copies within the heap (see wasm-heap.ts). */
import { tf } from '../tf.ts';
import { runStockKernel } from './stock-kernels.ts';
import { copyRuns, elementOffset, heapFor, type Heap, type WasmBackend } from './wasm-heap.ts';

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

interface Placed {
  offset: number;
  shape: readonly number[];
  begin: readonly number[];
}

/**
 * Copies a block of `size` elements from `src` (a tensor with the block at `begin`) to `dst` (likewise).
 * Trailing dims that are whole in the block, src and dst merge into one contiguous run; the dims before
 * them are walked with an odometer, the innermost of those by copyRuns.
 */
function copyBlock(
  backend: WasmBackend,
  heap: Heap,
  src: Placed,
  dst: Placed,
  size: readonly number[],
): void {
  const rank = size.length;
  if (rank === 0 || sizeOf(size) === 0) {
    if (rank === 0) copyRuns(heap, src.offset, 0, dst.offset, 0, 1, 1);
    return;
  }
  const strides = (shape: readonly number[]) => {
    const st = new Array<number>(rank);
    for (let i = rank - 1, acc = 1; i >= 0; i--) {
      st[i] = acc;
      acc *= shape[i]!;
    }
    return st;
  };
  const ss = strides(src.shape);
  const ds = strides(dst.shape);
  let k = rank - 1;
  while (k > 0 && size[k] === src.shape[k] && size[k] === dst.shape[k]) k--;
  const run = size[k]! * ss[k]!;
  let s0 = src.offset;
  let d0 = dst.offset;
  for (let i = 0; i <= k; i++) {
    s0 += src.begin[i]! * ss[i]!;
    d0 += dst.begin[i]! * ds[i]!;
  }
  if (k === 0) {
    copyRuns(heap, s0, 0, d0, 0, 1, run, backend);
    return;
  }
  const j = k - 1;
  const outer = size.slice(0, j);
  const counter = new Array<number>(j).fill(0);
  const total = sizeOf(outer);
  for (let n = 0; n < total; n++) {
    let s = s0;
    let d = d0;
    for (let i = 0; i < j; i++) {
      s += counter[i]! * ss[i]!;
      d += counter[i]! * ds[i]!;
    }
    copyRuns(heap, s, ss[j]!, d, ds[j]!, size[j]!, run, backend);
    for (let i = j - 1; i >= 0; i--) {
      if (++counter[i]! < outer[i]!) break;
      counter[i] = 0;
    }
  }
}

/** Copies the block [begin, begin+size) of x into a new contiguous tensor. */
function sliceInto(backend: WasmBackend, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const zeros = size.map(() => 0);
  copyBlock(
    backend,
    heapFor(backend, x.dtype),
    { offset: elementOffset(backend, x), shape: x.shape, begin },
    { offset: elementOffset(backend, out), shape: size, begin: zeros },
    size,
  );
  return out;
}

const slice: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  const { begin, size } = attrs as unknown as { begin: number | number[]; size: number | number[] };
  const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
  return sliceInto(backend as unknown as WasmBackend, x, b, s);
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
    const out = sliceInto(wb, x, [...begin], size);
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

const padV2: tf.KernelFunc = (args) => {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { paddings, constantValue } = args.attrs as unknown as {
    paddings: [number, number][];
    constantValue: number;
  };
  if (x.dtype === 'string' || x.dtype === 'complex64') return runStockKernel('PadV2', args);
  const wb = args.backend as unknown as WasmBackend;
  const outShape = paddings.map((p, i) => p[0] + x.shape[i]! + p[1]);
  const out = wb.makeOutput(outShape, x.dtype);
  const o = elementOffset(wb, out);
  const total = sizeOf(outShape);
  const heap = heapFor(wb, x.dtype);
  if (x.dtype === 'float32') new Float32Array(heap.buffer).fill(constantValue, o, o + total);
  else heap.fill(x.dtype === 'bool' ? Number(Boolean(constantValue)) : constantValue, o, o + total);
  copyBlock(
    wb,
    heap,
    { offset: elementOffset(wb, x), shape: x.shape, begin: x.shape.map(() => 0) },
    { offset: o, shape: outShape, begin: paddings.map((p) => p[0]) },
    x.shape,
  );
  return out;
};

export const copyKernels: tf.KernelConfig[] = [
  { kernelName: 'Slice', backendName: 'wasm', kernelFunc: slice },
  { kernelName: 'Concat', backendName: 'wasm', kernelFunc: concat },
  { kernelName: 'SplitV', backendName: 'wasm', kernelFunc: splitV },
  { kernelName: 'Reverse', backendName: 'wasm', kernelFunc: reverse },
  { kernelName: 'PadV2', backendName: 'wasm', kernelFunc: padV2 },
];
