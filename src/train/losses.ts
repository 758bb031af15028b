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

/**
 * Pixel weights 1 + 5·|local mean(truth) − truth| over a 31×31 window (PraNet's "structure loss"): pixels
 * near the boundary, where local mean and label disagree, weigh up to 6×. The window is applied as two
 * 1-D means (31×1 then 1×31), which equals the 2-D mean on a rectangle and costs 62 adds, not 961.
 */
export function boundaryWeights(truth: tf.Tensor4D, window = 31): tf.Tensor4D {
  return tf.tidy(() => {
    const local = tf.avgPool(tf.avgPool(truth, [window, 1], 1, 'same'), [1, window], 1, 'same');
    return tf.add(1, tf.mul(5, tf.abs(tf.sub(local, truth)))) as tf.Tensor4D;
  });
}

/**
 * PraNet's structure loss: boundary-weighted BCE plus boundary-weighted soft IoU, per image, averaged.
 * It sharpens masks at the edges, which is what the threshold-swept toolbox scores reward.
 */
export function structureLoss(truth: tf.Tensor4D, prob: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const w = boundaryWeights(truth);
    const p = tf.clipByValue(prob, 1e-6, 1 - 1e-6);
    const bce = tf.neg(tf.add(tf.mul(truth, tf.log(p)), tf.mul(tf.sub(1, truth), tf.log(tf.sub(1, p)))));
    const wbce = tf.div(tf.sum(tf.mul(w, bce), [1, 2]), tf.sum(w, [1, 2]));
    const inter = tf.sum(tf.mul(tf.mul(prob, truth), w), [1, 2]);
    const union = tf.sum(tf.mul(tf.add(prob, truth), w), [1, 2]);
    const wiou = tf.sub(1, tf.div(tf.add(inter, 1), tf.add(tf.sub(union, inter), 1)));
    return tf.mean(tf.add(wbce, wiou));
  });
}

export const LOSSES = {
  iou: softIouLoss,
  dice: softDiceLoss,
  bce: bceLoss,
  structure: structureLoss,
} as const;
export type LossName = keyof typeof LOSSES;

/** `{ iou: 1 }` (the original) or a weighted sum such as `{ bce: 1, dice: 1 }`. */
export const lossConfigSchema = z
  .object({
    iou: z.number().min(0),
    dice: z.number().min(0),
    bce: z.number().min(0),
    structure: z.number().min(0),
  })
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
