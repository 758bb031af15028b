/**
 * PolypsegShiftedTaps (wasm): builds one column block of the channel-first im2col that conv-filter-grad.ts
 * multiplies with dy. Input: `planes` [Ci*N, planeLen] (padded input planes, row = ci*N + n, flattened
 * row-major with the padded width). Columns are numbered over all images, image n owning columns
 * [n*span, (n+1)*span). Output: [taps*Ci, length] for columns [start, start+length): row (t, ci) holds
 * planes[ci*N + n][offsets[t] + column - n*span], i.e. contiguous runs per tap, channel and image.
 */
import { tf } from '../tf.ts';
import { copyRuns, elementOffset, heapFor, type WasmBackend } from './wasm-heap.ts';

export const SHIFTED_TAPS = 'PolypsegShiftedTaps';

export interface ShiftedTapsAttrs {
  channels: number;
  batch: number;
  span: number;
  offsets: number[];
  start: number;
  length: number;
}

const shiftedTaps: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { planes } = inputs as { planes: tf.TensorInfo };
  const a = attrs as unknown as ShiftedTapsAttrs;
  const wb = backend as unknown as WasmBackend;
  const planeLen = planes.shape[1]!;
  const out = wb.makeOutput([a.offsets.length * a.channels, a.length], 'float32');
  const heap = heapFor(wb, 'float32');
  const base = elementOffset(wb, planes);
  const dst = elementOffset(wb, out);
  for (let col = a.start, end = a.start + a.length; col < end;) {
    const image = Math.floor(col / a.span);
    const within = col - image * a.span;
    const piece = Math.min(a.span - within, end - col);
    const src = base + image * planeLen + within;
    a.offsets.forEach((offset, t) => {
      // Rows ci*N + image for ci = 0..C-1 are N planes apart.
      copyRuns(
        heap,
        src + offset,
        a.batch * planeLen,
        dst + t * a.channels * a.length + (col - a.start),
        a.length,
        a.channels,
        piece,
      );
    });
    col += piece;
  }
  return out;
};

export const tapsKernels: tf.KernelConfig[] = [
  { kernelName: SHIFTED_TAPS, backendName: 'wasm', kernelFunc: shiftedTaps },
];
