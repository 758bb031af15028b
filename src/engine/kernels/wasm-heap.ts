/**
 * Direct access to tensors in the wasm backend's heap, for kernels that are pure data movement (slice,
 * concat, split). Stock wasm kernels for these copy row by row with a new typed-array view per row (and
 * Slice first copies its whole input out of the heap); copying within the heap is many times faster.
 */
import type { tf } from '../tf.ts';
import { simdCopyRuns } from '../simd/channel-simd.ts';

interface WasmModule {
  HEAPU8: Uint8Array;
  wasmMemory?: WebAssembly.Memory;
}

/** The parts of tfjs-backend-wasm's BackendWasm that kernels use. */
export interface WasmBackend {
  wasm: WasmModule;
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  incRef(dataId: object): void;
  disposeData(dataId: object, force?: boolean): boolean;
}

export type Heap = Int32Array | Uint8Array;

/** The whole heap as elements of `dtype`'s size (int32 view for 4-byte types: bit-exact copies). */
export function heapFor(backend: WasmBackend, dtype: tf.DataType): Heap {
  if (dtype === 'string' || dtype === 'complex64') {
    throw new Error(`wasm heap kernels do not handle ${dtype} tensors`);
  }
  // In the threaded build the memory may have grown since HEAPU8 was made; wasmMemory is current.
  const buffer = backend.wasm.wasmMemory?.buffer ?? backend.wasm.HEAPU8.buffer;
  return dtype === 'bool' ? new Uint8Array(buffer) : new Int32Array(buffer);
}

/** The whole heap as float32 (for arithmetic kernels). */
export function heapF32(backend: WasmBackend): Float32Array {
  return new Float32Array(backend.wasm.wasmMemory?.buffer ?? backend.wasm.HEAPU8.buffer);
}

/** Byte address of a tensor's data in the heap. */
export function byteOffset(backend: WasmBackend, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset;
}

/** Element offset of a tensor in the heap returned by heapFor for its dtype. */
export function elementOffset(backend: WasmBackend, t: tf.TensorInfo): number {
  const bytes = backend.dataIdMap.get(t.dataId).memoryOffset;
  return t.dtype === 'bool' ? bytes : bytes / 4;
}

/**
 * Copies `rows` runs of `len` elements: run r from src + r*srcStride to dst + r*dstStride.
 * Long runs use copyWithin (memmove); short ones a loop, since a native call per few elements costs more.
 */
export function copyRuns(
  heap: Heap,
  src: number,
  srcStride: number,
  dst: number,
  dstStride: number,
  rows: number,
  len: number,
  backend?: WasmBackend,
): void {
  // Many short runs of whole float vectors (channel slices of NHWC tensors): one SIMD loop in wasm.
  if (backend && len < 48 && rows > 16 && heap.BYTES_PER_ELEMENT === 4) {
    const b = 4;
    if (simdCopyRuns(backend, src * b, srcStride * b, dst * b, dstStride * b, rows, len * b)) return;
  }
  if (len >= 48) {
    for (let r = 0; r < rows; r++)
      heap.copyWithin(dst + r * dstStride, src + r * srcStride, src + r * srcStride + len);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const s = src + r * srcStride;
    const d = dst + r * dstStride;
    for (let i = 0; i < len; i++) heap[d + i] = heap[s + i];
  }
}
