import { loadModel } from '../models/io.ts';
import { ENCODER_PREFIX } from '../models/encoder.ts';
import { PolypsegError } from '../errors.ts';
import type { tf } from '../engine/tf.ts';

/**
 * Copies the weights of the layers of a saved model directory that `select` picks into `model`, matching
 * layers by name and weight shapes (input size may differ: convolutions do not depend on it). Every picked
 * layer must have a counterpart. Returns the number of tensors copied.
 */
async function copyLayerWeights(
  model: tf.LayersModel,
  dir: string,
  select: (name: string) => boolean,
  what: string,
): Promise<number> {
  const { model: source } = await loadModel(dir);
  let copied = 0;
  try {
    for (const layer of source.layers) {
      if (!select(layer.name)) continue;
      const weights = layer.getWeights();
      if (weights.length === 0) continue;
      let target: tf.layers.Layer;
      try {
        target = model.getLayer(layer.name);
      } catch {
        throw new PolypsegError(
          `${what} layer ${layer.name} from ${dir} has no counterpart in the model`,
          'INIT_MISMATCH',
        );
      }
      const shapes = target.getWeights().map((w) => w.shape.join('x'));
      const given = weights.map((w) => w.shape.join('x'));
      if (shapes.join() !== given.join()) {
        throw new PolypsegError(
          `${what} layer ${layer.name}: shapes ${given} from ${dir} do not fit ${shapes}`,
          'INIT_MISMATCH',
        );
      }
      target.setWeights(weights);
      copied += weights.length;
    }
  } finally {
    source.dispose();
  }
  if (copied === 0) throw new PolypsegError(`${dir} holds no ${what} weights`, 'INIT_MISMATCH');
  return copied;
}

/** Encoder layers (named ENCODER_PREFIX…) from a pretraining or segmentation model: `encoder.init`. */
export function loadEncoderWeights(model: tf.LayersModel, dir: string): Promise<number> {
  return copyLayerWeights(model, dir, (name) => name.startsWith(ENCODER_PREFIX), 'encoder');
}

/**
 * Every layer from a trained segmentation model of the same architecture: `init`, to fine-tune it
 * (e.g. at a larger input size) with a fresh optimizer and schedule.
 */
export function loadAllWeights(model: tf.LayersModel, dir: string): Promise<number> {
  return copyLayerWeights(model, dir, () => true, 'model');
}
