import type { RawImage } from '../../data/raw-image.ts';
import { HttpError } from '../http-error.ts';
import { readUploadedImage } from '../image-input.ts';
import { sniffImage } from '../sniff.ts';
import type { FrameHeader } from './protocol.ts';

/** A frame that cannot be segmented; its message goes back to the client as a bad_frame error. */
export class BadFrameError extends Error {}

/**
 * The pixels of one live frame: raw RGBA as sent (the page's canvas pixels), or a decoded JPEG whose
 * size must be the one its header declares. At most `maxPixels`, checked before decoding. The
 * segmenter resizes to the model's input like any image; frames are meant to arrive at about that size.
 */
export async function framePixels(
  header: FrameHeader,
  payload: Uint8Array,
  maxPixels: number,
): Promise<RawImage> {
  const { width, height } = header;
  if (width * height > maxPixels)
    throw new BadFrameError(
      `a ${width}×${height} frame is over the ${maxPixels}-pixel limit: send it at about the model's input size`,
    );
  if (header.format === 'rgba') {
    if (payload.length !== width * height * 4)
      throw new BadFrameError(
        `a ${width}×${height} RGBA frame has ${width * height * 4} bytes, this one ${payload.length}`,
      );
    return { width, height, channels: 4, data: payload };
  }
  if (sniffImage(payload) !== 'jpeg') throw new BadFrameError('the frame is not a JPEG image');
  let image: RawImage;
  try {
    image = await readUploadedImage(
      Buffer.from(payload.buffer, payload.byteOffset, payload.length),
      maxPixels,
    );
  } catch (err) {
    if (err instanceof HttpError) throw new BadFrameError(err.message);
    throw err;
  }
  if (image.width !== width || image.height !== height)
    throw new BadFrameError(`the JPEG is ${image.width}×${image.height}, its header says ${width}×${height}`);
  return image;
}
