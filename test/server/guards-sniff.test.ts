// Issue 25: each signature in src/server/sniff.ts pinned from both sides: the bytes that make a type
// (down to the shortest buffer that carries them) and near misses that must not (any RIFF file is not
// WebP, a DIB size without "BM" is not BMP, a truncated BMP header is nothing). The files themselves
// (sharp's JPEG/PNG/WebP/TIFF) are in units.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sniffImage, sniffVideo } from '../../src/server/sniff.ts';

const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

/** A BMP file header ("BM" + 12 bytes) and the DIB header's size field (as much of it as fits). */
function bmp(dibSize: number, magic = 'BM', length = 54): Buffer {
  const b = Buffer.alloc(length);
  b.write(magic, 0, 'latin1');
  for (let i = 0; i < 4 && 14 + i < length; i++) b[14 + i] = (dibSize >>> (8 * i)) & 0xff;
  return b;
}

test('image signatures, each at the shortest length that carries it', () => {
  assert.equal(sniffImage(bytes([0xff, 0xd8, 0xff])), 'jpeg');
  assert.equal(sniffImage(bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'png');
  assert.equal(sniffImage(bytes('RIFF', [0, 0, 0, 0], 'WEBP')), 'webp');
  assert.equal(sniffImage(bytes([0x49, 0x49, 0x2a, 0x00])), 'tiff'); // little-endian
  assert.equal(sniffImage(bytes([0x4d, 0x4d, 0x00, 0x2a])), 'tiff'); // big-endian
  for (const dib of [12, 40, 52, 56, 64, 108, 124]) {
    assert.equal(sniffImage(bmp(dib)), 'bmp', `DIB header of ${dib} bytes`);
    assert.equal(sniffImage(bmp(dib, 'BM', 18)), 'bmp', `18 bytes, DIB ${dib}`);
  }
});

test('near misses are nothing', () => {
  const misses: Array<[string, Buffer]> = [
    ['empty', Buffer.alloc(0)],
    ['JPEG cut short', bytes([0xff, 0xd8])],
    ['JPEG with a wrong third byte', bytes([0xff, 0xd8, 0x00, 0xe0])],
    ['PNG cut short', bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a])],
    ['PNG with a wrong last byte', bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x00])],
    ['RIFF that is AVI', bytes('RIFF', [0, 0, 0, 0], 'AVI LIST')],
    ['RIFF that is WAVE', bytes('RIFF', [0, 0, 0, 0], 'WAVEfmt ')],
    ['RIFF alone', bytes('RIFF')],
    ['WEBP without RIFF', bytes('RIFX', [0, 0, 0, 0], 'WEBP')],
    ['WEBP at offset 8 of text', bytes('ABCDEFGHWEBP')],
    ['TIFF cut short', bytes([0x49, 0x49, 0x2a])],
    ['mixed TIFF byte orders', bytes([0x49, 0x49, 0x00, 0x2a])],
    ['a DIB size without BM', bmp(40, 'XX')],
    ['a DIB size after "B "', bmp(40, 'B ')],
    ['BM with an unknown DIB size', bmp(41)],
    ['BM with a DIB size of 0', bmp(0)],
    ['BM cut before the whole DIB size', bmp(40, 'BM', 17)],
    ['BM and one byte of a DIB size', bmp(40, 'BM', 15)],
    ['text', bytes('hello, I am a text file named photo.jpg')],
  ];
  for (const [why, buf] of misses) assert.equal(sniffImage(buf), null, why);
});

const box = (type: string, brand = 'isom') => bytes([0, 0, 0, 0x18], type, brand, [0, 0, 0, 0]);

test('video containers by their boxes and headers', () => {
  assert.equal(sniffVideo(box('ftyp')), 'mp4');
  assert.equal(sniffVideo(box('ftyp', 'mp42')), 'mp4');
  assert.equal(sniffVideo(box('ftyp', 'qt  ')), 'mov');
  for (const atom of ['moov', 'mdat', 'wide', 'free', 'skip', 'pnot'])
    assert.equal(sniffVideo(box(atom, '')), 'mov', atom);
  const ebml = (doc: string) => bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84], doc);
  assert.equal(sniffVideo(ebml('webm')), 'webm');
  assert.equal(sniffVideo(ebml('matroska')), 'mkv');
  assert.equal(sniffVideo(bytes([0x1a, 0x45, 0xdf, 0xa3])), 'mkv');
  assert.equal(sniffVideo(bytes('RIFF', [0, 0, 0, 0], 'AVI ')), 'avi');
});

test('video near misses are nothing', () => {
  const misses: Array<[string, Buffer]> = [
    ['empty', Buffer.alloc(0)],
    ['text', bytes('just some text, long enough')],
    ['an unknown box', box('abcd')],
    ['ftyp at offset 0', bytes('ftypisom', [0, 0, 0, 0])],
    ['EBML cut short', bytes([0x1a, 0x45, 0xdf])],
    ['EBML with a wrong byte', bytes([0x1a, 0x45, 0xdf, 0x00], 'webm')],
    ['RIFF that is WebP', bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 ')],
    ['AVI without RIFF', bytes('RIFX', [0, 0, 0, 0], 'AVI ')],
    ['an image', bytes([0xff, 0xd8, 0xff, 0xe0])],
  ];
  for (const [why, buf] of misses) assert.equal(sniffVideo(buf), null, why);
});
