import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.ts';
import {
  bceLoss,
  boundaryWeights,
  createLoss,
  lossConfigSchema,
  softDiceLoss,
  softIouLoss,
  structureLoss,
} from '../../src/train/losses.ts';
import { learningRateAt, scheduleSchema } from '../../src/train/schedule.ts';

before(async () => {
  await initEngine({ backend: 'cpu' });
});

const t4 = (v: number[], k = 1) => tf.tensor4d(v, [1, 1, v.length / k, k]);

test('soft IoU and Dice match hand-computed values', () => {
  // truth 1,1,0,0; prob .5,1,.5,0 → TP = 1.5, |P| = 2, |T| = 2, union = 2.5
  const truth = t4([1, 1, 0, 0]);
  const prob = t4([0.5, 1, 0.5, 0]);
  assert.ok(Math.abs(softIouLoss(truth, prob).dataSync()[0]! - (1 - 1.5 / 2.5)) < 1e-5);
  assert.ok(Math.abs(softDiceLoss(truth, prob).dataSync()[0]! - (1 - 3 / 4)) < 1e-5);
  assert.ok(softIouLoss(truth, truth).dataSync()[0]! < 1e-5, 'perfect prediction → 0');
  assert.ok(softIouLoss(truth, t4([0, 0, 1, 1])).dataSync()[0]! > 0.999, 'disjoint → 1');
});

test('BCE matches the formula and a weighted sum adds terms', () => {
  const truth = t4([1, 0]);
  const prob = t4([0.8, 0.4]);
  const expected = -(Math.log(0.8) + Math.log(0.6)) / 2;
  assert.ok(Math.abs(bceLoss(truth, prob).dataSync()[0]! - expected) < 1e-5);
  const combo = createLoss(lossConfigSchema.parse({ bce: 2, dice: 1 }));
  const sum = 2 * expected + softDiceLoss(truth, prob).dataSync()[0]!;
  assert.ok(Math.abs(combo(truth, prob).dataSync()[0]! - sum) < 1e-5);
  assert.throws(() => lossConfigSchema.parse({ iou: 0 }));
  assert.throws(() => lossConfigSchema.parse({ focal: 1 }));
});

test('a one-channel truth supervises every output channel (Double-UNet)', () => {
  const truth = t4([1, 0]);
  const prob = tf.tensor4d([1, 0.5, 0, 0], [1, 1, 2, 2]); // channel 0 perfect, channel 1 half right
  const perChannel = (0 + (1 - 0.5 / 1)) / 2; // channel 0: loss 0; channel 1: TP .5 / union 1
  assert.ok(Math.abs(softIouLoss(truth, prob).dataSync()[0]! - perChannel) < 1e-5);
});

test('learning-rate schedules', () => {
  const s = (raw: object) => scheduleSchema.parse(raw);
  assert.equal(learningRateAt(0.1, 5, 10, s({ type: 'constant' })), 0.1);
  assert.ok(
    Math.abs(learningRateAt(0.1, 25, 60, s({ type: 'step', stepEpochs: 10, gamma: 0.5 })) - 0.025) < 1e-12,
  );
  assert.ok(Math.abs(learningRateAt(0.1, 5, 10, s({ type: 'cosine' })) - 0.05) < 1e-12);
  assert.ok(learningRateAt(0.1, 9.99, 10, s({ type: 'cosine' })) < 1e-5);
  assert.ok(Math.abs(learningRateAt(0.1, 5, 10, s({ type: 'poly', power: 1 })) - 0.05) < 1e-12);
  assert.ok(learningRateAt(0.1, 0.5, 10, s({ type: 'constant', warmupEpochs: 1 })) < 0.051);
});

test('structure loss: boundary pixels weigh more, and it matches the PraNet formula on a hand case', () => {
  // a 1×8 strip, polyp in the middle 4 pixels: a 3-wide window gives edge pixels a local mean of 1/3 or 2/3
  const truth = tf.tensor4d([0, 0, 1, 1, 1, 1, 0, 0], [1, 1, 8, 1]);
  const w = boundaryWeights(truth, 3).dataSync();
  // pixels whose window straddles the edge (mean 1/3 or 2/3) weigh 1 + 5/3; uniform windows weigh 1
  // (TF's 'same' mean excludes padding, so the end pixels average their 2 real neighbours)
  assert.deepEqual(
    Array.from(w, (v) => Number(v.toFixed(4))),
    [1, 1 + 5 / 3, 1 + 5 / 3, 1, 1, 1 + 5 / 3, 1 + 5 / 3, 1].map((v) => Number(v.toFixed(4))),
  );
  const perfect = structureLoss(truth, truth).dataSync()[0]!;
  assert.ok(perfect < 1e-4, `perfect prediction → ~0, got ${perfect}`);
  // an error on an edge pixel costs more than the same error deep in the background
  const truthSquare = tf.tidy(() =>
    tf.pad(tf.ones([1, 4, 4, 1]), [
      [0, 0],
      [2, 2],
      [2, 2],
      [0, 0],
    ]),
  );
  const probWith = (i: number) => {
    const v = Array.from(truthSquare.dataSync());
    v[i] = 1 - v[i]!;
    return tf.tensor4d(
      v.map((x) => Math.min(0.99, Math.max(0.01, x))),
      [1, 8, 8, 1],
    );
  };
  const edgeError = structureLoss(truthSquare as tf.Tensor4D, probWith(2 * 8 + 2)).dataSync()[0]!;
  const farError = structureLoss(truthSquare as tf.Tensor4D, probWith(0)).dataSync()[0]!;
  assert.ok(edgeError > farError, `edge ${edgeError} vs far ${farError}`);
  assert.ok(lossConfigSchema.parse({ structure: 1 }).structure === 1);
});
