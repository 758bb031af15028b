import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrainConfig } from '../../src/train/config.ts';
import { runTraining } from '../../src/train/run.ts';
import { evaluateDataset } from '../../src/evaluate/evaluate-dataset.ts';
import { createSegmenter } from '../../src/segment/index.ts';
import { makeSyntheticDataset } from '../helpers/synthetic-dataset.ts';

const BIN = join(import.meta.dirname, '../../bin/polypseg.js');
let data: { dir: string; ids: string[] };
let work: string;

before(async () => {
  data = await makeSyntheticDataset({ count: 16, width: 44, height: 36 });
  work = await mkdtemp(join(tmpdir(), 'polypseg-eval-'));
});
after(async () => {
  await rm(data.dir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

test('eval --json scores a trained model at the images’ own size and writes a per-image CSV', async () => {
  const out = join(work, 'model');
  const config = parseTrainConfig({
    name: 'eval-fixture',
    model: { type: 'unet', depth: 2, baseWidth: 4 },
    inputSize: 32,
    data: { dir: data.dir, split: 'splits/all.txt', valFraction: 0.25 },
    loss: { bce: 1, dice: 1 },
    optimizer: { type: 'adam', lr: 0.02 },
    batchSize: 4,
    epochs: 6,
    seed: 5,
  });
  const { state } = await runTraining({ config, out, log: () => {} });
  const valIds = readFileSync(join(out, 'val-ids.txt'), 'utf8').trim().split('\n');
  assert.equal(valIds.length, 4);
  const r = spawnSync(
    process.execPath,
    [
      BIN,
      'eval',
      '--model',
      out,
      '--data',
      data.dir,
      '--split',
      join(out, 'val-ids.txt'),
      '--json',
      '--out',
      join(work, 'ev'),
      '--runtime',
      'tfjs',
    ],
    { encoding: 'utf8', timeout: 300_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
  for (const k of ['dice', 'iou', 'accuracy', 'precision', 'recall'])
    assert.ok(summary[k] >= 0 && summary[k] <= 1, k);
  assert.equal(summary.images, 4);
  assert.deepEqual(summary.minRegion, { fraction: 0.0002 }, "the model's minRegionFraction, as served");
  // full-size scoring of a model that learned the toy task must roughly agree with its validation IoU
  assert.ok(Math.abs(summary.iou - state.best!.valIou) < 0.2, `${summary.iou} vs ${state.best!.valIou}`);
  assert.ok(summary.dice >= summary.iou);
  const csv = readFileSync(join(work, 'ev', 'per-image.csv'), 'utf8')
    .trim()
    .split('\n');
  assert.equal(csv.length, 5);
  assert.match(csv[0]!, /^id,/);

  // The binary scores are those of the served mask: dropping every region (as --min-area would) empties
  // it, while the toolbox measures, defined on the probability map, stay as they were.
  const segmenter = await createSegmenter(out, { runtime: 'tfjs' });
  try {
    const ids = valIds;
    const served = await evaluateDataset(segmenter, data.dir, ids);
    const dropped = await evaluateDataset(segmenter, data.dir, ids, { minArea: 44 * 36 + 1 });
    assert.ok(Math.abs(served.summary.meanPerImage.iou - summary.iou) < 1e-9, 'same as the CLI');
    assert.ok(served.summary.meanPerImage.iou > 0);
    assert.equal(dropped.summary.pooled.iou, 0);
    assert.deepEqual(dropped.minRegion, { pixels: 44 * 36 + 1 });
    assert.deepEqual(dropped.summary.toolbox, served.summary.toolbox);
  } finally {
    await segmenter.dispose();
  }
});

test('eval with a missing model or split says so', () => {
  const r = spawnSync(
    process.execPath,
    [
      BIN,
      'eval',
      '--model',
      join(work, 'none'),
      '--data',
      data.dir,
      '--split',
      join(data.dir, 'splits/all.txt'),
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 1);
  assert.match(r.stderr, /polypseg\.json is missing/);
  const r2 = spawnSync(process.execPath, [BIN, 'eval', '--data', data.dir], { encoding: 'utf8' });
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /--split/);
});

test('eval --split takes a split name under the data folder (pranet-test style) as well as a path', () => {
  const byName = spawnSync(
    process.execPath,
    [BIN, 'eval', '--data', data.dir, '--split', 'all', '--json', '--runtime', 'onnx'],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(byName.status, 0, byName.stderr);
  assert.equal(JSON.parse(byName.stdout.trim().split('\n').pop()!).images, data.ids.length);
  const unknown = spawnSync(process.execPath, [BIN, 'eval', '--data', data.dir, '--split', 'pranet-test'], {
    encoding: 'utf8',
  });
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /split 'pranet-test' not found: neither a file nor a name under .*splits\//);
  assert.doesNotMatch(unknown.stderr, /ENOENT/);
});
