import type { FastifyBaseLogger } from 'fastify';
import type { PolypsegError } from '../errors.ts';
import type { Runtime, Segmenter } from '../segment/types.ts';

/**
 * The served model: config.runtime from modelDir, except that a model never exported to ONNX still
 * serves (slower, through TF.js); the page's in-browser mode needs the export.
 */
export async function loadSegmenter(
  modelDir: string,
  runtime: Extract<Runtime, 'onnx' | 'tfjs'>,
  log: Pick<FastifyBaseLogger, 'warn'>,
): Promise<Segmenter> {
  const { createSegmenter } = await import('../segment/index.ts');
  try {
    return await createSegmenter(modelDir, { runtime });
  } catch (err) {
    const missingOnnx =
      (err as PolypsegError).code === 'MODEL_MISSING' && /\.onnx/.test((err as Error).message);
    if (runtime !== 'onnx' || !missingOnnx) throw err;
    log.warn(
      `${(err as Error).message}; serving with the TF.js runtime meanwhile (in-browser mode needs the ONNX file)`,
    );
    return createSegmenter(modelDir, { runtime: 'tfjs' });
  }
}
