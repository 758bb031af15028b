/**
 * TF/Keras padding semantics turned into ONNX's explicit pads. Pure maths, one spatial axis at a time.
 * 'same' pads so that out = ceil(in / stride), putting the odd pixel at the end (TF's rule).
 */
export interface AxisPads {
  begin: number;
  end: number;
}

/** Pads for a forward conv/pool window; `size` null when the spatial size is not known statically. */
export function forwardPads(
  padding: string,
  size: number | null,
  kernel: number,
  stride: number,
  dilation = 1,
): AxisPads | 'SAME_UPPER' {
  if (padding === 'valid') return { begin: 0, end: 0 };
  if (padding !== 'same') throw new Error(`padding '${padding}' is not supported`);
  const effective = (kernel - 1) * dilation + 1;
  // Without a known size the total is only fixed for stride 1; ONNX's SAME_UPPER is TF's rule.
  if (size === null) {
    if (stride !== 1) return 'SAME_UPPER';
    return split(effective - 1);
  }
  const out = Math.ceil(size / stride);
  return split(Math.max((out - 1) * stride + effective - size, 0));
}

function split(total: number): AxisPads {
  const begin = Math.floor(total / 2);
  return { begin, end: total - begin };
}

/**
 * Pads and output_padding for ONNX ConvTranspose so it reproduces Keras Conv2DTranspose
 * (output = in*stride for 'same', in*stride + max(kernel-stride, 0) for 'valid'). The result does
 * not depend on the input size, so unknown spatial sizes work too.
 */
export function transposedPads(
  padding: string,
  kernel: number,
  stride: number,
): AxisPads & { outputPadding: number } {
  // Keras/TF compute the pads of the forward conv that maps the output back onto the input.
  const total = padding === 'same' ? Math.max(kernel - stride, 0) : padding === 'valid' ? 0 : NaN;
  if (Number.isNaN(total)) throw new Error(`padding '${padding}' is not supported`);
  const pads = split(total);
  const want = padding === 'same' ? 0 : Math.max(kernel - stride, 0); // output minus in*stride
  // ONNX: out = stride*(in-1) + outputPadding + kernel - begin - end
  const outputPadding = want - (kernel - stride - total);
  return { ...pads, outputPadding };
}
