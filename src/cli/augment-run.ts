import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import { ProgressBar } from '../progress.ts';
import { createRng, hashSeed, shuffle } from '../random.ts';
import { PolypsegError } from '../errors.ts';
import { encodeMaskPng, loadSample, readSplit } from '../data/index.ts';
import type { RawImage, Sample } from '../data/raw-image.ts';
import {
  contactSheet,
  copyPaste,
  createAugmenter,
  drawOutline,
  parseAugmentConfig,
  type AugmentConfig,
} from '../augment/index.ts';

/** What `polypseg augment` parsed from its flags. */
export interface AugmentRun {
  data: string;
  out: string;
  splitFile: string;
  n: number;
  seed: number;
  copies: number;
  size?: number;
  sheetSize: number;
  configFile?: string;
  includeOriginals: boolean;
}

/** Outline colours: existing polyp, pasted polyp. */
const GREEN = [0, 255, 0] as const;
const CYAN = [0, 255, 255] as const;
/** Augmented versions shown beside each original on the basic sheet. */
const VERSIONS = 3;
/** Donors tried per copy-paste sheet row before the row is dropped. */
const SHEET_DONOR_TRIES = 12;

/** The sheets, and with `copies` the expanded dataset: the work behind `polypseg augment`. */
export async function runAugment(opts: AugmentRun): Promise<number> {
  const { data, out, splitFile, n, seed, copies, size, sheetSize } = opts;
  const config = await readAugmentConfig(opts.configFile);
  const ids = await readSplit(splitFile);
  await mkdir(out, { recursive: true });

  const picked = shuffle(ids, createRng(hashSeed(seed, 0x5a3e7)).next).slice(0, Math.min(n, ids.length));
  const loader = new SampleCache(data, sheetSize);
  const basicPath = join(out, 'augment-basic.png');
  await writeSheet(basicPath, await basicSheet(picked, loader, config, seed));
  console.log(`wrote ${basicPath}`);
  const cpPath = join(out, 'augment-copypaste.png');
  const cp = await copyPasteSheet(picked, ids, loader, config, seed);
  if (cp.sheet) {
    await writeSheet(cpPath, cp.sheet);
    console.log(`wrote ${cpPath} (${cp.rows} pastes; skipped tries: ${formatCounts(cp.skips)})`);
  } else {
    console.error(`no copy-paste fitted in these samples (${formatCounts(cp.skips)}); ${cpPath} not written`);
  }

  if (copies) {
    const written = await writeExpanded(data, ids, out, splitFile, {
      copies,
      size,
      seed,
      config,
      includeOriginals: opts.includeOriginals,
    });
    console.log(`wrote ${written.count} samples to ${out} (split: ${written.splitPath})`);
  }
  return 0;
}

async function readAugmentConfig(file: string | undefined): Promise<AugmentConfig> {
  if (!file) return parseAugmentConfig({});
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new PolypsegError(`cannot read config ${file}: ${(err as Error).message}`, 'CONFIG_INVALID');
  }
  const section =
    raw && typeof raw === 'object' && 'augment' in raw ? (raw as { augment: unknown }).augment : raw;
  return parseAugmentConfig(section, `${file} augment`);
}

/** Decodes samples on demand, keeping the most recent ones (donors recur). */
class SampleCache {
  private readonly cache = new Map<string, Sample>();
  constructor(
    private readonly dir: string,
    private readonly size: number | undefined,
    private readonly capacity = 64,
  ) {}
  async get(id: string): Promise<Sample> {
    const hit = this.cache.get(id);
    if (hit) {
      this.cache.delete(id);
      this.cache.set(id, hit);
      return hit;
    }
    const s = await loadSample(this.dir, id, { size: this.size });
    this.cache.set(id, s);
    if (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value!);
    return s;
  }
}

async function basicSheet(ids: string[], loader: SampleCache, config: AugmentConfig, seed: number) {
  const augment = createAugmenter(
    { ...config, enabled: true, copyPaste: { ...config.copyPaste, p: 0 } },
    seed,
  );
  const groups: RawImage[][] = [];
  for (const [i, id] of ids.entries()) {
    const s = await loader.get(id);
    const versions = Array.from({ length: VERSIONS }, (_, k) => augment(s, k, i));
    groups.push([s, ...versions].map((v) => drawOutline(v.image, v.mask, GREEN)));
  }
  return contactSheet(groups, { groupsPerRow: 2 });
}

