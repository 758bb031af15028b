// Browser-safe: pure TypeScript, no Node imports.
import type { RawImage } from '../data/raw-image.ts';
import { PolypsegError } from '../errors.ts';
import { resizeBilinear } from './resize.ts';

/** What preprocessing needs from polypseg.json. */
export interface InputSpec {
  inputSize: number;
  normalization: { mean: number[]; std: number[] };
}

/** Grey or RGBA -> RGB (alpha dropped, as training's decode does). */
export function toRgb(image: RawImage): RawImage {
  if (image.channels === 3) return image;
  const n = image.width * image.height;
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const s = i * image.channels;
    data[i * 3] = image.data[s]!;
    data[i * 3 + 1] = image.data[image.channels === 1 ? s : s + 1]!;
    data[i * 3 + 2] = image.data[image.channels === 1 ? s : s + 2]!;
  }
  return { width: image.width, height: image.height, channels: 3, data };
}

export function checkImage(image: RawImage): void {
  const { width, height, channels, data } = image;
  if (!(width > 0 && height > 0 && Number.isInteger(width) && Number.isInteger(height)))
    throw new PolypsegError(`image has no pixels (${width}x${height})`, 'IMAGE_EMPTY');
  if (data.length !== width * height * channels)
    throw new PolypsegError(
      `image data has ${data.length} bytes, expected ${width}x${height}x${channels}`,
      'IMAGE_INVALID',
    );
}

/**
 * RGB image -> the model's input: resized to inputSize² (triangle filter), (px/255 - mean)/std,
 * NHWC float32 of inputSize*inputSize*3 values (one batch item).
 */
export function preprocess(image: RawImage, spec: InputSpec): Float32Array {
  checkImage(image);
  const rgb = toRgb(image);
  const s = spec.inputSize;
  const out =
    rgb.width === s && rgb.height === s
      ? Float32Array.from(rgb.data)
      : resizeBilinear(rgb.data, rgb.width, rgb.height, 3, s, s);
  const { mean, std } = spec.normalization;
  const scale = [1 / (255 * std[0]!), 1 / (255 * std[1]!), 1 / (255 * std[2]!)];
  const offset = [mean[0]! / std[0]!, mean[1]! / std[1]!, mean[2]! / std[2]!];
  for (let i = 0; i < out.length; i += 3) {
    out[i] = out[i]! * scale[0]! - offset[0]!;
    out[i + 1] = out[i + 1]! * scale[1]! - offset[1]!;
    out[i + 2] = out[i + 2]! * scale[2]! - offset[2]!;
  }
  return out;
}
