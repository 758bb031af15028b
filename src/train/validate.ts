import { tf } from '../engine/tf.ts';
import type { Sample } from '../data/raw-image.ts';
import { confusion } from '../metrics/confusion.ts';
import { dice, iou } from '../metrics/scores.ts';
import { curve, curveMean, sweepCounts, toolboxDice } from '../metrics/threshold-sweep.ts';
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

/** Per-image validation scores of one group of images (all of them, or one source). */
export interface ValidationScores {
  iou: number;
  dice: number;
  /** PraNet toolbox mean Dice over 256 thresholds (the number papers publish), unnormalised map */
  meanDice: number;
}

/** Running sums of per-image scores. */
class ScoreSums {
  n = 0;
  iou = 0;
  dice = 0;
  meanDice = 0;
  add(prob: Float32Array, truth: Uint8Array, threshold: number) {
    const c = confusion(prob, truth, threshold);
    this.n++;
    this.iou += iou(c);
    this.dice += dice(c);
    this.meanDice += curveMean(curve(sweepCounts(prob, truth), toolboxDice));
  }
  mean(): ValidationScores {
    const d = Math.max(1, this.n);
    return { iou: this.iou / d, dice: this.dice / d, meanDice: this.meanDice / d };
  }
}

/**
 * Validation at the training resolution: mean loss, and per-image mean IoU/Dice at `threshold` and toolbox
 * mean Dice, over all images and (given `sources`: a name per image) per source.
 */
export function createValidator(
  val: Sample[],
  loss: LossFn,
  norm: Normalization,
  batchSize: number,
  threshold = 0.5,
  sources?: string[],
) {
  return async (model: tf.LayersModel) => {
    let lossSum = 0;
    const all = new ScoreSums();
    const bySource = new Map<string, ScoreSums>();
    for (let i = 0; i < val.length; i += batchSize) {
      const batch = val.slice(i, i + batchSize);
      const batchLoss = tf.tidy(() =>
        loss(masksToTensor(batch), model.predict(imagesToTensor(batch, norm)) as tf.Tensor4D),
      );
      lossSum += (await batchLoss.data())[0]! * batch.length;
      batchLoss.dispose();
      const probs = await predictBatch(model, batch, norm);
      batch.forEach((s, j) => {
        all.add(probs[j]!, s.mask.data, threshold);
        const name = sources?.[i + j];
        if (name === undefined) return;
        if (!bySource.has(name)) bySource.set(name, new ScoreSums());
        bySource.get(name)!.add(probs[j]!, s.mask.data, threshold);
      });
    }
    return {
      loss: lossSum / val.length,
      ...all.mean(),
      ...(bySource.size > 1 && {
        sources: Object.fromEntries([...bySource].map(([k, v]) => [k, v.mean()])),
      }),
    };
  };
}
