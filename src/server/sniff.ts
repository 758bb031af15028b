/** File types recognised by their first bytes (never by file name or the client's Content-Type). */
export type ImageType = 'jpeg' | 'png' | 'webp' | 'bmp' | 'tiff';
export type VideoType = 'mp4' | 'mov' | 'webm' | 'mkv' | 'avi';

const ascii = (buf: Uint8Array, start: number, end: number) =>
  String.fromCharCode(...buf.subarray(start, Math.min(end, buf.length)));

const startsWith = (buf: Uint8Array, bytes: number[], offset = 0) =>
  buf.length >= offset + bytes.length && bytes.every((b, i) => buf[offset + i] === b);

/** Bytes needed by the sniffers below (the Matroska DocType can sit a few dozen bytes in). */
export const SNIFF_BYTES = 64;

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

/** QuickTime-family top-level atoms that may open a file whose ftyp box is missing (old .mov). */
const QUICKTIME_ATOMS = new Set(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot']);

export function sniffVideo(buf: Uint8Array): VideoType | null {
  const box = ascii(buf, 4, 8);
  if (box === 'ftyp') return ascii(buf, 8, 12) === 'qt  ' ? 'mov' : 'mp4';
  if (QUICKTIME_ATOMS.has(box)) return 'mov';
  if (startsWith(buf, [0x1a, 0x45, 0xdf, 0xa3])) {
    return ascii(buf, 0, SNIFF_BYTES).includes('webm') ? 'webm' : 'mkv';
  }
  if (ascii(buf, 0, 4) === 'RIFF' && ascii(buf, 8, 12) === 'AVI ') return 'avi';
  return null;
}
