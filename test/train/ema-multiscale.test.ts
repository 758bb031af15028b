import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.ts';
import { buildModel } from '../../src/models/index.ts';
import { parseTrainConfig } from '../../src/train/config.ts';
import { configHash } from '../../src/train/run.ts';
import { emaDecayAt, WeightAverage } from '../../src/train/ema.ts';
import { batchInputSize, resizeBatch, roundHalfEven, trainingSizes } from '../../src/train/multi-scale.ts';
import { freshState } from '../../src/train/checkpoint.ts';
import { trainLoop } from '../../src/train/loop.ts';
import { bceLoss } from '../../src/train/losses.ts';
import type { Sample } from '../../src/data/raw-image.ts';

before(async () => {
  await initEngine();
});

test('training sizes round scale × inputSize to the stride as PraNet (half to even)', () => {
  assert.deepEqual([0.5, 1.5, 2.5, 7.5, 12.5, 8.25, -2.5].map(roundHalfEven), [0, 2, 2, 8, 12, 8, -2]);
  // PraNet: 352 at {0.75, 1, 1.25} -> 256, 352, 448
  assert.deepEqual(trainingSizes(352, [0.75, 1, 1.25], 32), [256, 352, 448]);
  // 320 × 1.25 = 400 = 12.5 strides -> 12 (384), as Python's round gives
  assert.deepEqual(trainingSizes(320, [1.25, 0.75, 1], 32), [256, 320, 384]);
  assert.deepEqual(trainingSizes(64, [0.25, 1, 1], 32), [32, 64], 'at least one stride, no duplicates');
});

test('each batch draws its size from the seed, epoch and batch: reproducible, all sizes used', () => {
  const sizes = [256, 320, 384];
  const draws = Array.from({ length: 300 }, (_, b) => batchInputSize(sizes, 1, 4, b));
  assert.deepEqual(
    draws,
    Array.from({ length: 300 }, (_, b) => batchInputSize(sizes, 1, 4, b)),
  );
  for (const s of sizes) {
    const n = draws.filter((d) => d === s).length;
    assert.ok(n > 70 && n < 130, `${s} drawn ${n} times of 300`);
  }
  const otherEpoch = Array.from({ length: 300 }, (_, b) => batchInputSize(sizes, 1, 5, b));
  assert.notDeepEqual(draws, otherEpoch);
});

test('resizeBatch resizes images and masks together, corners kept', () => {
  const x = tf.tensor4d([0, 1, 2, 3], [1, 2, 2, 1]).tile([1, 1, 1, 3]) as tf.Tensor4D;
  const y = tf.tensor4d([0, 1, 0, 1], [1, 2, 2, 1]);
  const out = resizeBatch(x, y, 3);
  assert.deepEqual(out.x.shape, [1, 3, 3, 3]);
  assert.deepEqual(out.y.shape, [1, 3, 3, 1]);
  const yv = Array.from(out.y.dataSync());
  assert.deepEqual(yv, [0, 0.5, 1, 0, 0.5, 1, 0, 0.5, 1]);
  tf.dispose([x, y, out.x, out.y]);
});

test('EMA decay ramps up, then holds', () => {
  const cfg = { decay: 0.999, warmup: true };
  assert.equal(emaDecayAt(cfg, 0), 0.1);
  assert.ok(Math.abs(emaDecayAt(cfg, 90) - 0.91) < 1e-12);
  assert.equal(emaDecayAt(cfg, 1e6), 0.999);
  assert.equal(emaDecayAt({ decay: 0.99, warmup: false }, 0), 0.99);
});

