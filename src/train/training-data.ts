import { isAbsolute, join } from 'node:path';
import { carveValidation, loadSamples, readSplit, type Sample } from '../data/index.ts';
import type { TrainConfig } from './config.ts';

/** The `data` section of a training (or pretraining) config. */
export type DataSection = TrainConfig['data'];

export interface TrainingData {
  trainIds: string[];
  valIds: string[];
  train: Sample[];
  val: Sample[];
  skipped: { id: string; reason: string }[];
}

export function resolveSplitPath(data: Pick<DataSection, 'dir' | 'split'>): string {
  return isAbsolute(data.split) ? data.split : join(data.dir, data.split);
}

/** Reads the split, applies `limit`, carves out the validation part and loads both at size². */
export async function loadTrainingData(
  data: DataSection,
  size: number,
  log: (line: string) => void,
): Promise<TrainingData> {
  const ids = await readSplit(resolveSplitPath(data));
  const limited = data.limit ? ids.slice(0, data.limit) : ids;
  const { train: trainIds, val: valIds } = carveValidation(limited, data.valFraction, data.valSeed);
  log(`data: ${trainIds.length} training, ${valIds.length} validation images at ${size}²`);
  const load = (list: string[]) => loadSamples(data.dir, list, { size, skipInvalid: data.skipInvalid });
  const [trainSet, valSet] = await Promise.all([load(trainIds), load(valIds)]);
  const skipped = [...trainSet.skipped, ...valSet.skipped];
  for (const s of skipped) log(`skipped ${s.id}: ${s.reason}`);
  return { trainIds, valIds, train: trainSet.samples, val: valSet.samples, skipped };
}
