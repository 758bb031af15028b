import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import command from '../../src/cli/augment.ts';
import { UsageError } from '../../src/cli/command.ts';
import { PolypsegError } from '../../src/errors.ts';
import { loadSample, readSplit } from '../../src/data/index.ts';
import { scene } from './scene.ts';

/** A tiny Kvasir-layout dataset of synthetic endoscope frames (JPEG images, JPEG masks). */
async function dataset(count = 6, size = 96): Promise<{ dir: string; ids: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'polypseg-augment-'));
  await Promise.all(['images', 'masks', 'splits'].map((d) => mkdir(join(dir, d))));
  const ids = Array.from({ length: count }, (_, i) => `img${i}`);
  for (const [i, id] of ids.entries()) {
    const s = scene({
      size,
      polyps: [{ cx: size * (0.35 + 0.05 * i), cy: size * (0.4 + 0.03 * i), r: size * (0.08 + 0.01 * i) }],
    });
    const raw = (data: Uint8Array, channels: 1 | 3) =>
      sharp(Buffer.from(data), { raw: { width: size, height: size, channels } }).jpeg({ quality: 95 });
    await raw(s.image.data, 3).toFile(join(dir, 'images', `${id}.jpg`));
    await raw(
      s.mask.data.map((v) => v * 255),
      1,
    ).toFile(join(dir, 'masks', `${id}.jpg`));
  }
  await writeFile(join(dir, 'splits', 'train.txt'), ids.join('\n') + '\n');
  return { dir, ids };
}

test('augment writes both contact sheets and an expanded dataset that loads back', async () => {
  const { dir, ids } = await dataset();
  const out = join(dir, 'out');
  try {
    const args = ['--data', dir, '--split', 'train', '--out', out, '--n', '4', '--sheet-size', '64'];
    assert.equal(await command.run([...args, '--copies', '2', '--include-originals', '--seed', '7']), 0);
    const basic = await sharp(join(out, 'augment-basic.png')).metadata();
    assert.equal(basic.format, 'png');
    // 4 samples, 2 groups of (original + 3 versions) per row
    assert.ok(basic.width! > 2 * 4 * 64 && basic.height! > 2 * 64 && basic.height! < 3 * 64 + 60);
    assert.ok(existsSync(join(out, 'augment-copypaste.png')));

    const listed = await readSplit(join(out, 'splits', 'train.txt'));
    assert.equal(listed.length, ids.length * 3);
    assert.ok(listed.includes('img0') && listed.includes('img0_a0') && listed.includes('img5_a1'));
    for (const id of listed) {
      const s = await loadSample(out, id);
      assert.equal(s.image.width, 96);
      assert.ok(
        s.mask.data.some((v) => v === 1),
        `${id} lost its polyp`,
      );
    }
    // same seed -> same files
    const out2 = join(dir, 'out2');
    await command.run([
      '--data',
      dir,
      '--split',
      'train',
      '--out',
      out2,
      '--n',
      '2',
      '--copies',
      '1',
      '--seed',
      '7',
    ]);
    assert.deepEqual(
      await readFile(join(out2, 'masks', 'img3_a0.png')),
      await readFile(join(out, 'masks', 'img3_a0.png')),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('augment reports bad flags and missing files clearly', async () => {
  const { dir } = await dataset(2, 48);
  try {
    const base = ['--data', dir, '--out', join(dir, 'o')];
    await assert.rejects(
      command.run([...base, '--split', 'train', '--copies', '2', '--sheet-only']),
      UsageError,
    );
    await assert.rejects(command.run([...base, '--split', 'train', '--seed', 'x']), UsageError);
    await assert.rejects(command.run([...base, '--split', 'nope']), PolypsegError);
    await assert.rejects(command.run(['--split', 'train', '--out', 'o']), /--data/);
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ augment: { rotate: { p: 2 } } }));
    await assert.rejects(
      command.run([...base, '--split', 'train', '--config', join(dir, 'bad.json')]),
      /rotate\.p/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
