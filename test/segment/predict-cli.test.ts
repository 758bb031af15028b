import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { main } from '../../src/cli/main.ts';
import { makeModelDir, syntheticImage } from './fixture-model.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function writeImage(path: string, width: number, height: number, seed: number) {
  const img = syntheticImage(width, height, seed);
  await sharp(Buffer.from(img.data), { raw: { width, height, channels: 3 } }).toFile(path);
}

test('predict: a folder -> one 0/255 mask per image at its size; corrupt image reported, others written', async () => {
  const model = await makeModelDir();
  const work = mkdtempSync(join(tmpdir(), 'polypseg-predict-'));
  dirs.push(model, work);
  const input = join(work, 'in');
  mkdirSync(input);
  await writeImage(join(input, 'a.jpg'), 50, 40, 1);
  await writeImage(join(input, 'b.png'), 33, 70, 2);
  await writeImage(join(input, 'c.webp'), 64, 64, 3);
  writeFileSync(join(input, 'broken.jpg'), 'this is not a jpeg');
  writeFileSync(join(input, 'notes.txt'), 'ignored');
  const out = join(work, 'out');

  const code = await main([
    'predict',
    '--model',
    model,
    '--input',
    input,
    '--out',
    out,
    '--overlay',
    '--json',
    '--tta',
  ]);
  assert.equal(code, 1, 'non-zero exit because one image failed');
  for (const [stem, w, h] of [
    ['a', 50, 40],
    ['b', 33, 70],
    ['c', 64, 64],
  ] as const) {
    const { data, info } = await sharp(join(out, `${stem}.png`))
      .raw()
      .toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [w, h]);
    assert.ok(data.every((v) => v === 0 || v === 255));
    const overlay = await sharp(join(out, 'overlays', `${stem}.png`)).metadata();
    assert.deepEqual([overlay.width, overlay.height], [w, h]);
  }
  assert.equal(existsSync(join(out, 'broken.png')), false);
  const json = JSON.parse(readFileSync(join(out, 'predictions.json'), 'utf8'));
  assert.equal(json.length, 4);
  const broken = json.find((r: { file: string }) => r.file.endsWith('broken.jpg'));
  assert.match(broken.error, /cannot decode/);
  const a = json.find((r: { file: string }) => r.file.endsWith('a.jpg'));
  assert.deepEqual([a.width, a.height, a.mask], [50, 40, 'a.png']);
  assert.ok(Array.isArray(a.polyps) && a.coverage >= 0 && a.coverage <= 1);
});

test('predict: a single file with the tfjs runtime; bad flags are usage errors', async () => {
  const model = await makeModelDir({ onnx: false });
  const work = mkdtempSync(join(tmpdir(), 'polypseg-predict-'));
  dirs.push(model, work);
  await writeImage(join(work, 'one.jpg'), 40, 30, 4);
  const out = join(work, 'out');
  const oneImage = ['predict', '--model', model, '--input', join(work, 'one.jpg'), '--out', out];
  assert.equal(await main([...oneImage, '--runtime', 'tfjs']), 0);
  assert.ok(existsSync(join(out, 'one.png')));
  // onnx runtime without model.onnx: clear error, exit 1
  assert.equal(await main(oneImage), 1);
  assert.equal(await main([...oneImage, '--runtime', 'gpu']), 1);
  assert.equal(await main(['predict', '--model', model, '--out', out]), 2);
  assert.equal(await main([...oneImage, '--min-area', '-3']), 2);
  assert.equal(await main([...oneImage, '--tta', '--no-tta']), 2);
  assert.equal(await main(['predict', '--model', model, '--input', join(work, 'nothing'), '--out', out]), 1);
});