test('the weight average follows the formula and lends its weights only for the duration of a call', async () => {
  const model = buildModel({ type: 'unet', depth: 1, baseWidth: 2, dropout: 0, batchNorm: true }, 8, 1);
  const w0 = model.weights.map((w) => w.read().dataSync().slice());
  const ema = WeightAverage.start(model, { decay: 0.5, warmup: false });
  // move every weight by +1, then average once: 0.5·w0 + 0.5·(w0 + 1)
  model.weights.forEach((w) => w.write(tf.add(w.read(), 1)));
  const w1 = model.weights.map((w) => w.read().dataSync().slice());
  const before = tf.memory().numTensors;
  ema.update(model);
  assert.equal(tf.memory().numTensors, before, 'no tensors leak per update');
  assert.equal(ema.steps, 1);
  const inside = await ema.withAveraged(model, () => model.weights.map((w) => w.read().dataSync().slice()));
  inside.forEach((v, i) => v.forEach((x, k) => assert.ok(Math.abs(x - (w0[i]![k]! + 0.5)) < 1e-6)));
  model.weights.forEach((w, i) => assert.deepEqual(w.read().dataSync(), w1[i], `raw weight ${i} back`));
  assert.equal(tf.memory().numTensors, before, 'lending leaks nothing');
  await assert.rejects(
    ema.withAveraged(model, () => Promise.reject(new Error('boom'))),
    /boom/,
  );
  model.weights.forEach((w, i) =>
    assert.deepEqual(w.read().dataSync(), w1[i], 'raw weights back after an error'),
  );
  ema.dispose();
  model.dispose();
});

test('the loop trains each batch at its drawn size and validates the weight average', async () => {
  const sample = (i: number): Sample => {
    const image = {
      width: 32,
      height: 32,
      channels: 3 as const,
      data: new Uint8Array(32 * 32 * 3).fill(40 * i),
    };
    const mask = {
      width: 32,
      height: 32,
      data: new Uint8Array(32 * 32).map((_, p) => Number(p % 32 < 8 * i)),
    };
    return { id: `s${i}`, image, mask };
  };
  const model = buildModel({ type: 'unet', depth: 2, baseWidth: 2, dropout: 0, batchNorm: true }, 32, 1);
  const state = freshState(model, tf.train.adam(0.01), 1);
  state.ema = WeightAverage.start(model, { decay: 0.9, warmup: false });
  const seen: number[] = [];
  let validated: Float32Array | undefined;
  await trainLoop(state, {
    train: [1, 2, 3, 4, 1, 2, 3, 4].map(sample),
    loss: (t, p) => {
      seen.push(p.shape[1]!);
      return bceLoss(t, p);
    },
    batchSize: 2,
    accumulate: 1,
    baseLr: 0.01,
    schedule: { type: 'constant', stepEpochs: 1, gamma: 1, power: 1, minFactor: 0, warmupEpochs: 0 },
    seed: 1,
    normalization: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
    inputSizeAt: (_epoch, batch) => [32, 64, 32, 96][batch]!,
    validate: async (m) => {
      validated = m.weights[0]!.read().dataSync().slice() as Float32Array;
      return { loss: 0, iou: 0.5, dice: 0.5 };
    },
    callbacks: [],
  });
  assert.deepEqual(seen, [32, 64, 32, 96]);
  assert.equal(state.ema.steps, 4, 'one update per optimizer step');
  assert.deepEqual(validated, state.ema.named()[0]!.tensor.dataSync(), 'validation saw the average');
  assert.notDeepEqual(validated, model.weights[0]!.read().dataSync(), 'training kept the raw weights');
  state.ema.dispose();
  model.dispose();
});

test('ema and multiScale are optional: older configs keep their hash; their sections are strict', () => {
  const base = {
    model: { type: 'mobilenetv2-unet' },
    inputSize: 64,
    loss: { dice: 1 },
    epochs: 2,
  };
  const old = parseTrainConfig(base);
  assert.ok(!('ema' in old) && !('multiScale' in old));
  const withBoth = parseTrainConfig({ ...base, ema: {}, multiScale: {} });
  assert.deepEqual(withBoth.ema, { decay: 0.999, warmup: true });
  assert.deepEqual(withBoth.multiScale, { scales: [0.75, 1, 1.25] });
  assert.notEqual(configHash(withBoth), configHash(old));
  assert.throws(() => parseTrainConfig({ ...base, ema: { decay: 1 } }), /ema\.decay/);
  assert.throws(() => parseTrainConfig({ ...base, ema: { rate: 0.9 } }), /ema.*rate|Unrecognized/s);
  assert.throws(() => parseTrainConfig({ ...base, multiScale: { scales: [] } }), /multiScale\.scales/);
  assert.throws(() => parseTrainConfig({ ...base, multiscale: {} }), /multiscale|Unrecognized/);
});
