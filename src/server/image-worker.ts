// One image worker thread: decodes, segments and encodes uploads off the server's event loop.
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { encodeMaskPng, encodePng } from '../data/decode.ts';
import { createSegmenter } from '../segment/create-segmenter.ts';
import { overlayMask } from '../segment/overlay.ts';
import { HttpError } from './http-error.ts';
import { readUploadedImage } from './image-input.ts';
import type { ImageReply, ImageTask, ImageWorkerData } from './image-task.ts';

// libvips' operation cache would keep the last decoded (up to 40 MP) images alive between requests
sharp.cache(false);

const { modelDir, runtime } = workerData as ImageWorkerData;
// the runtime the server ended up with ('auto' already resolved), so every thread runs the same one
const segmenter = await createSegmenter(modelDir, { runtime });
const port = parentPort!;

async function handle(task: ImageTask): Promise<ImageReply> {
  try {
    const bytes = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength);
    const image = await readUploadedImage(bytes, task.maxPixels);
    const started = performance.now();
    const seg = await segmenter.segment(image, task.options);
    const segmentMs = performance.now() - started;
    const png =
      task.format === 'overlay'
        ? await encodePng(overlayMask(image, seg.mask, { outline: true }))
        : await encodeMaskPng(seg.mask);
    const { width, height, coverage, polyps } = seg;
    return { id: task.id, ok: true, result: { width, height, coverage, polyps, png, segmentMs } };
  } catch (err) {
    const known = err instanceof HttpError;
    return {
      id: task.id,
      ok: false,
      error: {
        statusCode: known ? err.statusCode : 500,
        code: known ? err.code : 'internal_error',
        // a 500's message only reaches the server log, never the client
        message: err instanceof Error ? err.message : String(err),
        headers: known ? err.headers : {},
      },
    };
  }
}

port.on('message', (task: ImageTask) => {
  void handle(task).then((reply) => {
    const png = reply.ok ? reply.result.png : null;
    // the encoded PNG moves to the server thread instead of being copied
    const transfer =
      png && png.byteOffset === 0 && png.byteLength === png.buffer.byteLength ? [png.buffer] : [];
    port.postMessage(reply, transfer as ArrayBuffer[]);
  });
});
port.postMessage('ready');
