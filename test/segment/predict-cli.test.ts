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
    const mask = await sharp(join(out, `${stem}.png`)).metadata();
    assert.equal(mask.channels, 1, 'a greyscale PNG, one channel');
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
  // onnx runtime without model.onnx: clear error, exit 1; auto (the default) falls back to tfjs
  assert.equal(await main([...oneImage, '--runtime', 'onnx']), 1);
  rmSync(out, { recursive: true });
  assert.equal(await main(oneImage), 0);
  assert.ok(existsSync(join(out, 'one.png')));
  assert.equal(await main([...oneImage, '--runtime', 'gpu']), 1);
  assert.equal(await main(['predict', '--model', model, '--out', out]), 2);
  assert.equal(await main([...oneImage, '--min-area', '-3']), 2);
  assert.equal(await main([...oneImage, '--tta', '--no-tta']), 2);
  assert.equal(await main(['predict', '--model', model, '--input', join(work, 'nothing'), '--out', out]), 1);
});

test('predict: several inputs after one --input, repeated --input, and quoted patterns', async () => {
  const model = await makeModelDir({ onnx: false });
  const work = mkdtempSync(join(tmpdir(), 'polypseg-predict-'));
  dirs.push(model, work);
  mkdirSync(join(work, 'x'));
  await writeImage(join(work, 'a.jpg'), 20, 16, 5);
  await writeImage(join(work, 'b.jpg'), 18, 22, 6);
  await writeImage(join(work, 'c.png'), 24, 24, 7);
  await writeImage(join(work, 'x', 'a.jpg'), 16, 16, 8);
  const run = async (...inputs: string[]) => {
    const out = mkdtempSync(join(tmpdir(), 'polypseg-predict-out-'));
    dirs.push(out);
    const code = await main(['predict', '--model', model, '--out', out, '--json', ...inputs]);
    const json = code === 0 ? JSON.parse(readFileSync(join(out, 'predictions.json'), 'utf8')) : [];
    return {
      code,
      files: json.map((r: { file: string; mask: string }) => [r.file.slice(work.length + 1), r.mask]),
    };
  };
  assert.deepEqual(await run('--input', join(work, 'a.jpg'), join(work, 'b.jpg')), {
    code: 0,
    files: [
      ['a.jpg', 'a.png'],
      ['b.jpg', 'b.png'],
    ],
  });
  // a pattern matches image files only, sorted; a repeated file is segmented once; same names get unique masks
  assert.deepEqual(
    await run('--input', join(work, '*.[jp]*g'), '--input', join(work, 'a.jpg'), join(work, 'x', 'a.jpg')),
    {
      code: 0,
      files: [
        ['a.jpg', 'a.png'],
        ['b.jpg', 'b.png'],
        ['c.png', 'c.png'],
        [join('x', 'a.jpg'), 'a_jpg.png'],
      ],
    },
  );
  assert.equal((await run('--input', join(work, '*.gif'))).code, 1, 'a pattern that matches nothing');
  assert.equal((await run(join(work, 'a.jpg'))).code, 2, 'images without --input');
});
