import { tf } from '../engine/tf.ts';
import type { Sample } from '../data/raw-image.ts';
import { confusion } from '../metrics/confusion.ts';
import { dice, iou } from '../metrics/scores.ts';
import { imagesToTensor, masksToTensor, type Normalization } from './batch.ts';
import type { LossFn } from './losses.ts';

/** Final-mask probabilities (last output channel) for a batch, as one flat array per sample. */
export async function predictBatch(
  model: tf.LayersModel,
  samples: Sample[],
  norm: Normalization,
): Promise<Float32Array[]> {
  const probs = tf.tidy(() => {
    const out = model.predict(imagesToTensor(samples, norm)) as tf.Tensor4D;
    const k = out.shape[3];
    return k === 1 ? out : tf.slice(out, [0, 0, 0, k - 1], [-1, -1, -1, 1]);
  });
  const flat = (await probs.data()) as Float32Array;
  probs.dispose();
  const plane = flat.length / samples.length;
  return samples.map((_, i) => flat.subarray(i * plane, (i + 1) * plane));
}

/** Validation at the training resolution: mean loss and per-image mean IoU/Dice at `threshold`. */
export function createValidator(
  val: Sample[],
  loss: LossFn,
  norm: Normalization,
  batchSize: number,
  threshold = 0.5,
) {
  return async (model: tf.LayersModel) => {
    let lossSum = 0;
    let iouSum = 0;
    let diceSum = 0;
    for (let i = 0; i < val.length; i += batchSize) {
      const batch = val.slice(i, i + batchSize);
      const batchLoss = tf.tidy(() =>
        loss(masksToTensor(batch), model.predict(imagesToTensor(batch, norm)) as tf.Tensor4D),
      );
      lossSum += (await batchLoss.data())[0]! * batch.length;
      batchLoss.dispose();
      const probs = await predictBatch(model, batch, norm);
      batch.forEach((s, j) => {
        const c = confusion(probs[j]!, s.mask.data, threshold);
        iouSum += iou(c);
        diceSum += dice(c);
      });
    }
    return { loss: lossSum / val.length, iou: iouSum / val.length, dice: diceSum / val.length };
  };
}
