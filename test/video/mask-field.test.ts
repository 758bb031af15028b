import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { postprocess } from '../../src/segment/postprocess.ts';
import { ffmpegPath } from '../../src/video/ffmpeg.ts';
import { encodeMaskField, fieldCoding } from '../../src/video/mask-field.ts';
import { rgbToYuv } from '../../src/video/overlay-filter.ts';

const S = 32;

/** Two blobs: a big one and a 4-pixel speck that minArea drops. */
function probabilities(): Float32Array {
  const p = new Float32Array(S * S);
  for (let y = 0; y < S; y++)
    for (let x = 0; x < S; x++) p[y * S + x] = Math.max(0, Math.min(1, 1.3 - Math.hypot(x - 12, y - 14) / 8));
  for (const i of [28 * S + 28, 28 * S + 29, 29 * S + 28, 29 * S + 29]) p[i] = 0.9;
  return p;
}

test('the probability plane thresholds to exactly the model-size mask; dropped regions are zeroed', () => {
  const seg = postprocess(probabilities(), S, S, S, { threshold: 0.5, minArea: 10 });
  assert.equal(seg.polyps.length, 1);
  const coding = fieldCoding(0.5, 3);
  assert.equal(coding.thresholdByte, 128);
  const field = encodeMaskField(seg, 0.5, coding, 10, 10);
  assert.equal(field.length, 2 * S * S);
  for (let i = 0; i < S * S; i++)
    assert.equal(field[i]! >= coding.thresholdByte, seg.mask.data[i] === 1, `pixel ${i}`);
  assert.equal(field[28 * S + 28], 0);
});

test('the distance plane holds the distance to the contour in frame pixels, and 0 outside', () => {
  const seg = postprocess(probabilities(), S, S, S, { threshold: 0.5, minArea: 10 });
  const coding = fieldCoding(0.5, 3);
  assert.equal(coding.unit, 63);
  // Row 14 through the blob's centre: p = 1.3 - |x - 12| / 8, so at x = 6..8 p - 0.5 = 0.05, 0.175,
  // 0.3 and the gradient is 1/8 per model pixel: 0.4, 1.4, 2.4 pixels from the contour at scale 1,
  // twice that when a model pixel is 2 frame pixels wide; stored as (d + 0.5) * unit, at most 255.
  const row = (scale: number) => {
    const field = encodeMaskField(seg, 0.5, coding, scale, scale);
    return [4, 5, 6, 7, 8].map((x) => field[S * S + 14 * S + x]!);
  };
  assert.deepEqual(row(1), [0, 0, 57, 120, 183]);
  assert.deepEqual(row(2), [0, 0, 82, 208, 255]);
});

test("rgbToYuv gives the bytes ffmpeg's rgb24 -> yuv420p conversion gives", () => {
  for (const rgb of [
    [0, 255, 102],
    [255, 0, 0],
    [12, 200, 250],
  ] as Array<[number, number, number]>) {
    const yuv = execFileSync(
      ffmpegPath(),
      [
        ...['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '2x2', '-i', '-'],
        ...['-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-'],
      ],
      { input: Buffer.from(Array.from({ length: 4 }, () => rgb).flat()) },
    );
    const got = [yuv[0]!, yuv[4]!, yuv[5]!];
    rgbToYuv(rgb).forEach((v, i) =>
      assert.ok(Math.abs(v - got[i]!) <= 1, `${rgb}: ${rgbToYuv(rgb)} vs ${got}`),
    );
  }
});
