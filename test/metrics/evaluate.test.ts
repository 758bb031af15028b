import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PolypsegError } from '../../src/errors.ts';
import {
  EvaluationAccumulator,
  evaluateImage,
  meanAbsoluteError,
  minMaxNormalize,
} from '../../src/metrics/index.ts';
import { close, mask } from './helpers.ts';

const g = mask(['000000', '011100', '011110', '001100', '000000']); // 9 of 30 pixels

test('perfect binary prediction: every score 1, except the toolbox sweep at threshold 0', () => {
  const r = evaluateImage(g.data, g.data, g.width, g.height);
  assert.deepEqual(r.counts, { tp: 9, fp: 0, fn: 0, tn: 21 });
  assert.deepEqual(r.scores, { accuracy: 1, iou: 1, dice: 1, precision: 1, recall: 1, specificity: 1 });
  // A 0/1 map passes threshold 0/255 everywhere (Dice 2*9/(9+30), IoU 9/30), thresholds 1..255 exactly.
  close(r.toolbox.meanDice, (255 + 18 / 39) / 256);
  close(r.toolbox.meanIoU, (255 + 9 / 30) / 256);
  assert.equal(r.toolbox.maxDice, 1);
  assert.equal(r.toolbox.maxIoU, 1);
  close(r.toolbox.sMeasure, 1, 1e-12);
  close(r.toolbox.weightedF, 1, 1e-12);
  assert.equal(r.toolbox.maxEMeasure, 1);
  assert.equal(r.toolbox.adaptiveEMeasure, 1);
  assert.equal(r.toolbox.mae, 0);
  assert.equal(r.curves.dice.length, 256);
});

test('MAE of a known map', () => {
  const prob = Float32Array.from([0.25, 0.5, 1, 0]);
  const truth = Uint8Array.from([1, 0, 1, 0]);
  assert.equal(meanAbsoluteError(prob, truth), (0.75 + 0.5) / 4);
  assert.equal(evaluateImage(prob, truth, 2, 2).toolbox.mae, 0.3125);
});

test('toolboxNormalize min-max rescales the map for the toolbox measures only', () => {
  const prob = Float32Array.from([0.1, 0.3]);
  const truth = Uint8Array.from([0, 1]);
  assert.deepEqual([...minMaxNormalize(prob)], [0, 1]);
  const raw = evaluateImage(prob, truth, 2, 1);
  const norm = evaluateImage(prob, truth, 2, 1, { toolboxNormalize: true });
  close(raw.toolbox.mae, (0.1 + 0.7) / 2, 1e-7);
  assert.equal(norm.toolbox.mae, 0);
  assert.deepEqual(norm.counts, raw.counts); // threshold metrics on the raw map: nothing >= 0.5
  assert.deepEqual(raw.counts, { tp: 0, fp: 0, fn: 1, tn: 1 });
  assert.deepEqual([...minMaxNormalize(Float32Array.from([0.4, 0.4]))], [0.4, 0.4].map(Math.fround));
});

test('threshold option and bad input', () => {
  const prob = Float32Array.from([0.3, 0.6]);
  const truth = Uint8Array.from([1, 0]);
  assert.deepEqual(evaluateImage(prob, truth, 2, 1, { threshold: 0.2 }).counts, {
    tp: 1,
    fp: 1,
    fn: 0,
    tn: 0,
  });
  assert.throws(() => evaluateImage(prob, truth, 2, 1, { threshold: 2 }), PolypsegError);
  assert.throws(() => evaluateImage(prob, truth, 3, 1), PolypsegError);
  assert.throws(() => evaluateImage(Float32Array.from([0.3, 1.5]), truth, 2, 1), PolypsegError);
});

test('dataset summary: toolbox max is the max of the image-averaged curve', () => {
  // a: levels 204 / 51 -> Dice 2/3 for k <= 51, 1 for 52..204, 0 above.
  // b: levels 38 / 12  -> Dice 2/3 for k <= 12, 1 for 13..38, 0 above.
  const truth = Uint8Array.from([1, 0]);
  const a = evaluateImage(Float32Array.from([0.8, 0.2]), truth, 2, 1);
  const b = evaluateImage(Float32Array.from([0.15, 0.05]), truth, 2, 1);
  assert.equal(a.toolbox.maxDice, 1);
  assert.equal(b.toolbox.maxDice, 1);
  const acc = new EvaluationAccumulator();
  acc.add('a', a);
  acc.add('b,"2"', b);
  const s = acc.summary();
  assert.equal(s.images, 2);
  // averaged curve: 2/3 (k<=12), 5/6 (13..38), 1/3 (39..51), 1/2 (52..204), 0 -> max 5/6
  close(s.toolbox.maxDice, 5 / 6);
  close(s.toolbox.meanDice, (a.toolbox.meanDice + b.toolbox.meanDice) / 2);
  close(s.toolbox.meanDice, (13 * (2 / 3) + 26 * (5 / 6) + 13 * (1 / 3) + 153 * (1 / 2)) / 256);
  close(s.toolbox.mae, (a.toolbox.mae + b.toolbox.mae) / 2);
  close(s.toolbox.sMeasure, (a.toolbox.sMeasure + b.toolbox.sMeasure) / 2);
  // at 0.5: a is perfect, b predicts nothing
  assert.deepEqual(s.pooledCounts, { tp: 1, fp: 0, fn: 1, tn: 2 });
  close(s.meanPerImage.dice, 0.5);
  close(s.pooled.dice, 2 / 3);

  const csv = acc.toCsv().trimEnd().split('\n');
  assert.equal(csv.length, 3);
  assert.ok(csv[0].startsWith('id,tp,fp,fn,tn,accuracy,iou,dice,'));
  assert.ok(csv[0].endsWith(',mae'));
  assert.ok(csv[2].startsWith('"b,""2""",0,0,1,1,'));
  assert.equal(csv[1].split(',').length, csv[0].split(',').length);
});

test('summary of no images is a clear error', () => {
  assert.throws(() => new EvaluationAccumulator().summary(), PolypsegError);
});
