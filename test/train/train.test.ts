import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine, tf } from '../../src/engine/index.ts';
import { loadModel } from '../../src/models/index.ts';
import { parseTrainConfig } from '../../src/train/config.ts';
import { runTraining } from '../../src/train/run.ts';
import type { Callback } from '../../src/train/callbacks.ts';
import { makeSyntheticDataset } from '../helpers/synthetic-dataset.ts';

let data: { dir: string; ids: string[] };
let work: string;

before(async () => {
  await initEngine();
  data = await makeSyntheticDataset({ count: 20, width: 40, height: 40 });
  work = await mkdtemp(join(tmpdir(), 'polypseg-train-'));
});
after(async () => {
  await rm(data.dir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

const config = (epochs = 3) =>
  parseTrainConfig({
    name: 'synthetic',
    model: { type: 'unet', depth: 2, baseWidth: 4 },
    inputSize: 32,
    data: { dir: data.dir, split: 'splits/all.txt', valFraction: 0.2 },
    loss: { bce: 1, dice: 1 },
    optimizer: { type: 'adam', lr: 0.01 },
    batchSize: 4,
    epochs,
    seed: 3,
  });

const quiet = () => {};

test('training learns, logs each epoch and leaves a loadable best model', async () => {
  const out = join(work, 'full');
  const tensorsAtEpochEnd: number[] = [];
  const probe: Callback = { onEpochEnd: () => void tensorsAtEpochEnd.push(tf.memory().numTensors) };
  const { state } = await runTraining({ config: config(4), out, callbacks: [probe], log: quiet });
  assert.equal(state.history.length, 4);
  assert.ok(
    state.history[3]!.loss < state.history[0]!.loss * 0.9,
    JSON.stringify(state.history.map((h) => h.loss)),
  );
  assert.ok(state.best && state.best.valIou > 0);
  // no tensor leaks: the count is flat once the optimizer's slots exist
  assert.equal(new Set(tensorsAtEpochEnd.slice(1)).size, 1, `tensor counts ${tensorsAtEpochEnd}`);
  const lines = readFileSync(join(out, 'train-log.jsonl'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 4);
  assert.ok(readFileSync(join(out, 'learning-curve.svg'), 'utf8').startsWith('<svg'));
  assert.ok(!existsSync(join(out, 'checkpoint')), 'checkpoint removed after a finished run');
  const { metadata } = await loadModel(out);
  assert.equal(metadata.inputSize, 32);
  assert.equal(
    (metadata.metrics as { validation: { epoch: number } }).validation.epoch,
    state.best!.epoch + 1,
  );
});

test('an interrupted run resumes to the same weights as an uninterrupted one', async () => {
  const straight = join(work, 'straight');
  const a = await runTraining({ config: config(3), out: straight, log: quiet, keepCheckpoint: true });

  const broken = join(work, 'broken');
  // stop in the middle of epoch 2, as Ctrl-C would
  const stopper: Callback = {
    onBatchEnd: (s, b) => {
      if (s.epoch === 1 && b.batch === 1) s.stopRequested = true;
    },
  };
  const first = await runTraining({ config: config(3), out: broken, callbacks: [stopper], log: quiet });
  assert.equal(first.state.interrupted, true);
  assert.ok(existsSync(join(broken, 'checkpoint', 'state.json')));
  await assert.rejects(runTraining({ config: config(3), out: broken, log: quiet }), /--resume/);
  const second = await runTraining({
    config: config(3),
    out: broken,
    resume: true,
    log: quiet,
    keepCheckpoint: true,
  });
  assert.equal(second.state.interrupted, false);
  assert.equal(second.state.history.length, 3);

  const x = tf.randomUniform([2, 32, 32, 3]);
  const ma = (await loadModel(join(straight, 'checkpoint'))).model;
  const mb = (await loadModel(join(broken, 'checkpoint'))).model;
  const diff = tf.max(tf.abs(tf.sub(ma.predict(x) as tf.Tensor, mb.predict(x) as tf.Tensor))).dataSync()[0]!;
  assert.ok(diff < 1e-4, `max difference ${diff}`);
  assert.ok(Math.abs(a.state.history[2]!.loss - second.state.history[2]!.loss) < 1e-4);
});

test('a different config refuses to resume, and a bad config names the field', async () => {
  const out = join(work, 'broken');
  const other = { ...config(3), seed: 99 };
  await assert.rejects(
    runTraining({ config: other, out, resume: true, log: quiet }),
    /different config|nothing to resume/,
  );
  assert.throws(() => parseTrainConfig({ model: { type: 'unet' }, batchSize: 0 }), /batchSize/);
  assert.throws(() => parseTrainConfig({ model: { type: 'unet' }, lr: 1 }), /lr|Unrecognized/i);
});

test('init starts a run from a trained model at another input size; init and encoder.init are exclusive', async () => {
  const source = join(work, 'init-source');
  await runTraining({ config: config(1), out: source, log: quiet });
  const { model: trained } = await loadModel(source);
  const expected = trained.getWeights().map((w) => w.dataSync().slice());
  trained.dispose();
  let initial: Float32Array[] = [];
  const snapshot: Callback = {
    onTrainBegin: (s) =>
      void (initial = s.model.getWeights().map((w) => w.dataSync().slice() as Float32Array)),
  };
  const messages: string[] = [];
  const fineTune = parseTrainConfig({ ...config(1), inputSize: 48, init: source });
  const { state } = await runTraining({
    config: fineTune,
    out: join(work, 'init-48'),
    callbacks: [snapshot],
    log: (m: string) => void messages.push(m),
  });
  assert.equal(state.model.inputs[0]!.shape[1], 48);
  assert.equal(initial.length, expected.length);
  initial.forEach((w, i) => assert.deepEqual(w, expected[i], `weight ${i} copied`));
  assert.ok(messages.some((m) => /weights initialised from/.test(m)));
  assert.throws(
    () => parseTrainConfig({ ...config(1), init: source, encoder: { init: source } }),
    /exclusive/,
  );
  await assert.rejects(
    runTraining({
      config: parseTrainConfig({
        ...config(1),
        model: { type: 'unet', depth: 2, baseWidth: 8 },
        init: source,
      }),
      out: join(work, 'init-mismatch'),
      log: quiet,
    }),
    /do not fit/,
  );
});
