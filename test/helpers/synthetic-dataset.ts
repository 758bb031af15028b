import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

export interface SyntheticOptions {
  count?: number;
  width?: number;
  height?: number;
  seed?: number;
  /** image format on disk */
  format?: 'jpg' | 'png';
}

/** A deterministic toy colonoscopy frame: pinkish background, one darker-red ellipse "polyp" as the mask. */
export function syntheticSample(i: number, width: number, height: number, seed = 1) {
  let s = (seed * 7919 + i * 104729) >>> 0;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const cx = width * (0.3 + 0.4 * rand());
  const cy = height * (0.3 + 0.4 * rand());
  const rx = width * (0.1 + 0.15 * rand());
  const ry = height * (0.1 + 0.15 * rand());
  const image = Buffer.alloc(width * height * 3);
  const mask = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;
      const p = y * width + x;
      const shade = 20 * Math.sin((x + y + i) / 7);
      image[p * 3] = inside ? 150 : 220 + shade / 2;
      image[p * 3 + 1] = inside ? 40 : 150 + shade;
      image[p * 3 + 2] = inside ? 50 : 140 + shade;
      mask[p] = inside ? 255 : 0;
    }
  }
  return { image, mask };
}

/** Writes a Kvasir-SEG-layout dataset (images/, masks/, splits/all.txt) into a fresh temp dir. */
export async function makeSyntheticDataset(
  opts: SyntheticOptions = {},
): Promise<{ dir: string; ids: string[] }> {
  const { count = 12, width = 48, height = 40, seed = 1, format = 'jpg' } = opts;
  const dir = await mkdtemp(join(tmpdir(), 'polypseg-synth-'));
  await Promise.all(['images', 'masks', 'splits'].map((d) => mkdir(join(dir, d))));
  const ids = Array.from({ length: count }, (_, i) => `synth${String(i).padStart(3, '0')}`);
  for (const [i, id] of ids.entries()) {
    const { image, mask } = syntheticSample(i, width, height, seed);
    const img = sharp(image, { raw: { width, height, channels: 3 } });
    const msk = sharp(mask, { raw: { width, height, channels: 1 } });
    await (format === 'jpg' ? img.jpeg({ quality: 95 }) : img.png()).toFile(
      join(dir, 'images', `${id}.${format}`),
    );
    await (format === 'jpg' ? msk.jpeg({ quality: 95 }) : msk.png()).toFile(
      join(dir, 'masks', `${id}.${format}`),
    );
  }
  await writeFile(join(dir, 'splits', 'all.txt'), ids.join('\n') + '\n');
  return { dir, ids };
}
