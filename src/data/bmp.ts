import { PolypsegError } from '../errors.ts';
import type { RawImage } from './raw-image.ts';

/** sharp's bundled libvips has no BMP loader, so uncompressed Windows bitmaps are decoded here. */

export interface BmpHeader {
  width: number;
  height: number;
  /** rows stored top row first (negative height in the file) */
  topDown: boolean;
  bitsPerPixel: number;
  compression: number;
  pixelOffset: number;
  headerSize: number;
  paletteSize: number;
}

const BI_RGB = 0;
const BI_BITFIELDS = 3;

const fail = (why: string) => new PolypsegError(`cannot decode BMP: ${why}`, 'IMAGE_UNDECODABLE');

/** Reads the file and DIB headers: enough to check the declared size before decoding anything. */
export function readBmpHeader(buf: Uint8Array): BmpHeader {
  if (buf.length < 26 || buf[0] !== 0x42 || buf[1] !== 0x4d) throw fail('not a BMP file');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const pixelOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  let width: number, rawHeight: number, bitsPerPixel: number;
  let compression = BI_RGB;
  let paletteSize = 0;
  if (headerSize === 12) {
    width = view.getUint16(18, true);
    rawHeight = view.getInt16(20, true);
    bitsPerPixel = view.getUint16(24, true);
  } else {
    if (buf.length < 14 + 40) throw fail('truncated header');
    width = view.getInt32(18, true);
    rawHeight = view.getInt32(22, true);
    bitsPerPixel = view.getUint16(28, true);
    compression = view.getUint32(30, true);
    paletteSize = view.getUint32(46, true);
  }
  if (width <= 0 || rawHeight === 0) throw fail(`invalid size ${width}x${rawHeight}`);
  if (bitsPerPixel <= 8 && paletteSize === 0) paletteSize = 1 << bitsPerPixel;
  return {
    width,
    height: Math.abs(rawHeight),
    topDown: rawHeight < 0,
    bitsPerPixel,
    compression,
    pixelOffset,
    headerSize,
    paletteSize,
  };
}

/** Decodes an uncompressed 1/4/8/24/32-bit BMP (32-bit may use BITFIELDS) to RGB. */
export function decodeBmp(buf: Uint8Array): RawImage {
  const h = readBmpHeader(buf);
  const { width, height, bitsPerPixel: bpp } = h;
  const supported =
    (h.compression === BI_RGB && [1, 4, 8, 24, 32].includes(bpp)) ||
    (h.compression === BI_BITFIELDS && bpp === 32);
  if (!supported) throw fail(`unsupported encoding (${bpp} bits, compression ${h.compression})`);
  const stride = Math.ceil((width * bpp) / 32) * 4;
  if (h.pixelOffset + stride * height > buf.length) throw fail('file is truncated');

  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  // palette entries are BGR0 (BGR for the 12-byte OS/2 header)
  const entry = h.headerSize === 12 ? 3 : 4;
  const paletteStart = 14 + h.headerSize;
  // BITFIELDS masks sit after a 40-byte header (or inside a larger one at the same offset)
  const masks =
    h.compression === BI_BITFIELDS
      ? [view.getUint32(54, true), view.getUint32(58, true), view.getUint32(62, true)]
      : [0x00ff0000, 0x0000ff00, 0x000000ff];
  const shifts = masks.map((m) => (m === 0 ? 0 : 31 - Math.clz32(m & -m)));

  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = h.pixelOffset + (h.topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (bpp === 24) {
        const p = row + x * 3;
        out[o] = buf[p + 2]!;
        out[o + 1] = buf[p + 1]!;
        out[o + 2] = buf[p]!;
      } else if (bpp === 32) {
        const v = view.getUint32(row + x * 4, true);
        for (let c = 0; c < 3; c++) {
          const max = masks[c]! >>> shifts[c]!;
          out[o + c] = max === 0 ? 0 : Math.round((((v & masks[c]!) >>> shifts[c]!) * 255) / max);
        }
      } else {
        const perByte = 8 / bpp;
        const byte = buf[row + Math.floor(x / perByte)]!;
        const index = (byte >> (8 - bpp * ((x % perByte) + 1))) & ((1 << bpp) - 1);
        const p = paletteStart + index * entry;
        if (index >= h.paletteSize || p + 2 >= buf.length) throw fail('palette index out of range');
        out[o] = buf[p + 2]!;
        out[o + 1] = buf[p + 1]!;
        out[o + 2] = buf[p]!;
      }
    }
  }
  return { width, height, channels: 3, data: out };
}

/** Encodes RGB as a 24-bit bottom-up BMP (used by tests and for round trips). */
export function encodeBmp(image: RawImage): Uint8Array {
  if (image.channels !== 3) throw new PolypsegError('encodeBmp expects an RGB image', 'BAD_IMAGE');
  const stride = Math.ceil((image.width * 24) / 32) * 4;
  const size = 54 + stride * image.height;
  const buf = new Uint8Array(size);
  const view = new DataView(buf.buffer);
  buf[0] = 0x42;
  buf[1] = 0x4d;
  view.setUint32(2, size, true);
  view.setUint32(10, 54, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, image.width, true);
  view.setInt32(22, image.height, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, 24, true);
  view.setUint32(34, stride * image.height, true);
  for (let y = 0; y < image.height; y++) {
    const row = 54 + (image.height - 1 - y) * stride;
    for (let x = 0; x < image.width; x++) {
      const i = (y * image.width + x) * 3;
      buf[row + x * 3] = image.data[i + 2]!;
      buf[row + x * 3 + 1] = image.data[i + 1]!;
      buf[row + x * 3 + 2] = image.data[i]!;
    }
  }
  return buf;
}
