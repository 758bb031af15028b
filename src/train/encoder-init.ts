import { loadModel } from '../models/io.ts';
import { ENCODER_PREFIX } from '../models/encoder.ts';
import { PolypsegError } from '../errors.ts';
import type * as tf from '@tensorflow/tfjs';

/**
 * Copies the weights of every encoder layer (named ENCODER_PREFIX…) from a pretrained model directory into
 * `model`, matching layers by name and shapes. Returns the number of tensors copied.
 */
export async function loadEncoderWeights(model: tf.LayersModel, dir: string): Promise<number> {
  const { model: source } = await loadModel(dir);
  let copied = 0;
  for (const layer of source.layers) {
    if (!layer.name.startsWith(ENCODER_PREFIX)) continue;
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    let target: tf.layers.Layer;
    try {
      target = model.getLayer(layer.name);
    } catch {
      throw new PolypsegError(
        `encoder layer ${layer.name} from ${dir} has no counterpart in the model`,
        'ENCODER_MISMATCH',
      );
    }
    const shapes = target.getWeights().map((w) => w.shape.join('x'));
    const given = weights.map((w) => w.shape.join('x'));
    if (shapes.join() !== given.join()) {
      throw new PolypsegError(
        `encoder layer ${layer.name}: shapes ${given} from ${dir} do not fit ${shapes}`,
        'ENCODER_MISMATCH',
      );
    }
    target.setWeights(weights);
    copied += weights.length;
  }
  source.dispose();
  if (copied === 0)
    throw new PolypsegError(
      `${dir} holds no encoder weights (layers named ${ENCODER_PREFIX}…)`,
      'ENCODER_MISMATCH',
    );
  return copied;
}
