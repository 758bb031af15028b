import type { Sample } from '../data/raw-image.ts';
import { parseAugmentConfig, type AugmentConfig } from './config.ts';
import { copyPaste } from './copy-paste.ts';
import { geometric } from './geometric.ts';
import { colourJitter, gaussianBlur } from './photometric.ts';
import { createRng, hashSeed } from '../random.ts';
import { compose, type Transform } from './transform.ts';

/** The basic (single-sample) pipeline: one geometric warp, then colour jitter, then blur. */
export function basicTransform(config: AugmentConfig): Transform {
  return compose([geometric(config), colourJitter(config), gaussianBlur(config)]);
}

// Independent streams per (seed, epoch, index): one decides copy-paste and its donor, one drives the paste,
// one the basic transforms. Fixed tags keep the streams stable when other parts of the config change.
const STREAM_DONOR = 1;
const STREAM_PASTE = 2;
const STREAM_BASIC = 3;

export interface Augmenter {
  /**
   * Augments one sample, deterministically in (seed, epoch, index). `donors` are copy-paste candidates in
   * order, normally `donorsFor(epoch, index, pool.length).map((k) => pool[k])`; when copy-paste is drawn they
   * are tried in turn until one pastes (a donor with the sample's own id is passed over). Without donors,
   * copy-paste is skipped.
   */
  (sample: Sample, epoch: number, index: number, donors?: readonly Sample[]): Sample;
  /**
   * The seeded donor sampler: indices into a pool of `poolSize` donors (up to copyPaste.donorTries, distinct)
   * for the call (epoch, index), or [] when copy-paste is not drawn for it. Lets a loader decode only these.
   */
  donorsFor(epoch: number, index: number, poolSize: number): number[];
  readonly config: AugmentConfig;
}

/**
 * An online augmenter for the training loader: copy-paste (rate copyPaste.p), then geometric, then
 * photometric transforms. Resumed training reproduces the same stream. `config` is the raw `augment:`
 * section (validated here; a PolypsegError names a bad field) or an already parsed AugmentConfig.
 */
export function createAugmenter(config: unknown, seed: number): Augmenter {
  const cfg = parseAugmentConfig(config);
  const basic = basicTransform(cfg);
  const drawn = (epoch: number, index: number) =>
    cfg.enabled && createRng(hashSeed(seed, epoch, index, STREAM_DONOR)).next() < cfg.copyPaste.p;
  const donorsFor = (epoch: number, index: number, poolSize: number): number[] => {
    if (poolSize <= 0 || !drawn(epoch, index)) return [];
    const rng = createRng(hashSeed(seed, epoch, index, STREAM_DONOR));
    rng.next(); // the copy-paste draw above
    const picks: number[] = [];
    const n = Math.min(cfg.copyPaste.donorTries, poolSize);
    while (picks.length < n) {
      const k = rng.int(poolSize);
      if (!picks.includes(k)) picks.push(k);
    }
    return picks;
  };
  const augment = (sample: Sample, epoch: number, index: number, donors?: readonly Sample[]): Sample => {
    if (!cfg.enabled) return sample;
    let out = sample;
    if (donors && donors.length > 0 && drawn(epoch, index)) {
      const rng = createRng(hashSeed(seed, epoch, index, STREAM_PASTE));
      for (const donor of donors.slice(0, cfg.copyPaste.donorTries)) {
        if (donor.id === sample.id) continue;
        const result = copyPaste(sample, donor, rng.fork(), cfg.copyPaste);
        if (result.pasted) {
          out = result.sample;
          break;
        }
      }
    }
    return basic(out, createRng(hashSeed(seed, epoch, index, STREAM_BASIC)));
  };
  return Object.assign(augment, { donorsFor, config: cfg });
}
