/** File types recognised by their first bytes (never by file name or the client's Content-Type). */
export type ImageType = 'jpeg' | 'png' | 'webp' | 'bmp' | 'tiff';
// videos are sniffed by the video pipeline itself (the CLI opens files with the same rules)
export { sniffVideo, SNIFF_BYTES, type VideoType } from '../video/container.ts';
import { ascii, startsWith } from '../video/container.ts';

export function sniffImage(buf: Uint8Array): ImageType | null {
  if (startsWith(buf, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(buf, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (ascii(buf, 0, 4) === 'RIFF' && ascii(buf, 8, 12) === 'WEBP') return 'webp';
  if (startsWith(buf, [0x49, 0x49, 0x2a, 0x00]) || startsWith(buf, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  // "BM" alone is common in text; also require a known DIB header size at offset 14.
  if (ascii(buf, 0, 2) === 'BM' && buf.length >= 18) {
    const dib = buf[14]! | (buf[15]! << 8) | (buf[16]! << 16) | (buf[17]! << 24);
    if ([12, 40, 52, 56, 64, 108, 124].includes(dib)) return 'bmp';
  }
  return null;
}
