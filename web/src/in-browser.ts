import type { RawImage } from '../../src/data/raw-image.ts';
import type { ModelFiles } from '../../src/models/files.ts';
import { modelMetadataSchema } from '../../src/models/metadata.ts';
import type { OnnxWebSegmenter, WebExecutionProvider } from '../../src/segment/onnx-web/index.ts';
import type { Segmentation } from '../../src/segment/types.ts';
import { sniffImage, SNIFF_BYTES } from '../../src/server/sniff.ts';
import { getModelMetadata } from './api.ts';
import { apiFetch } from './auth.ts';

export type Backend = WebExecutionProvider;

interface Loaded {
  backend: Backend;
  threads: number;
  segmenter: OnnxWebSegmenter;
}

let loading: Promise<Loaded> | null = null;

/** Bytes of the model downloaded so far, and of the whole (0 when the server does not say). */
export type LoadProgress = (loaded: number, total: number) => void;
const listeners = new Set<LoadProgress>();

/** A response body read chunk by chunk, telling `listeners` how far it got (the model is megabytes). */
async function download(url: string): Promise<Uint8Array> {
  const res = await apiFetch(url);
  if (!res.ok) throw new Error(`downloading the model failed (HTTP ${res.status})`);
  const total = Number(res.headers.get('content-length')) || 0;
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    listeners.forEach((l) => l(loaded, total));
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}

/**
 * "Downloading the model to this browser: 45 % of 7.6 MB" (or the MB so far when the size is unknown),
 * then, once downloaded, that it is being compiled: the seconds before the first image are explained.
 */
export function loadingText(loaded: number, total: number): string {
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  const head = 'Downloading the model to this browser (once)';
  if (total > 0 && loaded >= total)
    return 'Model downloaded; compiling it for this browser (a few seconds, once)…';
  return total > 0
    ? `${head}: ${Math.floor((100 * loaded) / total)} % of ${mb(total)}`
    : `${head}: ${mb(loaded)}`;
}

/** Fetches the served model (metadata + ONNX) and starts onnxruntime-web: WebGPU if present, else wasm. */
async function create(): Promise<Loaded> {
  const meta = await getModelMetadata();
  const onnxUrl = meta.onnxUrl;
  if (!onnxUrl) throw new Error('the server has no ONNX export of its model');
  // The server publishes the model's ONNX file at its own URL (the only file this runtime reads).
  const files: ModelFiles = {
    metadata: modelMetadataSchema.parse(meta),
    location: onnxUrl,
    read: () => download(onnxUrl),
  };
  // threads need SharedArrayBuffer, i.e. a cross-origin-isolated page (the server sends COOP/COEP)
  const threads = crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
  // a separate chunk: onnxruntime-web starts its wasm threads from its own module URL, which must
  // not be the page's main script
  const { createOnnxWebSegmenter } = await import('../../src/segment/onnx-web/index.ts');
  const segmenter = await createOnnxWebSegmenter(files, { threads });
  // the first run compiles the graph (WebGPU shaders, wasm kernels): do it now, while the page says
  // so, rather than on the user's first image
  const size = files.metadata.inputSize;
  await segmenter.segment({ width: size, height: size, channels: 4, data: new Uint8Array(size * size * 4) });
  return { backend: segmenter.executionProvider, threads, segmenter };
}

/** Loads the model once (later calls share it); a failed load can be retried. */
export function loadBrowserSegmenter(onProgress?: LoadProgress): Promise<Loaded> {
  loading ??= create().catch((err) => {
    loading = null;
    throw err;
  });
  if (!onProgress) return loading;
  listeners.add(onProgress);
  return loading.finally(() => listeners.delete(onProgress));
}

/**
 * Why the browser could not decode `file`, in words about the file (the server reads the same formats
 * except TIFF's, so "use server mode" only helps for TIFF).
 */
export async function undecodableReason(file: File): Promise<string> {
  const name = file.name || 'the pasted image';
  if (file.size === 0) return `${name} is empty (0 bytes)`;
  const type = sniffImage(new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer()));
  if (type === 'tiff')
    return `${name} is a TIFF image, which browsers cannot display: switch to server mode for it`;
  if (type)
    return `${name} starts like a ${type.toUpperCase()} image but cannot be decoded: the file is damaged or incomplete`;
  return `${name} is not a JPEG, PNG, WebP, BMP or TIFF image${file.type ? ` (its type is ${file.type})` : ''}`;
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
