import { tf } from '../engine/tf.ts';
import { LayerNamer } from '../models/blocks.ts';
import { encoder, ENCODER_PREFIX } from '../models/encoder.ts';

export interface PretextModelOptions {
  depth: number;
  baseWidth: number;
  batchNorm: boolean;
  /** crop side (the model's input) */
  inputSize: number;
  /** 1: sigmoid (binary task); > 1: softmax over that many classes */
  units: number;
  seed?: number;
}

/**
 * The segmentation encoder (same builder, so its layers are named enc_* like UNet's and Double-UNet's
 * encoder 1) + global average pooling + one dense layer. Only the encoder is reused afterwards.
 */
export function buildPretextModel(opts: PretextModelOptions): tf.LayersModel {
  const root = new LayerNamer('', opts.seed);
  const input = tf.input({ shape: [opts.inputSize, opts.inputSize, 3], name: 'image' });
  const enc = encoder(
    input,
    { depth: opts.depth, baseWidth: opts.baseWidth, batchNorm: opts.batchNorm },
    root.child(ENCODER_PREFIX),
  );
  const head = root.child('head_');
  const pooled = tf.layers.globalAveragePooling2d({ name: head.next('pool') }).apply(enc.bottom);
  const output = tf.layers
    .dense({
      units: opts.units,
      activation: opts.units === 1 ? 'sigmoid' : 'softmax',
      kernelInitializer: head.glorotUniform(),
      name: head.next('dense'),
    })
    .apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'pretext' });
}
