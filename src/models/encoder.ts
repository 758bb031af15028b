import { tf } from '../engine/tf.ts';
import { doubleConv, maxPool, squeezeExcite, type LayerNamer } from './blocks.ts';

type Sym = tf.SymbolicTensor;

export interface EncoderOptions {
  depth: number;
  baseWidth: number;
  batchNorm?: boolean;
  dropout?: number;
  squeezeExcite?: boolean;
}

export interface EncoderOutput {
  /** full-resolution first, one per level, for the decoder's skip connections */
  skips: Sym[];
  /** the deepest features (after the last pooling), input to the bridge */
  bottom: Sym;
}

/** Layer-name prefix of the (first) encoder; pretrained encoder checkpoints are matched by it. */
export const ENCODER_PREFIX = 'enc_';

export function stageWidths(baseWidth: number, depth: number): number[] {
  return Array.from({ length: depth }, (_, i) => baseWidth * 2 ** i);
}

/** The UNet contracting path: depth x (doubleConv → pool). */
export function encoder(input: Sym, opts: EncoderOptions, name: LayerNamer): EncoderOutput {
  const skips: Sym[] = [];
  let x = input;
  for (const width of stageWidths(opts.baseWidth, opts.depth)) {
    x = doubleConv(x, width, name, { batchNorm: opts.batchNorm, dropout: opts.dropout });
    if (opts.squeezeExcite) x = squeezeExcite(x, name);
    skips.push(x);
    x = maxPool(x, name);
  }
  return { skips, bottom: x };
}
