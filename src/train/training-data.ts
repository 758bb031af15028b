import { isAbsolute, join } from 'node:path';
import { carveValidation, hashString, loadSamples, readSplit, type Sample } from '../data/index.ts';
import { readGroups } from '../data/groups.ts';
import type { DataSource, TrainConfig } from './config.ts';

/** The `data` section of a training (or pretraining) config. */
export type DataSection = TrainConfig['data'];

/** One source's part of the training data: the IDs on each side of its validation carve-out. */
export interface SourceSplit {
  name: string;
  trainIds: string[];
  valIds: string[];
}

export interface TrainingData {
  /** all training IDs, source-prefixed (`name:id`) when there are several sources */
  trainIds: string[];
  valIds: string[];
  sources: SourceSplit[];
  /** training samples, each source repeated by its weight */
  train: Sample[];
  val: Sample[];
  /** index into `sources` of each `val` sample (per-source validation scores) */
  valSource: number[];
  skipped: { id: string; reason: string }[];
}

export function resolveSplitPath(data: Pick<DataSection, 'dir' | 'split'>): string {
  return isAbsolute(data.split) ? data.split : join(data.dir, data.split);
}

/** The config's sources: `data.sources`, or the single `dir`/`split` shorthand. */
export function dataSources(data: DataSection): (DataSource & { valFraction: number })[] {
  const list: DataSource[] = data.sources ?? [{ name: 'data', dir: data.dir, split: data.split, weight: 1 }];
  return list.map((s) => ({ ...s, valFraction: s.valFraction ?? data.valFraction }));
}

/**
 * A source's training samples repeated `weight` times: whole copies, then a seeded subset for the
 * fraction, so a weight of 1.5 shows every image once and half of them twice per epoch.
 */
export function weighted<T extends { id: string }>(items: T[], weight: number, seed: number): T[] {
  const whole = Math.floor(weight);
  const out: T[] = [];
  for (let k = 0; k < whole; k++) out.push(...items);
  const extra = Math.round((weight - whole) * items.length);
  if (extra > 0) {
    const ranked = [...items].sort((a, b) => hashString(`${seed}:${a.id}`) - hashString(`${seed}:${b.id}`));
    out.push(...ranked.slice(0, extra));
  }
  return out;
}

/** Reads each source's split, applies `limit`, carves out validation (by group if given), loads at size². */
export async function loadTrainingData(
  data: DataSection,
  size: number,
  log: (line: string) => void,
): Promise<TrainingData> {
  const sources = dataSources(data);
  const multi = data.sources !== undefined;
  const out: TrainingData = {
    trainIds: [],
    valIds: [],
    sources: [],
    train: [],
    val: [],
    valSource: [],
    skipped: [],
  };
  for (const [index, source] of sources.entries()) {
    const ids = await readSplit(resolveSplitPath(source));
    const limited = data.limit ? ids.slice(0, data.limit) : ids;
    const groups = source.groups ? await readGroups(source.groups) : undefined;
    const groupOf = groups ? (id: string) => groups.get(id) ?? id : undefined;
    const { train: trainIds, val: valIds } = carveValidation(
      limited,
      source.valFraction,
      data.valSeed,
      groupOf,
    );
    const heldGroups = groupOf ? ` (${new Set(valIds.map(groupOf)).size} whole groups)` : '';
    log(
      `data${multi ? ` ${source.name}` : ''}: ${trainIds.length} training × ${source.weight}, ` +
        `${valIds.length} validation${heldGroups} images at ${size}²`,
    );
    const load = (list: string[]) => loadSamples(source.dir, list, { size, skipInvalid: data.skipInvalid });
    const [trainSet, valSet] = await Promise.all([load(trainIds), load(valIds)]);
    const tag = (id: string) => (multi ? `${source.name}:${id}` : id);
    for (const s of [...trainSet.skipped, ...valSet.skipped]) {
      out.skipped.push({ id: tag(s.id), reason: s.reason });
      log(`skipped ${tag(s.id)}: ${s.reason}`);
    }
    out.sources.push({ name: source.name, trainIds, valIds });
    out.trainIds.push(...trainIds.map(tag));
    out.valIds.push(...valIds.map(tag));
    const rename = (s: Sample): Sample => ({ ...s, id: tag(s.id) });
    out.train.push(...weighted(trainSet.samples.map(rename), source.weight, data.valSeed));
    out.val.push(...valSet.samples.map(rename));
    out.valSource.push(...valSet.samples.map(() => index));
  }
  return out;
}
