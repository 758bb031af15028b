import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine } from '../../src/engine/index.ts';
import { parseTrainConfig } from '../../src/train/config.ts';
import { runTraining } from '../../src/train/run.ts';
import { describeBest } from '../../src/train/loop.ts';
import { loadTrainingData } from '../../src/train/training-data.ts';
import { makeSyntheticDataset } from '../helpers/synthetic-dataset.ts';

let a: { dir: string; ids: string[] };
let b: { dir: string; ids: string[] };
let work: string;
let groupsFile: string;

before(async () => {
  await initEngine();
  a = await makeSyntheticDataset({ count: 12, width: 40, height: 36 });
  b = await makeSyntheticDataset({ count: 12, width: 36, height: 28, seed: 7, format: 'png' });
  work = await mkdtemp(join(tmpdir(), 'polypseg-multi-'));
  // b's frames come from 4 "sequences" of 3
  groupsFile = join(work, 'groups.txt');
  await writeFile(groupsFile, b.ids.map((id, i) => `${id} seq${Math.floor(i / 3)}`).join('\n') + '\n');
});
after(async () => {
  for (const d of [a.dir, b.dir, work]) await rm(d, { recursive: true, force: true });
});

const config = (extra: object = {}) =>
  parseTrainConfig({
    name: 'multi',
    model: { type: 'unet', depth: 2, baseWidth: 4 },
    inputSize: 32,
    data: {
      valFraction: 0.25,
      sources: [
        { name: 'a', dir: a.dir, split: 'splits/all.txt' },
        { name: 'b', dir: b.dir, split: 'splits/all.txt', weight: 2, groups: groupsFile },
      ],
    },
    loss: { structure: 1 },
    optimizer: { type: 'adam', lr: 0.01 },
    batchSize: 4,
    epochs: 2,
    seed: 3,
    selectBy: 'meanDice',
    ...extra,
  });

test('several sources: per-source carve-out (whole groups), weights repeat samples, names tag IDs', async () => {
  const data = await loadTrainingData(config().data, 32, () => {});
  const [sa, sb] = data.sources;
  assert.equal(sa!.valIds.length, 3);
  assert.equal(sb!.valIds.length, 3);
  const seqOf = (id: string) => Math.floor(b.ids.indexOf(id) / 3);
  assert.equal(new Set(sb!.valIds.map(seqOf)).size, 1, 'one whole sequence held out');
  for (const id of sb!.trainIds) assert.ok(!sb!.valIds.map(seqOf).includes(seqOf(id)));
  // a: 9 training images once, b: 9 twice
  assert.equal(data.train.length, 9 + 18);
  assert.equal(data.train.filter((s) => s.id.startsWith('b:')).length, 18);
  assert.deepEqual(data.valSource, [0, 0, 0, 1, 1, 1]);
  assert.ok(data.trainIds.every((id) => /^(a|b):synth\d{3}$/.test(id)));
});

test('multi-source training logs per-source validation mean Dice and CPU time, keeps the best by mean Dice', async () => {
  const out = join(work, 'run');
  const { state } = await runTraining({ config: config(), out, log: () => {} });
  const lines = readFileSync(join(out, 'train-log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  for (const l of lines) {
    assert.ok(l.valMeanDice >= 0 && l.valMeanDice <= 1);
    assert.deepEqual(Object.keys(l.valSources), ['a', 'b']);
    assert.ok(l.cpuSeconds > 0);
  }
  const bestEpoch = lines.reduce((best, l) => (l.valMeanDice > best.valMeanDice ? l : best));
  assert.equal(state.best!.epoch, bestEpoch.epoch);
  assert.equal(state.best!.score, bestEpoch.valMeanDice);
  // the CLI's summary names the score that chose the epoch, not the IoU beside it
  assert.equal(
    describeBest(state.best),
    `best validation mDice ${bestEpoch.valMeanDice.toFixed(4)} (IoU ${bestEpoch.valIou.toFixed(4)}) at epoch ${bestEpoch.epoch + 1}`,
  );
  // each source's lists are split files for its own dir
  assert.equal(readFileSync(join(out, 'val-ids-b.txt'), 'utf8').trim().split('\n').length, 3);
  assert.equal(readFileSync(join(out, 'train-ids-a.txt'), 'utf8').trim().split('\n').length, 9);
});

test('bad multi-source configs name the field', () => {
  assert.throws(
    () =>
      parseTrainConfig({
        model: { type: 'unet' },
        data: {
          sources: [
            { name: 'x', dir: a.dir },
            { name: 'x', dir: b.dir },
          ],
        },
      }),
    /sources: source names must be unique/,
  );
  assert.throws(
    () => parseTrainConfig({ model: { type: 'unet' }, data: { sources: [{ name: 'x y', dir: a.dir }] } }),
    /sources\.0\.name/,
  );
  assert.throws(() => parseTrainConfig({ model: { type: 'unet' }, selectBy: 'loss' }), /selectBy/);
});
