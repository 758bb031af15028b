import type { RawImage } from '../../src/data/raw-image.ts';
import {
  createOnnxWebSegmenter,
  type OnnxWebSegmenter,
  type WebExecutionProvider,
} from '../../src/segment/onnx-web/index.ts';
import type { Segmentation } from '../../src/segment/types.ts';
import { getModelMetadata } from './api.ts';
import { apiFetch } from './auth.ts';

export type Backend = WebExecutionProvider;

interface Loaded {
  backend: Backend;
  threads: number;
  segmenter: OnnxWebSegmenter;
}

let loading: Promise<Loaded> | null = null;

/** Fetches the served model (metadata + ONNX) and starts onnxruntime-web: WebGPU if present, else wasm. */
async function create(): Promise<Loaded> {
  const meta = await getModelMetadata();
  if (!meta.onnxUrl) throw new Error('the server has no ONNX export of its model');
  const res = await apiFetch(meta.onnxUrl);
  if (!res.ok) throw new Error(`downloading the model failed (HTTP ${res.status})`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  // threads need SharedArrayBuffer, i.e. a cross-origin-isolated page (the server sends COOP/COEP)
  const threads = crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
  // a separate chunk: onnxruntime-web starts its wasm threads from its own module URL, which must
  // not be the page's main script
  const { createOnnxWebSegmenter } = await import('../../src/segment/onnx-web/index.ts');
  const segmenter = await createOnnxWebSegmenter(bytes, meta, { threads });
  return { backend: segmenter.executionProvider, threads, segmenter };
}

/** Loads the model once (later calls share it); a failed load can be retried. */
export function loadBrowserSegmenter(): Promise<Loaded> {
  loading ??= create().catch((err) => {
    loading = null;
    throw err;
  });
  return loading;
}

export function describeBackend(backend: Backend, threads = 1): string {
  return backend === 'webgpu'
    ? 'WebGPU'
    : `WebAssembly${threads > 1 ? `, ${threads} threads` : ', 1 thread'}`;
}

/** RGBA pixels of a bitmap as a RawImage. */
export function bitmapPixels(bitmap: ImageBitmap): RawImage {
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const g = canvas.getContext('2d', { willReadFrequently: true })!;
  g.drawImage(bitmap, 0, 0);
  const { data } = g.getImageData(0, 0, bitmap.width, bitmap.height);
  return { width: bitmap.width, height: bitmap.height, channels: 4, data: new Uint8Array(data.buffer) };
}

export async function segmentInBrowser(bitmap: ImageBitmap): Promise<Segmentation & { backend: string }> {
  const loaded = await loadBrowserSegmenter();
  const result = await loaded.segmenter.segment(bitmapPixels(bitmap));
  return { ...result, backend: describeBackend(loaded.backend, loaded.threads) };
}
