import type { Converter } from '../context.ts';
import * as act from './activation.ts';
import * as conv from './conv.ts';
import { dense } from './dense.ts';
import * as merge from './merge.ts';
import { batchNormalization } from './normalization.ts';
import * as pool from './pooling.ts';
import * as shape from './shape.ts';

/** Keras class name -> converter. Anything else is refused with the layer's class and name. */
export const converters: Record<string, Converter> = {
  Conv2D: conv.conv2d,
  Conv2DTranspose: conv.conv2dTranspose,
  DepthwiseConv2D: conv.depthwiseConv2d,
  BatchNormalization: batchNormalization,
  Dense: dense,
  Activation: act.activationLayer,
  ReLU: act.reluLayer,
  LeakyReLU: act.leakyReluLayer,
  ELU: act.eluLayer,
  ThresholdedReLU: act.thresholdedReluLayer,
  Softmax: act.softmaxLayer,
  PReLU: act.preluLayer,
  MaxPooling2D: pool.maxPooling2d,
  AveragePooling2D: pool.averagePooling2d,
  GlobalAveragePooling2D: pool.globalAveragePooling2d,
  GlobalMaxPooling2D: pool.globalMaxPooling2d,
  Add: merge.add,
  Multiply: merge.multiply,
  Subtract: merge.subtract,
  Average: merge.average,
  Maximum: merge.maximum,
  Minimum: merge.minimum,
  Concatenate: merge.concatenate,
  Reshape: shape.reshape,
  Flatten: shape.flatten,
  UpSampling2D: shape.upSampling2d,
  ZeroPadding2D: shape.zeroPadding2d,
  Cropping2D: shape.cropping2d,
  Dropout: shape.identity,
  SpatialDropout1D: shape.identity,
  SpatialDropout2D: shape.identity,
  GaussianNoise: shape.identity,
  GaussianDropout: shape.identity,
  AlphaDropout: shape.identity,
};

/** Layers a following BatchNormalization can be folded into (their output channel is known). */
export const foldableConvs = new Set(['Conv2D', 'Conv2DTranspose', 'DepthwiseConv2D']);
