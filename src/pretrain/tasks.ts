import { tf } from '../engine/tf.ts';
import { createRng, hashSeed } from '../random.ts';
import type { Sample } from '../data/raw-image.ts';
import { bceLoss } from '../train/losses.ts';
import type { PretextTask } from './config.ts';
import {
  classificationCrops,
  flipHorizontal,
  rotateQuarter,
  rotationCrops,
  type Crop,
  type CropRule,
} from './crops.ts';

/** What differs between pretext tasks; the runner, model and loop are shared. */
export interface Pretext {
  task: PretextTask;
  /** output units of the head: 1 (sigmoid, binary) or the number of classes (softmax) */
  units: number;
  classNames: string[];
  makeCrops(samples: Sample[], rule: CropRule, seed: number): Crop[];
  /** the training view of crop `index` in `epoch` (deterministic, so a resumed run sees the same stream) */
  augment(crop: Crop, epoch: number, index: number, seed: number): Crop;
  /** held-out crops as they are scored (rotation: all four turns of each) */
  heldOut(crops: Crop[]): Crop[];
  target(labels: number[]): tf.Tensor2D;
  loss(truth: tf.Tensor, pred: tf.Tensor): tf.Scalar;
  /** predicted class of each row of the head's output */
  predictClasses(output: Float32Array, rows: number): number[];
}

const itemRng = (seed: number, epoch: number, index: number) =>
  createRng(hashSeed(seed, epoch, index, 0x9e7));

/** Cross-entropy of one-hot targets against softmax probabilities. */
function categoricalCrossEntropy(truth: tf.Tensor, prob: tf.Tensor): tf.Scalar {
  return tf.tidy(
    () => tf.neg(tf.mean(tf.sum(tf.mul(truth, tf.log(tf.clipByValue(prob, 1e-7, 1))), -1))) as tf.Scalar,
  );
}

const cropClassification: Pretext = {
  task: 'crop-classification',
  units: 1,
  classNames: ['no polyp', 'polyp'],
  makeCrops: classificationCrops,
  // the class does not depend on orientation, so any of the 8 symmetries of the square is a free variation
  augment(crop, epoch, index, seed) {
    const rng = itemRng(seed, epoch, index);
    const turned = rotateQuarter(crop.image, rng.int(4));
    return { ...crop, image: rng.chance(0.5) ? flipHorizontal(turned) : turned };
  },
  heldOut: (crops) => crops,
  target: (labels) => tf.tensor2d(labels, [labels.length, 1]),
  loss: bceLoss,
  predictClasses: (out, rows) => Array.from({ length: rows }, (_, i) => (out[i]! >= 0.5 ? 1 : 0)),
};

const rotation: Pretext = {
  task: 'rotation',
  units: 4,
  classNames: ['0°', '90°', '180°', '270°'],
  makeCrops: rotationCrops,
  augment(crop, epoch, index, seed) {
    const k = itemRng(seed, epoch, index).int(4);
    return { ...crop, image: rotateQuarter(crop.image, k), label: k };
  },
  heldOut: (crops) =>
    crops.flatMap((c) => [0, 1, 2, 3].map((k) => ({ ...c, image: rotateQuarter(c.image, k), label: k }))),
  target: (labels) => tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 4).toFloat() as tf.Tensor2D),
  loss: categoricalCrossEntropy,
  predictClasses(out, rows) {
    return Array.from({ length: rows }, (_, i) => {
      const row = out.subarray(i * 4, i * 4 + 4);
      return row.indexOf(Math.max(...row));
    });
  },
};

export const PRETEXTS: Record<PretextTask, Pretext> = {
  'crop-classification': cropClassification,
  rotation,
};
