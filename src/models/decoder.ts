import { tf } from '../engine/tf.ts';
import { concat, doubleConv, squeezeExcite, upConv, type LayerNamer } from './blocks.ts';
import { stageWidths } from './encoder.ts';

type Sym = tf.SymbolicTensor;

export interface DecoderOptions {
  baseWidth: number;
  batchNorm?: boolean;
  dropout?: number;
  squeezeExcite?: boolean;
}

/**
 * The UNet expanding path. `skips[s][level]` are skip features from one or more encoders (Double-UNet's
 * second decoder takes skips from both); each level upsamples, concatenates its skips and convolves.
 */
export function decoder(bottom: Sym, skips: Sym[][], opts: DecoderOptions, name: LayerNamer): Sym {
  const depth = skips[0]!.length;
  const widths = stageWidths(opts.baseWidth, depth);
  let x = bottom;
  for (let level = depth - 1; level >= 0; level--) {
    const width = widths[level]!;
    x = upConv(x, width, name);
    x = concat([x, ...skips.map((s) => s[level]!)], name);
    x = doubleConv(x, width, name, { batchNorm: opts.batchNorm, dropout: opts.dropout });
    if (opts.squeezeExcite) x = squeezeExcite(x, name);
  }
  return x;
}
