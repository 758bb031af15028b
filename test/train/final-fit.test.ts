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
  data = await makeSyntheticDataset({ count: 16, width: 40, height: 40 });
  work = await mkdtemp(join(tmpdir(), 'polypseg-final-fit-'));
});
after(async () => {
  await rm(data.dir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

/** A final fit: all data, no validation, a weight average and multi-scale batches (24², 32², 48²). */
const config = (extra: object = {}) =>
  parseTrainConfig({
    name: 'final-fit',
    model: { type: 'unet', depth: 2, baseWidth: 4 },
    inputSize: 32,
    data: { dir: data.dir, split: 'splits/all.txt', valFraction: 0 },
    loss: { dice: 1, structure: 1 },
    optimizer: { type: 'adam', lr: 0.01 },
    schedule: { type: 'cosine', warmupEpochs: 0.5 },
    batchSize: 4,
    epochs: 3,
    seed: 5,
    ema: { decay: 0.8 },
    multiScale: { scales: [0.75, 1, 1.5] },
    ...extra,
  });

const quiet = () => {};

async function weightsOf(dir: string): Promise<Float32Array[]> {
  const { model } = await loadModel(dir);
  const w = model.getWeights().map((t) => t.dataSync().slice() as Float32Array);
  model.dispose();
  return w;
}

function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  assert.equal(a.length, b.length);
  let m = 0;
  a.forEach((x, i) => x.forEach((v, k) => (m = Math.max(m, Math.abs(v - b[i]![k]!)))));
  return m;
}

test('a final fit trains on all the data, saves the last epoch as the weight average, and resumes exactly', async () => {
  const straight = join(work, 'straight');
  const lines: string[] = [];
  const a = await runTraining({
    config: config(),
    out: straight,
    log: (l) => void lines.push(l),
    keepCheckpoint: true,
  });
  assert.equal(a.trainIds.length, 16);
  assert.equal(a.valIds.length, 0);
  assert.equal(a.state.best, null, 'nothing selected');
  assert.equal(a.state.history.length, 3);
  assert.ok(a.state.history.every((e) => e.valIou === null));
  assert.ok(
    lines.some((l) => /multi-scale training at 24², 32², 48²/.test(l)),
    lines.join('\n'),
  );
  const { metadata } = await loadModel(straight);
  assert.equal(metadata.metrics, undefined);
  assert.deepEqual((metadata.training as { config: { ema: unknown } }).config.ema, {
    decay: 0.8,
    warmup: true,
  });

  // the saved model is the average: it equals ema.bin, not the raw weights the checkpoint resumes from
  const saved = await weightsOf(straight);
  const raw = await weightsOf(join(straight, 'checkpoint'));
  const record = JSON.parse(readFileSync(join(straight, 'checkpoint', 'state.json'), 'utf8')) as {
    ema: { steps: number; specs: tf.io.WeightsManifestEntry[] };
  };
  assert.equal(record.ema.steps, 3 * 4, 'one update per step: 3 epochs of 4 batches');
  const buf = readFileSync(join(straight, 'checkpoint', 'ema.bin'));
  const map = tf.io.decodeWeights(
    buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer,
    record.ema.specs,
  );
  const averaged = saved.map((_, i) => map[`ema/${i}`]!.dataSync() as Float32Array);
  assert.ok(maxDiff(saved, averaged) < 1e-6, 'saved model = the average');
  assert.ok(maxDiff(saved, raw) > 1e-3, 'the average differs from the raw weights');

  // stop in the middle of epoch 2, as Ctrl-C would, then resume
  const broken = join(work, 'broken');
  const stopper: Callback = {
    onBatchEnd: (s, b) => {
      if (s.epoch === 1 && b.batch === 1) s.stopRequested = true;
    },
  };
  const first = await runTraining({ config: config(), out: broken, callbacks: [stopper], log: quiet });
  assert.equal(first.state.interrupted, true);
  assert.ok(existsSync(join(broken, 'checkpoint', 'ema.bin')));
  assert.ok(!existsSync(join(broken, 'model.json')), 'nothing saved before the last epoch');
  const second = await runTraining({ config: config(), out: broken, resume: true, log: quiet });
  assert.equal(second.state.interrupted, false);
  assert.equal(second.state.ema!.steps, 12);
  assert.ok(maxDiff(await weightsOf(broken), saved) < 1e-4, 'resumed = uninterrupted');
  assert.ok(Math.abs(a.state.history[2]!.loss - second.state.history[2]!.loss) < 1e-4);
});

test('a run with validation scores and saves the weight average of its best epoch', async () => {
  const out = join(work, 'validated');
  let averagedAtBest: Float32Array[] = [];
  const probe: Callback = {
    onEpochEnd: async (s, e) => {
      if (s.best?.epoch === e.epoch)
        averagedAtBest = s.ema!.named().map((n) => n.tensor.dataSync().slice() as Float32Array);
    },
  };
  const { state } = await runTraining({
    config: config({ data: { dir: data.dir, split: 'splits/all.txt', valFraction: 0.25 }, epochs: 2 }),
    out,
    callbacks: [probe],
    log: quiet,
  });
  assert.ok(state.best);
  assert.ok(maxDiff(await weightsOf(out), averagedAtBest) < 1e-6);
});

test('a slow epoch is checkpointed inside the epoch once checkpointMinutes have passed', async () => {
  const savedBatch = (out: string) => {
    const file = join(out, 'checkpoint', 'state.json');
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { batch: number }).batch : null;
  };
  const seen = (out: string): [Callback, (number | null)[]] => {
    const batches: (number | null)[] = [];
    return [{ onBatchEnd: (s) => void (s.epoch === 0 && batches.push(savedBatch(out))) }, batches];
  };
  const every = join(work, 'every-step');
  const [probe, batches] = seen(every);
  await runTraining({
    config: config({ epochs: 1 }),
    out: every,
    callbacks: [probe],
    log: quiet,
    checkpointMinutes: 0,
  });
  // after steps 1-3 of 4 (the 4th is saved at the epoch's end, with its validation)
  assert.deepEqual(batches, [1, 2, 3, 3]);
  const rarely = join(work, 'default-interval');
  const [probe2, batches2] = seen(rarely);
  await runTraining({ config: config({ epochs: 1 }), out: rarely, callbacks: [probe2], log: quiet });
  assert.deepEqual(batches2, [null, null, null, null], 'a quick epoch is only saved at its end');
});
