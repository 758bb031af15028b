import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTable2 } from '../../src/experiment/table2/run.ts';
import { readBudget } from '../../src/experiment/table2/budget.ts';
import { SETTINGS } from '../../src/experiment/table2/settings.ts';
import type { Callback } from '../../src/train/callbacks.ts';
import { makeSyntheticDataset } from '../helpers/synthetic-dataset.ts';

let data: { dir: string; ids: string[] };
let work: string;
const quiet = () => {};

before(async () => {
  data = await makeSyntheticDataset({ count: 20, width: 48, height: 48 });
  await writeFile(join(data.dir, 'splits', 'pranet-train.txt'), data.ids.slice(0, 16).join('\n') + '\n');
  await writeFile(join(data.dir, 'splits', 'pranet-test.txt'), data.ids.slice(16).join('\n') + '\n');
  work = await mkdtemp(join(tmpdir(), 'polypseg-table2-'));
});
after(async () => {
  await rm(data.dir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

test('the shipped budgets parse; an unknown budget is a clear error', async () => {
  for (const name of ['tiny', 'small', 'full']) await readBudget(name);
  const small = await readBudget('small');
  assert.equal(small.unet.baseWidth, small.doubleUnet.baseWidth);
  await assert.rejects(readBudget('nonesuch'), /no budget named/);
});

test('table2 runs six settings with one shared pretraining, resumes after a stop and skips finished runs', async () => {
  const out = join(work, 'exp');
  // stop the second run (UNet, augmented) after its first epoch, as Ctrl-C would
  let runs = 0;
  const stopper: Callback = {
    onTrainBegin: () => void runs++,
    onEpochEnd: (s) => {
      if (runs === 2) s.stopRequested = true;
    },
  };
  const first = await runTable2({ budget: 'tiny', out, data: data.dir, log: quiet, callbacks: [stopper] });
  assert.equal(first.interrupted, true);
  assert.deepEqual(first.ran, ['unet-original']);
  assert.ok(existsSync(join(out, 'runs', 'unet-augmented', 'checkpoint', 'state.json')));
  assert.ok(
    !existsSync(join(out, 'runs', 'unet-original', 'weights.bin')),
    'weights of a finished run pruned',
  );
  assert.ok(existsSync(join(out, 'runs', 'unet-original', 'result.json')));

  const second = await runTable2({ budget: 'tiny', out, log: quiet });
  assert.equal(second.complete, true);
  assert.deepEqual(second.skipped, ['unet-original']);
  assert.equal(second.ran.length, 5);
  // the resumed run kept its first epoch and did the second
  const aug = JSON.parse(readFileSync(join(out, 'runs', 'unet-augmented', 'result.json'), 'utf8'));
  assert.equal(aug.history.length, 2);
  assert.ok(!existsSync(join(out, 'runs', 'unet-augmented', 'checkpoint')));
  // one pretraining, shared: both pretrained runs name the same encoder
  const cfg = (k: string) => JSON.parse(readFileSync(join(out, 'runs', k, 'train-config.json'), 'utf8'));
  assert.equal(cfg('unet-pretrained').encoder.init, join(out, 'pretrain'));
  assert.equal(cfg('unet-augmented-pretrained').encoder.init, join(out, 'pretrain'));
  assert.equal(cfg('unet-original').encoder.init, undefined);
  assert.ok(cfg('unet-augmented').augment && !cfg('unet-original').augment);
  assert.equal(cfg('double-unet-augmented').model.type, 'double-unet');
  const pretrain = JSON.parse(readFileSync(join(out, 'pretrain', 'result.json'), 'utf8'));
  assert.ok(pretrain.finalAccuracy >= 0 && pretrain.finalAccuracy <= 1);

  const md = readFileSync(second.files.markdown, 'utf8');
  for (const s of SETTINGS) assert.match(md, new RegExp(`\\| ${s.label} \\| 0\\.\\d{4} \\|`));
  assert.match(md, /0\.592346|0\.5923/); // the original's numbers beside ours
  assert.match(md, /6 of 6 runs finished/);
  const csv = readFileSync(second.files.csv, 'utf8').trim().split('\n');
  assert.equal(csv.length, 7);
  assert.ok(
    csv.slice(1).every((l) => /^[a-z-]+,"[^"]+",0\.\d+,/.test(l)),
    csv.join('\n'),
  );
  const svg = readFileSync(second.files.svg, 'utf8');
  assert.ok(svg.startsWith('<svg'));
  assert.equal((svg.match(/<path /g) ?? []).length, 6);

  const third = await runTable2({ budget: 'tiny', out, log: quiet });
  assert.equal(third.complete, true);
  assert.deepEqual(third.ran, []);
  assert.equal(third.skipped.length, 6);
  const exp = JSON.parse(readFileSync(join(out, 'experiment.json'), 'utf8'));
  assert.equal(exp.sessions.length, 3);
  assert.equal(exp.dataDir, data.dir);

  // another budget or limit in the same directory is refused
  await assert.rejects(runTable2({ budget: 'tiny', out, limit: 5, log: quiet }), /another budget or --limit/);
});
