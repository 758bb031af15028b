import { PolypsegError } from '../errors.ts';

/** Video containers recognised by their first bytes (never by file name or the client's Content-Type). */
export type VideoType = 'mp4' | 'mov' | 'webm' | 'mkv' | 'avi';

/** Bytes needed by the sniffers (the Matroska DocType can sit a few dozen bytes in). */
export const SNIFF_BYTES = 64;

/**
 * A fault of the input video itself: missing, not a video container, unreadable, no video stream or
 * frames, undecodable. Its message names the video (by path: callers that show it to others replace
 * the path). Everything else that fails while processing a video (encoding, storage, bugs) is ours.
 */
export class VideoInputError extends PolypsegError {
  constructor(message: string, code: string) {
    super(message, code);
    this.name = 'VideoInputError';
  }
}

/** Bytes start..end as Latin-1 text (shorter when the buffer ends first). */
export const ascii = (buf: Uint8Array, start: number, end: number) =>
  String.fromCharCode(...buf.subarray(start, Math.min(end, buf.length)));

/** True when `buf` holds `bytes` at `offset`. */
export const startsWith = (buf: Uint8Array, bytes: number[], offset = 0) =>
  buf.length >= offset + bytes.length && bytes.every((b, i) => buf[offset + i] === b);

/** QuickTime-family top-level atoms that may open a file whose ftyp box is missing (old .mov). */
const QUICKTIME_ATOMS = new Set(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot']);

/**
 * ISO-BMFF major brands of still images (AVIF, HEIF/HEIC, JPEG 2000, camera raw) and audio-only
 * files: the same box format as MP4, but nothing to segment frame by frame.
 */
const NOT_VIDEO_BRANDS = new Set([
  'avif',
  'avis',
  'avio',
  'heic',
  'heix',
  'heim',
  'heis',
  'hevc',
  'hevx',
  'heif',
  'mif1',
  'msf1',
  'miaf',
  'jp2 ',
  'jpx ',
  'jpm ',
  'crx ',
  'M4A ',
  'M4B ',
  'M4P ',
  'F4A ',
  'F4B ',
]);

export function sniffVideo(buf: Uint8Array): VideoType | null {
  const box = ascii(buf, 4, 8);
  if (box === 'ftyp') {
    const brand = ascii(buf, 8, 12);
    if (NOT_VIDEO_BRANDS.has(brand)) return null;
    return brand === 'qt  ' ? 'mov' : 'mp4';
  }
  if (QUICKTIME_ATOMS.has(box)) return 'mov';
  if (startsWith(buf, [0x1a, 0x45, 0xdf, 0xa3])) {
    return ascii(buf, 0, SNIFF_BYTES).includes('webm') ? 'webm' : 'mkv';
  }
  if (ascii(buf, 0, 4) === 'RIFF' && ascii(buf, 8, 12) === 'AVI ') return 'avi';
  return null;
}

/** The ffmpeg demuxer for each container: ffmpeg never guesses the format of an input. */
const DEMUXERS: Record<VideoType, string> = {
  mp4: 'mov',
  mov: 'mov',
  webm: 'matroska',
  mkv: 'matroska',
  avi: 'avi',
};

/**
 * ffmpeg's options to open a user's video: only the demuxer of its sniffed container, and only the
 * file and pipe protocols, so no input can make ffmpeg read a playlist, fetch a URL or render text
 * (the tty demuxer) whatever its bytes say.
 */
export function videoInputArgs(path: string, container: VideoType): string[] {
  return ['-protocol_whitelist', 'file,pipe', '-f', DEMUXERS[container], '-i', path];
}

/** Sniffs a video file's container from its first bytes; not a supported container → VideoInputError. */
export async function sniffVideoFile(path: string): Promise<VideoType> {
  // loaded here, not at the top: the page's bundle reaches this module through sniff.ts's re-export
  const { open } = await import('node:fs/promises');
  const fh = await open(path).catch(() => {
    throw new VideoInputError(`video ${path} does not exist or cannot be read`, 'VIDEO_MISSING');
  });
  const head = Buffer.alloc(SNIFF_BYTES);
  const { bytesRead } = await fh.read(head, 0, SNIFF_BYTES, 0).finally(() => fh.close());
  const type = sniffVideo(head.subarray(0, bytesRead));
  if (!type)
    throw new VideoInputError(
      `${path} is not a supported video: expected MP4, MOV, WebM, AVI or MKV content`,
      'VIDEO_NOT_VIDEO',
    );
  return type;
}
