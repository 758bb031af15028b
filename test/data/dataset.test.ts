import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { carveValidation, loadSample, loadSamples, readSplit, decodeImage } from '../../src/data/index.ts';
import { PolypsegError } from '../../src/errors.ts';
import { makeSyntheticDataset } from '../helpers/synthetic-dataset.ts';

test('loadSample decodes, resizes and binarises the mask at 128', async () => {
  const { dir, ids } = await makeSyntheticDataset({ count: 2, width: 60, height: 50 });
  const full = await loadSample(dir, ids[0]!);
  assert.equal(full.image.width, 60);
  assert.equal(full.image.height, 50);
  assert.equal(full.image.data.length, 60 * 50 * 3);
  assert.ok(full.mask.data.every((v) => v === 0 || v === 1));
  const fg = full.mask.data.reduce((a, b) => a + b, 0);
  assert.ok(fg > 50 && fg < 60 * 50 - 50, `foreground ${fg}`);
  // polyp pixels are red in the synthetic image: the mask must line up with them
  const i = full.mask.data.indexOf(1);
  assert.ok(full.image.data[i * 3]! > full.image.data[i * 3 + 1]! + 50);
  const small = await loadSample(dir, ids[0]!, { size: 32 });
  assert.deepEqual(
    [small.image.width, small.image.height, small.mask.width, small.mask.height],
    [32, 32, 32, 32],
  );
  await rm(dir, { recursive: true });
});

test('missing, corrupt and mismatched files give errors naming the file', async () => {
  const { dir, ids } = await makeSyntheticDataset({ count: 4 });
  await rm(join(dir, 'masks', `${ids[0]}.jpg`));
  await writeFile(join(dir, 'images', `${ids[1]}.jpg`), 'not an image at all');
  await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } })
    .png()
    .toFile(join(dir, 'masks', `${ids[2]}.png`));
  await rm(join(dir, 'masks', `${ids[2]}.jpg`));
  await assert.rejects(
    loadSample(dir, ids[0]!),
    (e: Error) => e instanceof PolypsegError && /mask for 'synth000' not found/.test(e.message),
  );
  await assert.rejects(
    loadSample(dir, ids[1]!),
    (e: Error) => e instanceof PolypsegError && e.message.includes(`${ids[1]}.jpg`),
  );
  await assert.rejects(
    loadSample(dir, ids[2]!),
    (e: Error) => /size mismatch/.test(e.message) && e.message.includes(`${ids[2]}.png`),
  );
  await assert.rejects(loadSamples(dir, ids), PolypsegError);
  const report = await loadSamples(dir, ids, { skipInvalid: true });
  assert.deepEqual(
    report.samples.map((s) => s.id),
    [ids[3]],
  );
  assert.deepEqual(report.skipped.map((s) => s.id).sort(), ids.slice(0, 3));
  await rm(dir, { recursive: true });
});

test('a truncated JPEG is an error, not a silently grey image', async () => {
  const { dir, ids } = await makeSyntheticDataset({ count: 1 });
  const path = join(dir, 'images', `${ids[0]}.jpg`);
  const bytes = await sharp(path).jpeg().toBuffer();
  await assert.rejects(decodeImage(bytes.subarray(0, bytes.length >> 1), { label: 'half.jpg' }), /half\.jpg/);
  await copyFile(path, path + '.bak');
  await rm(dir, { recursive: true });
});

test('readSplit ignores blanks and comments and rejects duplicates and empty lists', async () => {
  const { dir } = await makeSyntheticDataset({ count: 1 });
  const f = join(dir, 'split.txt');
  await writeFile(f, '# comment\na\n\n b \r\nc\n');
  assert.deepEqual(await readSplit(f), ['a', 'b', 'c']);
  await writeFile(f, 'a\nb\na\n');
  await assert.rejects(readSplit(f), /twice/);
  await writeFile(f, '\n# nothing\n');
  await assert.rejects(readSplit(f), /no IDs/);
  await assert.rejects(readSplit(join(dir, 'nope.txt')), /cannot read split file/);
  await rm(dir, { recursive: true });
});

test('carveValidation is seeded, disjoint, complete and independent of input order', () => {
  const ids = Array.from({ length: 200 }, (_, i) => `id${i}`);
  const a = carveValidation(ids, 0.1, 7);
  const b = carveValidation([...ids].reverse(), 0.1, 7);
  const c = carveValidation(ids, 0.1, 8);
  assert.equal(a.val.length, 20);
  assert.equal(a.train.length, 180);
  assert.deepEqual([...a.val].sort(), [...b.val].sort());
  assert.notDeepEqual([...a.val].sort(), [...c.val].sort());
  assert.equal(new Set([...a.train, ...a.val]).size, 200);
  assert.ok(a.val.every((id) => !a.train.includes(id)));
});

test('decodeImage reads BMP (which libvips cannot) and resizes it like any other format', async () => {
  const { encodeBmp } = await import('../../src/data/bmp.ts');
  const data = new Uint8Array(20 * 10 * 3).map((_, i) => (i % 3 === 0 ? 200 : 30));
  const bmp = Buffer.from(encodeBmp({ width: 20, height: 10, channels: 3, data }));
  const full = await decodeImage(bmp);
  assert.deepEqual([full.width, full.height, full.data[0], full.data[1]], [20, 10, 200, 30]);
  const small = await decodeImage(bmp, { size: 8 });
  assert.deepEqual([small.width, small.height], [8, 8]);
  assert.ok(small.data[0]! > 150 && small.data[1]! < 80);
});
