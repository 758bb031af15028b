import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrainConfig } from '../../src/train/config.ts';
import { readTrainConfig } from '../../src/train/config.ts';
import { makeSyntheticDataset } from '../helpers/synthetic-dataset.ts';

const BIN = join(import.meta.dirname, '../../bin/polypseg.js');
let data: { dir: string };
let work: string;

before(async () => {
  data = await makeSyntheticDataset({ count: 24, width: 40, height: 40 });
  work = await mkdtemp(join(tmpdir(), 'polypseg-cli-'));
});
after(async () => {
  await rm(data.dir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

const run = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });

test('every shipped config is valid', async () => {
  const files = readdirSync('configs').filter((f) => f.endsWith('.json') && !f.startsWith('pretrain'));
  assert.ok(files.length >= 4);
  for (const f of files) await readTrainConfig(join('configs', f));
});

test('a bad augment section fails at config load, naming the field; a good one is kept as written', () => {
  const base = { model: { type: 'unet' } };
  assert.throws(
    () => parseTrainConfig({ ...base, augment: { rotate: { p: 2 } } }),
    /augment\.rotate\.p: Too big/,
  );
  assert.throws(() => parseTrainConfig({ ...base, augment: { spin: {} } }), /augment.*spin/s);
  // kept as written: the config hash that --resume compares must not move with augment's defaults
  assert.deepEqual(parseTrainConfig({ ...base, augment: { hflip: { p: 0.2 } } }).augment, {
    hflip: { p: 0.2 },
  });
});

test('unknown commands, unknown options and bad configs fail clearly without a stack trace', async () => {
  const unknown = run('trian');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command 'trian' \(did you mean train\?\)/);
  const badFlag = run('train', '--config', 'configs/smoke-unet.json', '--colour', 'red');
  assert.equal(badFlag.status, 2);
  assert.match(badFlag.stderr, /unknown option --colour/);
  const cfg = join(work, 'bad.json');
  await writeFile(cfg, JSON.stringify({ model: { type: 'unet' }, optimizer: { type: 'rmsprop' } }));
  const bad = run('train', '--config', cfg);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /optimizer\.type/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
  const missing = run('train', '--config', join(work, 'nope.json'));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read config/);
  const noData = run('train', '--config', 'configs/smoke-unet.json', '--data', join(work, 'no-such-dir'));
  assert.equal(noData.status, 1);
  assert.match(noData.stderr, /data directory \S*no-such-dir does not exist \(--data\)/);
});

test('train --help documents every flag and the default output folder', () => {
  const help = run('train', '--help');
  assert.equal(help.status, 0);
  for (const flag of ['--config FILE', '--data DIR', '--out DIR', '--resume', '--epochs N', '--threads N'])
    assert.match(help.stdout, new RegExp(`^  ${flag}\\s+\\S`, 'm'), `${flag} is explained`);
  assert.match(help.stdout, /default runs\/NAME/);
});

test('Ctrl-C saves a checkpoint and --resume finishes the run', async () => {
  const cfg = join(work, 'run.json');
  const config = parseTrainConfig({
    name: 'cli-run',
    model: { type: 'unet', depth: 2, baseWidth: 4 },
    inputSize: 32,
    data: { dir: data.dir, split: 'splits/all.txt', valFraction: 0.25 },
    optimizer: { type: 'adam', lr: 0.01 },
    batchSize: 4,
    epochs: 5,
  });
  await writeFile(cfg, JSON.stringify(config));
  const out = join(work, 'model');
  const child = spawn(process.execPath, [BIN, 'train', '--config', cfg, '--out', out]);
  let stderr = '';
  const code = await new Promise<number | null>((resolve) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      if (/epoch 2\/5/.test(stderr) && !child.killed) child.kill('SIGINT');
    });
    child.on('exit', resolve);
  });
  assert.equal(code, 130, stderr);
  assert.match(stderr, /resume with --resume/);
  assert.ok(existsSync(join(out, 'checkpoint', 'state.json')));
  const resumed = run('train', '--config', cfg, '--out', out, '--resume');
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming at epoch 2/);
  assert.match(resumed.stdout, /model saved to/);
  assert.ok(!existsSync(join(out, 'checkpoint')));
});
