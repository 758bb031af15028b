import { tf } from '../engine/tf.ts';
import { doubleConv, LayerNamer, maskHead } from './blocks.ts';
import { decoder } from './decoder.ts';
import { encoder, ENCODER_PREFIX, stageWidths } from './encoder.ts';
import type { UnetConfig } from './metadata.ts';

/** UNet (Ronneberger et al. 2015): encoder, a bottleneck stage, decoder with skips, sigmoid head. */
export function buildUnet(config: UnetConfig, inputSize: number, seed?: number): tf.LayersModel {
  const root = new LayerNamer('', seed);
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'image' });
  const opts = { batchNorm: config.batchNorm, dropout: config.dropout };
  const enc = encoder(
    input,
    { depth: config.depth, baseWidth: config.baseWidth, ...opts },
    root.child(ENCODER_PREFIX),
  );
  const bottleneck = doubleConv(enc.bottom, config.baseWidth * 2 ** config.depth, root.child('mid_'), opts);
  const features = decoder(
    bottleneck,
    [enc.skips],
    { widths: stageWidths(config.baseWidth, config.depth), ...opts },
    root.child('dec_'),
  );
  return tf.model({ inputs: input, outputs: maskHead(features, root.child('out_')), name: 'unet' });
}
