import { tf } from '../engine/tf.ts';
import { concat, doubleConv, squeezeExcite, upConv, type LayerNamer } from './blocks.ts';

type Sym = tf.SymbolicTensor;

export interface DecoderOptions {
  /** width of each level, shallowest (full resolution) first, one per skip level */
  widths: number[];
  batchNorm?: boolean;
  dropout?: number;
  squeezeExcite?: boolean;
}

/**
 * The UNet expanding path. `skips[s][level]` are skip features from one or more encoders (Double-UNet's
 * second decoder takes skips from both); each level upsamples, concatenates its skips and convolves.
 */
export function decoder(bottom: Sym, skips: Sym[][], opts: DecoderOptions, name: LayerNamer): Sym {
  let x = bottom;
  for (let level = skips[0]!.length - 1; level >= 0; level--) {
    const width = opts.widths[level]!;
    x = upConv(x, width, name);
    x = concat([x, ...skips.map((s) => s[level]!)], name);
    x = doubleConv(x, width, name, { batchNorm: opts.batchNorm, dropout: opts.dropout });
    if (opts.squeezeExcite) x = squeezeExcite(x, name);
  }
  return x;
}
