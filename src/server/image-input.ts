import sharp from 'sharp';
import { readBmpHeader } from '../data/bmp.ts';
import { decodeImage } from '../data/decode.ts';
import type { RawImage } from '../data/raw-image.ts';
import { badRequest, tooLarge, undecodable, unsupportedType } from './http-error.ts';
import { sniffImage, type ImageType } from './sniff.ts';

/** Reads only the header: the declared size, without decoding pixels. */
async function declaredSize(buf: Buffer, type: string): Promise<{ width: number; height: number }> {
  try {
    if (type === 'bmp') return readBmpHeader(buf);
    // limitInputPixels: false so an oversized header is reported by our own check (413), not as a decode error
    const meta = await sharp(buf, { limitInputPixels: false }).metadata();
    if (!meta.width || !meta.height) throw new Error('no dimensions in header');
    return { width: meta.width, height: meta.height };
  } catch (err) {
    throw undecodable(`the ${type.toUpperCase()} file could not be read: ${(err as Error).message}`);
  }
}

/**
 * The cheap checks of an uploaded image, in order of cost: empty → 400, unknown content (sniffed,
 * never by name) → 415, header unreadable → 422, declared pixels over the limit → 413. Nothing is
 * decoded, so the server can refuse a bad upload before it waits for an image worker. Returns the
 * type and the declared size, which the image pool weighs the upload by.
 */
export async function checkUploadedImage(
  buf: Buffer,
  maxPixels: number,
): Promise<{ type: ImageType; width: number; height: number }> {
  if (buf.length === 0) throw badRequest('the uploaded file is empty', 'empty_file');
  const type = sniffImage(buf);
  if (!type) throw unsupportedType('not a supported image: expected JPEG, PNG, WebP, BMP or TIFF content');
  const { width, height } = await declaredSize(buf, type);
  if (width * height > maxPixels) {
    throw tooLarge(
      `the image is ${width}×${height} = ${((width * height) / 1e6).toFixed(1)} megapixels; the limit is ${(maxPixels / 1e6).toFixed(1)}`,
      'image_too_large',
    );
  }
  return { type, width, height };
}

/** An uploaded image: checkUploadedImage, then decoded; pixel data undecodable or truncated → 422. */
export async function readUploadedImage(buf: Buffer, maxPixels: number): Promise<RawImage> {
  const { type } = await checkUploadedImage(buf, maxPixels);
  try {
    return await decodeImage(buf, { maxPixels, label: `the ${type.toUpperCase()} file` });
  } catch (err) {
    throw undecodable((err as Error).message);
  }
}
