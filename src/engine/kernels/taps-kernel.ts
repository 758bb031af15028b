/**
 * PolypsegShiftedTaps (wasm): builds one column block of the channel-first im2col that conv-filter-grad.ts
 * multiplies with dy. Input: `planes` [Ci*N, planeLen] (padded input planes, row = ci*N + n, flattened
 * row-major with the padded width). Output: [taps*Ci, length], row (t, ci) = planes[ci*N + n] from
 * offsets[t] + start, i.e. a copy of taps*Ci contiguous runs.
 */
import { tf } from '../tf.ts';
import { copyRuns, elementOffset, heapFor, type WasmBackend } from './wasm-heap.ts';

export const SHIFTED_TAPS = 'PolypsegShiftedTaps';

export interface ShiftedTapsAttrs {
  channels: number;
  batch: number;
  image: number;
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
  const src = elementOffset(wb, planes) + a.image * planeLen + a.start;
  const dst = elementOffset(wb, out);
  a.offsets.forEach((offset, t) => {
    // Rows ci*N + image for ci = 0..C-1 are N planes apart.
    copyRuns(
      heap,
      src + offset,
      a.batch * planeLen,
      dst + t * a.channels * a.length,
      a.length,
      a.channels,
      a.length,
    );
  });
  return out;
};

export const tapsKernels: tf.KernelConfig[] = [
  { kernelName: SHIFTED_TAPS, backendName: 'wasm', kernelFunc: shiftedTaps },
];
