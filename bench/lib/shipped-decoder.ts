/** The shipped model's decoder widths, deepest first, read from its training config. */
import { readFileSync } from 'node:fs';

const config = new URL('../../configs/pranet-mnv2unet-224.json', import.meta.url);

export const SHIPPED_DECODER: number[] = (
  JSON.parse(readFileSync(config, 'utf8')) as { model: { decoderChannels: number[] } }
).model.decoderChannels;
