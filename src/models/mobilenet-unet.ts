import { tf } from '../engine/tf.ts';
import { LayerNamer, maskHead } from './blocks.ts';
import { decoder } from './decoder.ts';
import { ENCODER_PREFIX } from './encoder.ts';
import type { MobilenetUnetConfig } from './metadata.ts';
import { mobilenetV2Encoder } from './mobilenet-v2.ts';

/**
 * UNet decoder on a MobileNetV2 encoder (segmentation_models' `Unet('mobilenet_v2')` shape): each level
 * upsamples by a learned 2×2 transposed conv, concatenates the encoder's features of that resolution and
 * applies two conv-BN-ReLU; the full-resolution level takes the input image itself as its skip, so edges
 * finer than the encoder's first stride reach the head.
 */
export function buildMobilenetUnet(
  config: MobilenetUnetConfig,
  inputSize: number,
  seed?: number,
): tf.LayersModel {
  const root = new LayerNamer('', seed);
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'image' });
  const enc = mobilenetV2Encoder(input, ENCODER_PREFIX, root.child(ENCODER_PREFIX));
  const features = decoder(
    enc.bottom,
    [[input, ...enc.skips]],
    { widths: [...config.decoderChannels].reverse(), dropout: config.dropout },
    root.child('dec_'),
  );
  return tf.model({
    inputs: input,
    outputs: maskHead(features, root.child('out_')),
    name: 'mobilenetv2_unet',
  });
}
