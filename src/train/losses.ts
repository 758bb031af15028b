import { tf } from '../engine/tf.ts';
import { z } from 'zod';

const EPS = 1e-6;

/**
 * Per-image, per-channel soft counts. `truth` is [N,H,W,1] and broadcasts against `prob` [N,H,W,K], so a
 * Double-UNet's two masks are both supervised by the one ground truth.
 */
function softCounts(truth: tf.Tensor4D, prob: tf.Tensor4D) {
  const tp = tf.sum(tf.mul(truth, prob), [1, 2]);
  const predSum = tf.sum(prob, [1, 2]);
  const truthSum = tf.sum(truth, [1, 2]);
  return { tp, predSum, truthSum };
}

/** The original system's loss: 1 − TP / (TP + FP + FN) on probabilities, averaged over images. */
export function softIouLoss(truth: tf.Tensor4D, prob: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const { tp, predSum, truthSum } = softCounts(truth, prob);
    const union = tf.sub(tf.add(predSum, truthSum), tp);
    return tf.mean(tf.sub(1, tf.div(tf.add(tp, EPS), tf.add(union, EPS))));
  });
}

/** 1 − 2TP / (|P| + |T|) on probabilities, averaged over images. */
export function softDiceLoss(truth: tf.Tensor4D, prob: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const { tp, predSum, truthSum } = softCounts(truth, prob);
    return tf.mean(tf.sub(1, tf.div(tf.add(tf.mul(2, tp), EPS), tf.add(tf.add(predSum, truthSum), EPS))));
  });
}

/** Binary cross-entropy on probabilities (clipped away from 0 and 1); any shape (masks, class scores). */
export function bceLoss(truth: tf.Tensor, prob: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.clipByValue(prob, 1e-6, 1 - 1e-6);
    const pos = tf.mul(truth, tf.log(p));
    const neg = tf.mul(tf.sub(1, truth), tf.log(tf.sub(1, p)));
    return tf.neg(tf.mean(tf.add(pos, neg))) as tf.Scalar;
  });
}

export const LOSSES = { iou: softIouLoss, dice: softDiceLoss, bce: bceLoss } as const;
export type LossName = keyof typeof LOSSES;

/** `{ iou: 1 }` (the original) or a weighted sum such as `{ bce: 1, dice: 1 }`. */
export const lossConfigSchema = z
  .object({ iou: z.number().min(0), dice: z.number().min(0), bce: z.number().min(0) })
  .partial()
  .strict()
  .refine(
    (c) => Object.values(c).some((w) => w !== undefined && w > 0),
    'the loss needs at least one positive weight',
  )
  .default({ iou: 1 });
export type LossConfig = z.infer<typeof lossConfigSchema>;

export type LossFn = (truth: tf.Tensor4D, prob: tf.Tensor4D) => tf.Scalar;

export function createLoss(config: LossConfig): LossFn {
  const terms = (Object.entries(config) as [LossName, number | undefined][]).filter(([, w]) => w && w > 0);
  return (truth, prob) =>
    tf.tidy(() => tf.addN(terms.map(([name, w]) => tf.mul(w!, LOSSES[name](truth, prob)))) as tf.Scalar);
}
