import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import sharp from 'sharp';
import { PolypsegError } from '../errors.ts';
import { decodeImage, decodeMask } from './decode.ts';
import { IMAGE_EXTENSIONS } from './locations.ts';
import type { Sample } from './raw-image.ts';

/** Reads a split file: one ID per line, blank lines and `#` comments ignored, duplicates rejected. */
export async function readSplit(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new PolypsegError(`cannot read split file ${file}: ${(err as Error).message}`, 'SPLIT_MISSING');
  }
  const ids = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new PolypsegError(`split file ${file} lists '${id}' twice`, 'SPLIT_INVALID');
    seen.add(id);
  }
  if (ids.length === 0) throw new PolypsegError(`split file ${file} lists no IDs`, 'SPLIT_INVALID');
  return ids;
}

/** Finds `<dir>/<sub>/<id>.<ext>` for any supported extension. */
export function findFile(dir: string, sub: 'images' | 'masks', id: string): string | undefined {
  for (const ext of IMAGE_EXTENSIONS) {
    const p = join(dir, sub, id + ext);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/**
 * The IDs of a Kvasir-layout folder without a split file: every `images/ID.*` that has a `masks/ID.*`,
 * sorted (test sets shipped as folders, e.g. PraNet's TestDataset).
 */
export async function listSampleIds(dir: string): Promise<string[]> {
  const stems = async (sub: string) =>
    (await readdir(join(dir, sub)))
      .filter((n) => IMAGE_EXTENSIONS.includes(extname(n).toLowerCase()))
      .map((n) => n.slice(0, -extname(n).length));
  const [images, masks] = await Promise.all([stems('images'), stems('masks')]);
  const withMask = new Set(masks);
  return [...new Set(images.filter((id) => withMask.has(id)))].sort();
}

export interface LoadOptions {
  /** resize image and mask to size x size */
  size?: number;
}

/**
 * Loads one Kvasir-SEG-layout sample (`images/ID.*`, `masks/ID.*`). Errors name the offending file: a
 * missing image or mask, an undecodable file, or an image and mask of different sizes.
 */
export async function loadSample(dir: string, id: string, opts: LoadOptions = {}): Promise<Sample> {
  const imagePath = findFile(dir, 'images', id);
  if (!imagePath)
    throw new PolypsegError(`image for '${id}' not found in ${join(dir, 'images')}`, 'IMAGE_MISSING');
  const maskPath = findFile(dir, 'masks', id);
  if (!maskPath)
    throw new PolypsegError(`mask for '${id}' not found in ${join(dir, 'masks')}`, 'MASK_MISSING');
  const [im, mk] = await Promise.all([sharpSize(imagePath), sharpSize(maskPath)]);
  if (im.width !== mk.width || im.height !== mk.height) {
    throw new PolypsegError(
      `size mismatch for '${id}': ${imagePath} is ${im.width}x${im.height} but ${maskPath} is ${mk.width}x${mk.height}`,
      'SIZE_MISMATCH',
    );
  }
  const [image, mask] = await Promise.all([
    decodeImage(imagePath, { size: opts.size }),
    decodeMask(maskPath, { size: opts.size }),
  ]);
  return { id, image, mask };
}

async function sharpSize(path: string): Promise<{ width: number; height: number }> {
  try {
    const m = await sharp(path).metadata();
    if (!m.width || !m.height) throw new Error('no dimensions in header');
    return { width: m.width, height: m.height };
  } catch (err) {
    throw new PolypsegError(`cannot read ${path}: ${(err as Error).message}`, 'IMAGE_UNDECODABLE', {
      cause: err,
    });
  }
}

export interface LoadReport {
  samples: Sample[];
  skipped: { id: string; reason: string }[];
}

/**
 * Loads many samples with bounded concurrency. With `skipInvalid`, bad samples are reported and left out;
 * otherwise the first bad one throws before training starts (never mid-epoch).
 */
export async function loadSamples(
  dir: string,
  ids: string[],
  opts: LoadOptions & {
    skipInvalid?: boolean;
    concurrency?: number;
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<LoadReport> {
  const samples: (Sample | undefined)[] = new Array(ids.length);
  const skipped: LoadReport['skipped'] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < ids.length) {
      const i = next++;
      try {
        samples[i] = await loadSample(dir, ids[i]!, opts);
      } catch (err) {
        if (!opts.skipInvalid || !(err instanceof PolypsegError)) throw err;
        skipped.push({ id: ids[i]!, reason: err.message });
      }
      opts.onProgress?.(++done, ids.length);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, worker));
  return { samples: samples.filter((s): s is Sample => s !== undefined), skipped };
}
