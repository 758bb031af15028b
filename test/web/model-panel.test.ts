import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metricsLine } from '../../web/src/model-panel.ts';

test('the model panel shows scores with three decimals and counts as integers, test group first', () => {
  assert.equal(
    metricsLine({ validation: { iou: 0.7, dice: 0.8 }, test: { iou: 0.79512, dice: 0.8634, images: 100 } }),
    'IoU 0.795 · Dice 0.863 · images 100 (test)',
  );
  assert.equal(metricsLine({ dice: 0.5, split: 'val' }), 'Dice 0.500 (val)');
  assert.equal(metricsLine({}), null);
});
