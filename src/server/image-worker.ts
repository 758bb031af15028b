// One image worker thread: decodes, segments and encodes uploads off the server's event loop.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { encodeMaskPng, encodePng } from '../data/decode.ts';
import type { RawImage } from '../data/raw-image.ts';
import { createSegmenter } from '../segment/create-segmenter.ts';
import { drawOverlay } from '../segment/overlay.ts';
import { ModelSegmenter } from '../segment/segmenter-core.ts';
import type { MaskSegmentation, SegmentOptions } from '../segment/types.ts';
import { HttpError } from './http-error.ts';
import { readUploadedImage } from './image-input.ts';
import type { ImageReply, ImageTask, ImageWorkerData } from './image-task.ts';

// libvips' operation cache would keep the last decoded (up to 40 MP) images alive between requests
sharp.cache(false);

// A large image leaves ~4 bytes per pixel of dead buffers behind (decoded pixels, mask, PNG input);
// V8 frees them whenever it next collects, which can be after the next large image is decoded. The
// pool's pixel budget assumes a finished image's memory is gone, so the worker collects before it
// answers. (A full collection of a worker's small heap takes milliseconds; small images skip it.)
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const COLLECT_ABOVE_PIXELS = 4_000_000;

const { modelDir, runtime } = workerData as ImageWorkerData;
// the runtime the server ended up with ('auto' already resolved), so every thread runs the same one
const segmenter = await createSegmenter(modelDir, { runtime });
const port = parentPort!;

/** The mask without the full-size float probabilities (segmentMask) where the runtime has it. */
const segmentMask = (image: RawImage, options: SegmentOptions): Promise<MaskSegmentation> =>
  segmenter instanceof ModelSegmenter
    ? segmenter.segmentMask(image, options)
    : segmenter.segment(image, options);

async function handle(task: ImageTask): Promise<ImageReply> {
  try {
    const bytes = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength);
    let image: RawImage | null = await readUploadedImage(bytes, task.maxPixels);
    const started = performance.now();
    const seg = await segmentMask(image, task.options);
    const segmentMs = performance.now() - started;
    let png: Buffer;
    if (task.format === 'overlay') {
      // the decoded image is this task's own: drawn on in place rather than copied
      drawOverlay(image, seg.mask, { outline: true });
      png = await encodePng(image);
    } else {
      image = null;
      png = await encodeMaskPng(seg.mask, { consume: true });
    }
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
    if (task.pixels > COLLECT_ABOVE_PIXELS) collectGarbage();
    const png = reply.ok ? reply.result.png : null;
    // the encoded PNG moves to the server thread instead of being copied
    const transfer =
      png && png.byteOffset === 0 && png.byteLength === png.buffer.byteLength ? [png.buffer] : [];
    port.postMessage(reply, transfer as ArrayBuffer[]);
  });
});
port.postMessage('ready');
