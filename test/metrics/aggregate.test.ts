import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PolypsegError } from '../../src/errors.ts';
import { MetricAccumulator } from '../../src/metrics/index.ts';
import { close } from './helpers.ts';

test('per-image mean and pooled scores differ as worked by hand', () => {
  const acc = new MetricAccumulator();
  // image a: small polyp, half found -> Dice 2*1/(2+0+1) = 2/3, IoU 1/2
  acc.add('a', { tp: 1, fp: 0, fn: 1, tn: 8 });
  // image b: big polyp, perfect -> Dice 1, IoU 1
  acc.add('b', { tp: 8, fp: 0, fn: 0, tn: 2 });
  const mean = acc.meanPerImage();
  close(mean.dice, (2 / 3 + 1) / 2);
  close(mean.iou, (1 / 2 + 1) / 2);
  close(mean.accuracy, (9 / 10 + 1) / 2);
  // pooled: tp 9, fp 0, fn 1, tn 10 -> Dice 18/19, IoU 9/10
  const pooled = acc.pooled();
  close(pooled.dice, 18 / 19);
  close(pooled.iou, 9 / 10);
  close(pooled.recall, 9 / 10);
  assert.deepEqual(acc.total, { tp: 9, fp: 0, fn: 1, tn: 10 });
  assert.equal(acc.size, 2);
  assert.deepEqual(
    acc.rows.map((r) => r.id),
    ['a', 'b'],
  );
  close(acc.rows[0].scores.dice, 2 / 3);
});

test('rows keep a copy of the counts', () => {
  const acc = new MetricAccumulator();
  const counts = { tp: 1, fp: 1, fn: 1, tn: 1 };
  acc.add('x', counts);
  counts.tp = 100;
  assert.equal(acc.rows[0].counts.tp, 1);
  assert.equal(acc.total.tp, 1);
});

test('summaries of nothing are a clear error', () => {
  const acc = new MetricAccumulator();
  assert.throws(() => acc.meanPerImage(), PolypsegError);
  assert.throws(() => acc.pooled(), PolypsegError);
});
