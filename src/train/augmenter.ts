import { createAugmenter } from '../augment/index.ts';
import type { Sample } from '../data/raw-image.ts';
import type { TrainConfig } from './config.ts';

/**
 * Wires the config's `augment` section to the augmentation module (none when omitted). Copy-paste donors
 * come from the training set itself, chosen by the augmenter's seeded sampler.
 */
export function createTrainAugmenter(
  config: TrainConfig,
  train: Sample[],
): ((sample: Sample, epoch: number, index: number) => Sample) | undefined {
  if (config.augment === undefined) return undefined;
  const augment = createAugmenter(config.augment, config.seed);
  if (!augment.config.enabled) return undefined;
  return (sample, epoch, index) =>
    augment(
      sample,
      epoch,
      index,
      augment.donorsFor(epoch, index, train.length).map((k) => train[k]!),
    );
}
