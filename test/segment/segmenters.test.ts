import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, unlinkSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSegmenter } from '../../src/segment/index.ts';
import { PolypsegError } from '../../src/errors.ts';
import { openModelDir } from '../../src/models/model-dir.ts';
import { createOnnxNodeSegmenter } from '../../src/segment/onnx-node/index.ts';
import { makeModelDir, syntheticImage } from './fixture-model.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A threshold near the median that sits in the widest gap between probabilities (no ties at it). */
function splitThreshold(values: Float32Array): number {
  const sorted = Float32Array.from(values).sort();
  let best = sorted.length >> 1;
  for (let i = Math.floor(sorted.length * 0.35); i < sorted.length * 0.65; i++)
    if (sorted[i + 1]! - sorted[i]! > sorted[best + 1]! - sorted[best]!) best = i;
  return (sorted[best]! + sorted[best + 1]!) / 2;
}

test('onnx, tfjs and onnx-web (wasm) segmenters give the same mask on the same image', async () => {
  const dir = await makeModelDir();
  dirs.push(dir);
  const image = syntheticImage(83, 61);
  const onnx = await createSegmenter(dir, { runtime: 'onnx', threads: 1 });
  const ref = await onnx.segment(image);
  // Threshold near the median so the mask is about half polyp: a real test, not all-0 vs all-0.
  const threshold = splitThreshold(ref.probabilities);
  const a = await onnx.segment(image, { threshold });
  assert.ok(a.coverage > 0.3 && a.coverage < 0.7, `coverage ${a.coverage}`);
  for (const runtime of ['tfjs', 'onnx-web'] as const) {
    const other = await createSegmenter(dir, { runtime });
    assert.equal(other.runtime, runtime);
    const b = await other.segment(image, { threshold });
    assert.equal(b.width, 83);
    assert.equal(b.height, 61);
    let maxDiff = 0;
    for (let i = 0; i < a.probabilities.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs(a.probabilities[i]! - b.probabilities[i]!));
    assert.ok(maxDiff < 1e-4, `${runtime}: probabilities differ by ${maxDiff}`);
    assert.deepEqual(b.mask.data, a.mask.data, `${runtime}: same mask`);
    assert.deepEqual(
      b.polyps.map((p) => [p.area, p.bbox]),
      a.polyps.map((p) => [p.area, p.bbox]),
    );
    b.polyps.forEach((p, i) => assert.ok(Math.abs(p.score - a.polyps[i]!.score) < 1e-4));
    const tta = await other.segment(image, { threshold, tta: true });
    const ttaRef = await onnx.segment(image, { threshold, tta: true });
    assert.deepEqual(tta.mask.data, ttaRef.mask.data, `${runtime}: same TTA mask`);
    await other.dispose();
  }
  await onnx.dispose();
});

test('TTA averages identity and flips (differs from a single pass on an asymmetric image)', async () => {
  const dir = await makeModelDir();
  dirs.push(dir);
  const seg = await createSegmenter(dir);
  const image = syntheticImage(40, 40, 2);
  const plain = await seg.segment(image);
  const tta = await seg.segment(image, { tta: true });
  assert.notDeepEqual(plain.probabilities, tta.probabilities);
  await seg.dispose();
  await assert.rejects(seg.segment(image), PolypsegError);
});

test('missing model.onnx says to run polypseg export; unknown runtime and missing dir are clear errors', async () => {
  const dir = await makeModelDir({ onnx: false });
  dirs.push(dir);
  await assert.rejects(
    createSegmenter(dir, { runtime: 'onnx' }),
    (e: unknown) => e instanceof PolypsegError && /polypseg export/.test(e.message),
  );
  await assert.rejects(
    createSegmenter(dir, { runtime: 'torch' as never }),
    (e: unknown) => e instanceof PolypsegError && /unknown runtime 'torch'/.test(e.message),
  );
  const empty = mkdtempSync(join(tmpdir(), 'polypseg-empty-'));
  dirs.push(empty);
  await assert.rejects(
    createSegmenter(empty),
    (e: unknown) => e instanceof PolypsegError && /polypseg\.json/.test(e.message),
  );
});

test('a corrupt model.onnx or weights file is a PolypsegError, not a crash', async () => {
  const dir = await makeModelDir();
  dirs.push(dir);
  writeFileSync(join(dir, 'model.onnx'), 'not an onnx model');
  await assert.rejects(
    createSegmenter(dir, { runtime: 'onnx' }),
    (e: unknown) => e instanceof PolypsegError && e.code === 'MODEL_CORRUPT',
  );
  unlinkSync(join(dir, 'weights.bin'));
  await assert.rejects(createSegmenter(dir, { runtime: 'tfjs' }), PolypsegError);
});

test('ONNX inference on worker threads gives the same probabilities, in order, several frames at once', async () => {
  const dir = await makeModelDir();
  dirs.push(dir);
  const files = await openModelDir(dir);
  const here = await createOnnxNodeSegmenter(files, { threads: 1 });
  const threaded = await createOnnxNodeSegmenter(files, { inferThreads: 2 });
  const images = [1, 2, 3, 4, 5].map((seed) => syntheticImage(48, 40, seed));
  const expected = await Promise.all(images.map((im) => here.probabilities(im, true)));
  // all in flight at once: replies must come back to the frame that asked
  const got = await Promise.all(images.map((im) => threaded.probabilities(im, true)));
  for (let i = 0; i < images.length; i++) assert.deepEqual(got[i], expected[i], `frame ${i}`);
  assert.notDeepEqual(expected[0], expected[1], 'the frames differ, so a mix-up would show');
  await threaded.dispose();
  await assert.rejects(threaded.probabilities(images[0]!), PolypsegError);
  writeFileSync(join(dir, 'model.onnx'), 'not an onnx model');
  await assert.rejects(
    createOnnxNodeSegmenter(await openModelDir(dir), { inferThreads: 2 }),
    (e: unknown) => e instanceof PolypsegError && e.code === 'MODEL_CORRUPT',
  );
  await here.dispose();
});
