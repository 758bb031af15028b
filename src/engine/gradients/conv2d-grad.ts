/**
 * Gradient of Conv2D that also handles dilation (stock TF.js throws "dilation rates greater than 1 are
 * not yet supported in gradients"; Double-UNet's ASPP needs dilated convs). Undilated convs go through the
 * Conv2DBackprop* kernels of the active backend; dilated ones use our op-based formulations, which are
 * correct on every backend.
 */
import { tf } from '../tf.ts';
import { convGeometry, pair, type Pad, type RoundingMode } from '../conv-geometry.ts';
import { convFilterGrad } from '../kernels/conv-filter-grad.ts';
import { convInputGrad } from '../kernels/conv-input-grad.ts';

interface Conv2DAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: RoundingMode;
}

export function conv2dGradients(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: Conv2DAttrs,
): { x: () => tf.Tensor4D; filter: () => tf.Tensor4D } {
  if (attrs.dataFormat != null && attrs.dataFormat !== 'NHWC') {
    throw new Error(`Conv2D gradient supports only NHWC data, got ${attrs.dataFormat}`);
  }
  const [dH, dW] = pair(attrs.dilations as number[]);
  if (dH === 1 && dW === 1) {
    return {
      x: () =>
        tf.conv2dTranspose(dy, filter, x.shape, attrs.strides, attrs.pad as 'same', attrs.dimRoundingMode),
      filter: () =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
          strides: attrs.strides,
          pad: attrs.pad,
          dataFormat: 'NHWC',
          dimRoundingMode: attrs.dimRoundingMode,
          filterShape: filter.shape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor4D,
    };
  }
  const g = convGeometry(
    x.shape,
    filter.shape,
    attrs.strides,
    attrs.pad,
    attrs.dilations,
    attrs.dimRoundingMode,
  );
  return { x: () => convInputGrad(dy, filter, g), filter: () => convFilterGrad(x, dy, g) };
}

export const conv2dGradConfig: tf.GradConfig = {
  kernelName: 'Conv2D',
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    return conv2dGradients(x, filter, dy as tf.Tensor4D, attrs as unknown as Conv2DAttrs);
  },
};
