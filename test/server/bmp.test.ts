import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBmp, encodeBmp, readBmpHeader } from '../../src/data/bmp.ts';
import { PolypsegError } from '../../src/errors.ts';

test('BMP: 24-bit round trip with row padding, header read without decoding', () => {
  const width = 5;
  const height = 3;
  const data = new Uint8Array(width * height * 3).map((_, i) => (i * 37) % 256);
  const file = encodeBmp({ width, height, channels: 3, data });
  assert.deepEqual([readBmpHeader(file).width, readBmpHeader(file).height], [5, 3]);
  const back = decodeBmp(file);
  assert.equal(back.width, width);
  assert.deepEqual(back.data, data);
  // top-down (negative height) gives the same pixels
  const topDown = new Uint8Array(file);
  const view = new DataView(topDown.buffer);
  view.setInt32(22, -height, true);
  const stride = 16;
  for (let y = 0; y < height; y++)
    topDown.set(file.subarray(54 + (height - 1 - y) * stride, 54 + (height - y) * stride), 54 + y * stride);
  assert.deepEqual(decodeBmp(topDown).data, data);
});

test('BMP: 8-bit palette and 32-bit pixels decode; truncated and RLE files are refused', () => {
  // 2x1, 8-bit, palette [blue, red]
  const pal = new Uint8Array(54 + 8 + 4);
  const v = new DataView(pal.buffer);
  pal.set([0x42, 0x4d]);
  v.setUint32(10, 62, true);
  v.setUint32(14, 40, true);
  v.setInt32(18, 2, true);
  v.setInt32(22, 1, true);
  v.setUint16(28, 8, true);
  v.setUint32(46, 2, true);
  pal.set([255, 0, 0, 0, 0, 0, 255, 0], 54);
  pal.set([1, 0, 0, 0], 62);
  assert.deepEqual([...decodeBmp(pal).data], [255, 0, 0, 0, 0, 255]);

  const b32 = new Uint8Array(54 + 4);
  const w = new DataView(b32.buffer);
  b32.set([0x42, 0x4d]);
  w.setUint32(10, 54, true);
  w.setUint32(14, 40, true);
  w.setInt32(18, 1, true);
  w.setInt32(22, 1, true);
  w.setUint16(28, 32, true);
  b32.set([10, 20, 30, 0], 54);
  assert.deepEqual([...decodeBmp(b32).data], [30, 20, 10]);

  const full = encodeBmp({ width: 4, height: 4, channels: 3, data: new Uint8Array(48) });
  assert.throws(
    () => decodeBmp(full.subarray(0, 70)),
    (e: Error) => e instanceof PolypsegError && /truncated/.test(e.message),
  );
  const rle = new Uint8Array(pal);
  new DataView(rle.buffer).setUint32(30, 1, true);
  assert.throws(() => decodeBmp(rle), /unsupported/);
});
