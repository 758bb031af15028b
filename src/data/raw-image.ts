/** An 8-bit image in row-major HWC order. Shared by every stage, like transformers.js' RawImage. */
export interface RawImage {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

/** A binary mask (0 or 1 per pixel), row-major, width*height values. */
export interface BinaryMask {
  width: number;
  height: number;
  data: Uint8Array;
}

/** One training/evaluation example: an RGB image and its polyp mask of the same size. */
export interface Sample {
  id: string;
  image: RawImage;
  mask: BinaryMask;
}

export function createImage(width: number, height: number, channels: 1 | 3 | 4 = 3): RawImage {
  return { width, height, channels, data: new Uint8Array(width * height * channels) };
}

export function createMask(width: number, height: number): BinaryMask {
  return { width, height, data: new Uint8Array(width * height) };
}
