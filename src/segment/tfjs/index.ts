import { initEngine, tf } from '../../engine/index.ts';
import { loadModel } from '../../models/index.ts';
import { ModelSegmenter } from '../segmenter-core.ts';

export interface TfjsOptions {
  /** TF.js wasm threads; fixed per process by the engine */
  threads?: number;
}

/** The TF.js fallback: loads model.json/weights from `dir` and predicts on the engine's backend. */
export async function createTfjsSegmenter(dir: string, opts: TfjsOptions = {}): Promise<ModelSegmenter> {
  await initEngine({ threads: opts.threads });
  const { model, metadata } = await loadModel(dir);
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
