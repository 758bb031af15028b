// Browser-safe: pure TypeScript, no Node imports.
import { describeComponents } from './components.ts';
import { resizeBilinear } from './resize.ts';
import type { Segmentation } from './types.ts';

/** Channel `channel` of an HWC map with `channels` channels (the mask is the last one). */
export function channelOf(data: Float32Array, channels: number, channel = channels - 1): Float32Array {
  if (channels === 1) return data;
  const n = data.length / channels;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = data[i * channels + channel]!;
  return out;
}

export interface PostprocessOptions {
  /** probability >= threshold is polyp */
  threshold: number;
  /** drop connected regions smaller than this many pixels (at the image's size); default 0 */
  minArea?: number;
}

/**
 * Model-size probability map (size x size, one channel) -> Segmentation at width x height:
 * bilinear resize back, threshold, connected components, coverage.
 */
export function postprocess(
  probabilities: Float32Array,
  size: number,
  width: number,
  height: number,
  opts: PostprocessOptions,
): Segmentation {
  const probs =
    size === width && size === height
      ? probabilities
      : resizeBilinear(probabilities, size, size, 1, width, height);
  const mask = { width, height, data: new Uint8Array(width * height) };
  for (let i = 0; i < probs.length; i++) mask.data[i] = probs[i]! >= opts.threshold ? 1 : 0;
  const polyps = describeComponents(mask, probs, opts.minArea ?? 0);
  let on = 0;
  for (let i = 0; i < mask.data.length; i++) on += mask.data[i]!;
  return { width, height, probabilities: probs, mask, coverage: on / mask.data.length, polyps };
}