async function copyPasteSheet(
  targets: string[],
  pool: string[],
  loader: SampleCache,
  config: AugmentConfig,
  seed: number,
) {
  const groups: RawImage[][] = [];
  const skips: Record<string, number> = {};
  for (const [i, id] of targets.entries()) {
    const target = await loader.get(id);
    const rng = createRng(hashSeed(seed, 0xc0ffee, i));
    for (let t = 0; t < SHEET_DONOR_TRIES; t++) {
      const donorId = pool[rng.int(pool.length)]!;
      if (donorId === id) continue;
      const donor = await loader.get(donorId);
      const r = copyPaste(target, donor, rng.fork(), config.copyPaste);
      if (!r.pasted) {
        skips[r.reason!] = (skips[r.reason!] ?? 0) + 1;
        continue;
      }
      groups.push([
        drawOutline(target.image, target.mask, GREEN),
        drawOutline(donor.image, donor.mask, GREEN),
        drawOutline(drawOutline(r.sample.image, target.mask, GREEN), r.pastedMask!, CYAN),
      ]);
      break;
    }
  }
  const sheet = groups.length ? contactSheet(groups, { groupsPerRow: 2 }) : undefined;
  return { sheet, rows: groups.length, skips };
}

function formatCounts(counts: Record<string, number>): string {
  const parts = Object.entries(counts).map(([k, v]) => `${k} ${v}`);
  return parts.length ? parts.join(', ') : 'none';
}

/** Palette PNG: photos in a sheet stay legible and the file stays small. */
async function writeSheet(path: string, image: RawImage): Promise<void> {
  await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), {
    raw: { width: image.width, height: image.height, channels: image.channels },
  })
    .png({ palette: true, colours: 256, dither: 0.5, effort: 7 })
    .toFile(path);
}

async function writeSample(out: string, id: string, s: Sample): Promise<void> {
  const jpeg = sharp(Buffer.from(s.image.data.buffer, s.image.data.byteOffset, s.image.data.length), {
    raw: { width: s.image.width, height: s.image.height, channels: s.image.channels },
  })
    .jpeg({ quality: 95 })
    .toFile(join(out, 'images', `${id}.jpg`));
  await Promise.all([jpeg, writeFile(join(out, 'masks', `${id}.png`), await encodeMaskPng(s.mask))]);
}

/**
 * The offline mode: K augmented versions of every image (version k of image i is the online augmenter's
 * (epoch k, index i) sample, copy-paste donors from the same split), in the dataset layout.
 */
async function writeExpanded(
  data: string,
  ids: string[],
  out: string,
  splitFile: string,
  opts: { copies: number; size?: number; seed: number; config: AugmentConfig; includeOriginals: boolean },
): Promise<{ count: number; splitPath: string }> {
  await Promise.all(['images', 'masks', 'splits'].map((d) => mkdir(join(out, d), { recursive: true })));
  const augment = createAugmenter(opts.config, opts.seed);
  const loader = new SampleCache(data, opts.size);
  const newIds: string[] = [];
  const total = ids.length * (opts.copies + (opts.includeOriginals ? 1 : 0));
  const bar = new ProgressBar('augment', total);
  for (const [i, id] of ids.entries()) {
    const sample = await loader.get(id);
    if (opts.includeOriginals) {
      await writeSample(out, id, sample);
      newIds.push(id);
      bar.update(newIds.length);
    }
    for (let k = 0; k < opts.copies; k++) {
      const donors = await Promise.all(augment.donorsFor(k, i, ids.length).map((d) => loader.get(ids[d]!)));
      const newId = `${id}_a${k}`;
      await writeSample(out, newId, { ...augment(sample, k, i, donors), id: newId });
      newIds.push(newId);
      bar.update(newIds.length);
    }
  }
  const splitPath = join(out, 'splits', basename(splitFile, extname(splitFile)) + '.txt');
  await writeFile(splitPath, newIds.join('\n') + '\n');
  return { count: newIds.length, splitPath };
}
