import { tf } from '../engine/tf.ts';
import { aspp, concat, LayerNamer, maskHead } from './blocks.ts';
import { decoder } from './decoder.ts';
import { encoder, ENCODER_PREFIX, stageWidths } from './encoder.ts';
import type { DoubleUnetConfig } from './metadata.ts';

type Sym = tf.SymbolicTensor;

/**
 * Double-UNet (Jha et al. 2020). Network 1: encoder 1 → ASPP → decoder 1 → mask 1. The input is multiplied
 * by mask 1 and fed to network 2: encoder 2 → ASPP → decoder 2, which takes skips from both encoders →
 * mask 2. Output: [mask 1, mask 2] on the channel axis; the final prediction is mask 2. Encoder 1 is a
 * VGG-style stack trained from scratch (no ImageNet weights here); its layers are named like a UNet's
 * encoder (ENCODER_PREFIX) so the same pretrained encoder weights load into either.
 */
export function buildDoubleUnet(config: DoubleUnetConfig, inputSize: number, seed?: number): tf.LayersModel {
  const root = new LayerNamer('', seed);
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'image' });
  const se = config.squeezeExcite;
  const drop = config.dropout;

  const n1 = root.child(ENCODER_PREFIX);
  const enc1 = encoder(input, { depth: config.depth, baseWidth: config.baseWidth, dropout: drop }, n1);
  const bridgeWidth1 = stageWidths(config.baseWidth, config.depth + 1)[config.depth]!;
  const bridge1 = aspp(enc1.bottom, bridgeWidth1, config.asppRates, root.child('net1_aspp_'));
  const dec1 = decoder(
    bridge1,
    [enc1.skips],
    { widths: stageWidths(config.baseWidth, config.depth), dropout: drop, squeezeExcite: se },
    root.child('net1_dec_'),
  );
  const mask1 = maskHead(dec1, root.child('net1_out_'));

  const gated = tf.layers.multiply({ name: 'gate_input' }).apply([input, mask1]) as Sym;
  const n2 = root.child('net2_');
  const enc2 = encoder(
    gated,
    { depth: config.depth, baseWidth: config.baseWidth2, dropout: drop, squeezeExcite: se },
    n2,
  );
  const bridgeWidth2 = stageWidths(config.baseWidth2, config.depth + 1)[config.depth]!;
  const bridge2 = aspp(enc2.bottom, bridgeWidth2, config.asppRates, root.child('net2_aspp_'));
  const dec2 = decoder(
    bridge2,
    [enc1.skips, enc2.skips],
    { widths: stageWidths(config.baseWidth2, config.depth), dropout: drop, squeezeExcite: se },
    root.child('net2_dec_'),
  );
  const mask2 = maskHead(dec2, root.child('net2_out_'));
  const output = concat([mask1, mask2], root.child('output_'));
  return tf.model({ inputs: input, outputs: output, name: 'double_unet' });
}
