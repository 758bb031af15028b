import { tf } from '../engine/tf.ts';
import type { LayerNamer } from './blocks.ts';

type Sym = tf.SymbolicTensor;

/**
 * MobileNetV2 1.0 (Sandler et al. 2018) inverted-residual stages: expansion, output channels, repeats,
 * stride of the first block. Block numbers follow Keras' `applications.MobileNetV2` (block 0 is
 * `expanded_conv`), whose layer names this encoder reuses so its ImageNet weights load by name.
 */
const STAGES: ReadonlyArray<readonly [number, number, number, number]> = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** Blocks whose outputs feed the decoder: the last block at 1/2, 1/4, 1/8 and 1/16 resolution. */
const SKIP_BLOCKS = new Set([0, 2, 5, 12]);

export interface MobilenetV2Features {
  /** 1/2 (16 ch), 1/4 (24), 1/8 (32) and 1/16 (96) resolution, shallowest first */
  skips: Sym[];
  /** 1/32 resolution, 320 channels (the classifier's 1×1 conv to 1280 is left out) */
  bottom: Sym;
}

/** Keras' BatchNormalization settings for MobileNetV2 (epsilon 1e-3); momentum suits fine-tuning. */
function bn(x: Sym, name: string): Sym {
  return tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3, name }).apply(x) as Sym;
}

/** The Relu6 op (one kernel, one fused gradient), not the ReLU layer's relu + clip. */
function relu6(x: Sym, name: string): Sym {
  return tf.layers.activation({ activation: 'relu6', name }).apply(x) as Sym;
}

function pointwise(x: Sym, filters: number, name: string, init: LayerNamer): Sym {
  return tf.layers
    .conv2d({ filters, kernelSize: 1, useBias: false, kernelInitializer: init.heNormal(), name })
    .apply(x) as Sym;
}

/**
 * 'same' padding equals Keras' explicit (0, 1) zero padding + 'valid' for the stride-2 layers on even
 * sizes, which every input divisible by 32 gives.
 */
function depthwise(x: Sym, strides: number, name: string, init: LayerNamer): Sym {
  return tf.layers
    .depthwiseConv2d({
      kernelSize: 3,
      strides,
      padding: 'same',
      useBias: false,
      depthwiseInitializer: init.heNormal(),
      name,
    })
    .apply(x) as Sym;
}

/** The encoder on `input` (normalised to [-1, 1] as in Keras); layer names are `prefix` + Keras' name. */
export function mobilenetV2Encoder(input: Sym, prefix: string, init: LayerNamer): MobilenetV2Features {
  const p = (name: string) => prefix + name;
  let x = tf.layers
    .conv2d({
      filters: 32,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      useBias: false,
      kernelInitializer: init.heNormal(),
      name: p('Conv1'),
    })
    .apply(input) as Sym;
  x = relu6(bn(x, p('bn_Conv1')), p('Conv1_relu'));

  const skips: Sym[] = [];
  let block = 0;
  for (const [expansion, channels, repeats, firstStride] of STAGES) {
    for (let r = 0; r < repeats; r++, block++) {
      const stride = r === 0 ? firstStride : 1;
      const inChannels = x.shape[3] as number;
      const base = block === 0 ? 'expanded_conv' : `block_${block}`;
      let y = x;
      if (expansion !== 1) {
        y = pointwise(y, inChannels * expansion, p(`${base}_expand`), init);
        y = relu6(bn(y, p(`${base}_expand_BN`)), p(`${base}_expand_relu`));
      }
      y = depthwise(y, stride, p(`${base}_depthwise`), init);
      y = relu6(bn(y, p(`${base}_depthwise_BN`)), p(`${base}_depthwise_relu`));
      y = bn(pointwise(y, channels, p(`${base}_project`), init), p(`${base}_project_BN`));
      if (stride === 1 && inChannels === channels) {
        y = tf.layers.add({ name: p(`${base}_add`) }).apply([x, y]) as Sym;
      }
      x = y;
      if (SKIP_BLOCKS.has(block)) skips.push(x);
    }
  }
  return { skips, bottom: x };
}
