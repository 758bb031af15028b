import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { decodeBmp } from './bmp.ts';
import { PolypsegError } from '../errors.ts';
import type { BinaryMask, RawImage } from './raw-image.ts';

/** Refuse images whose header declares more pixels than this before decoding anything. */
export const DEFAULT_MAX_PIXELS = 100_000_000;

export interface DecodeOptions {
  /** resize to size x size (the model's square input) with bilinear filtering */
  size?: number;
  maxPixels?: number;
  /** name used in error messages */
  label?: string;
}

function describe(input: Buffer | string, label?: string): string {
  return label ?? (typeof input === 'string' ? input : 'image');
}

const isBmp = (buf: Buffer) => buf.length >= 2 && buf[0] === 0x42 && buf[1] === 0x4d; // "BM"

/** Decodes JPEG, PNG, WebP, TIFF, GIF (via sharp) and BMP (our decoder: libvips has none) to RGB. */
export async function decodeImage(input: Buffer | string, opts: DecodeOptions = {}): Promise<RawImage> {
  const name = describe(input, opts.label);
  try {
    let bytes = typeof input === 'string' ? await readFile(input) : input;
    if (isBmp(bytes)) {
      const bmp = decodeBmp(bytes);
      if (bmp.width * bmp.height > (opts.maxPixels ?? DEFAULT_MAX_PIXELS))
        throw new Error('image exceeds the pixel limit');
      if (!opts.size && bmp.channels === 3) return bmp;
      bytes = await sharp(Buffer.from(bmp.data.buffer, bmp.data.byteOffset, bmp.data.length), {
        raw: { width: bmp.width, height: bmp.height, channels: bmp.channels },
      })
        .png()
        .toBuffer();
    }
    let pipeline = sharp(bytes, { limitInputPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS, failOn: 'error' })
      .rotate()
      .removeAlpha()
      .toColourspace('srgb');
    if (opts.size) pipeline = pipeline.resize(opts.size, opts.size, { fit: 'fill', kernel: 'linear' });
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    return {
      width: info.width,
      height: info.height,
      channels: 3,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
  } catch (err) {
    throw new PolypsegError(`cannot decode ${name}: ${(err as Error).message}`, 'IMAGE_UNDECODABLE', {
      cause: err,
    });
  }
}

/** Decodes a mask image (any channels) and binarises it at 128, as Kvasir-SEG's JPEG masks need. */
export async function decodeMask(input: Buffer | string, opts: DecodeOptions = {}): Promise<BinaryMask> {
  const name = describe(input, opts.label);
  try {
    let pipeline = sharp(input, { limitInputPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS, failOn: 'error' })
      .removeAlpha()
      .greyscale();
    if (opts.size) pipeline = pipeline.resize(opts.size, opts.size, { fit: 'fill', kernel: 'linear' });
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    const mask = new Uint8Array(info.width * info.height);
    for (let i = 0; i < mask.length; i++) mask[i] = data[i * info.channels]! >= 128 ? 1 : 0;
    return { width: info.width, height: info.height, data: mask };
  } catch (err) {
    throw new PolypsegError(`cannot decode mask ${name}: ${(err as Error).message}`, 'MASK_UNDECODABLE', {
      cause: err,
    });
  }
}

/**
 * Encodes a 0/1 mask as a 0/255 greyscale PNG. `consume`: write the 0/255 values into the mask's own
 * bytes instead of a copy (the mask is no longer 0/1 afterwards), saving a byte per pixel.
 */
export async function encodeMaskPng(mask: BinaryMask, opts: { consume?: boolean } = {}): Promise<Buffer> {
  const px = opts.consume
    ? Buffer.from(mask.data.buffer, mask.data.byteOffset, mask.data.length)
    : Buffer.alloc(mask.data.length);
  for (let i = 0; i < px.length; i++) px[i] = mask.data[i] ? 255 : 0;
  // b-w: without it sharp writes one grey channel as three identical RGB ones (3x the pixels to decode)
  return sharp(px, { raw: { width: mask.width, height: mask.height, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
}

/** Encodes an RGB/RGBA/grey RawImage as PNG. */
export async function encodePng(image: RawImage): Promise<Buffer> {
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), {
    raw: { width: image.width, height: image.height, channels: image.channels },
  })
    .png()
    .toBuffer();
}
