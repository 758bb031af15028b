// Browser-safe: the live mode's mask coding.
import type { BinaryMask } from '../../data/raw-image.ts';

/**
 * Run lengths of a binary mask in row-major order, alternating background and polyp and starting with
 * background (so a mask starting with polyp begins with 0). A 224² mask with a few polyps is a few
 * hundred numbers: smaller than its PNG and decoded without an image decoder.
 */
export function encodeRle(mask: BinaryMask): number[] {
  const runs: number[] = [];
  let value = 0;
  let run = 0;
  for (const v of mask.data) {
    if ((v ? 1 : 0) === value) run++;
    else {
      runs.push(run);
      value = 1 - value;
      run = 1;
    }
  }
  runs.push(run);
  return runs;
}

/** The mask back from encodeRle's runs; throws on runs that do not add up to width × height. */
export function decodeRle(runs: readonly number[], width: number, height: number): BinaryMask {
  const data = new Uint8Array(width * height);
  let at = 0;
  runs.forEach((run, i) => {
    if (!Number.isInteger(run) || run < 0 || at + run > data.length)
      throw new Error(`run ${i} (${run}) does not fit a ${width}×${height} mask`);
    if (i % 2 === 1) data.fill(1, at, at + run);
    at += run;
  });
  if (at !== data.length) throw new Error(`runs cover ${at} of ${data.length} pixels`);
  return { width, height, data };
}
