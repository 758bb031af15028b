import { initEngine, tf } from '../../engine/index.ts';
import { loadLayersModel, type ModelFiles } from '../../models/index.ts';
import { ModelSegmenter } from '../segmenter-core.ts';
import type { RuntimeOptions } from '../types.ts';

/**
 * The TF.js fallback: loads model.json and its weights and predicts on the engine's backend
 * (`threads`: TF.js wasm threads, fixed per process by the engine).
 */
export async function createTfjsSegmenter(
  files: ModelFiles,
  opts: RuntimeOptions = {},
): Promise<ModelSegmenter> {
  await initEngine({ threads: opts.threads });
  const { model, metadata } = await loadLayersModel(files);
  const s = metadata.inputSize;
  const infer = async (input: Float32Array, batch: number) => {
    const out = tf.tidy(() => model.predict(tf.tensor4d(input, [batch, s, s, 3])) as tf.Tensor);
    try {
      return (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
  };
  return new ModelSegmenter('tfjs', metadata, infer, async () => {
    model.dispose();
  });
}
