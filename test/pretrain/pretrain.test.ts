import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine, tf } from '../../src/engine/index.ts';
import { loadModel, readMetadata } from '../../src/models/index.ts';
import { architectureSchema, buildModel } from '../../src/models/index.ts';
import { loadEncoderWeights } from '../../src/train/encoder-init.ts';
import { parsePretrainConfig } from '../../src/pretrain/config.ts';
import {
  classificationCrops,
  rotateQuarter,
  rotationCrops,
  summedArea,
  boxFraction,
} from '../../src/pretrain/crops.ts';
import { runPretraining } from '../../src/pretrain/run.ts';
import { createSegmenter } from '../../src/segment/index.ts';
import type { Callback } from '../../src/train/callbacks.ts';
import type { RawImage, Sample } from '../../src/data/raw-image.ts';
import { makeSyntheticDataset, syntheticSample } from '../helpers/synthetic-dataset.ts';

let data: { dir: string; ids: string[] };
let work: string;
const quiet = () => {};

before(async () => {
  await initEngine();
  data = await makeSyntheticDataset({ count: 16, width: 48, height: 48 });
  work = await mkdtemp(join(tmpdir(), 'polypseg-pretrain-'));
});
after(async () => {
  await rm(data.dir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

const config = (task: 'crop-classification' | 'rotation', epochs = 2) =>
  parsePretrainConfig({
    name: `synthetic-${task}`,
    encoder: { depth: 2, baseWidth: 4 },
    task,
    inputSize: 48,
    crop: { size: 16, perImage: 6 },
    data: { dir: data.dir, split: 'splits/all.txt', valFraction: 0.25 },
    optimizer: { type: 'adam', lr: 0.01 },
    batchSize: 8,
    epochs,
    seed: 5,
  });

function sample(i: number, size = 48): Sample {
  const { image, mask } = syntheticSample(i, size, size);
  return {
    id: `s${i}`,
    image: { width: size, height: size, channels: 3, data: new Uint8Array(image) },
    mask: { width: size, height: size, data: Uint8Array.from(mask, (v) => (v > 127 ? 1 : 0)) },
  };
}

test('quarter turns: four make the identity, one moves the top-left pixel to the bottom-left', () => {
  const img: RawImage = {
    width: 3,
    height: 3,
    channels: 1,
    data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]),
  };
  assert.deepEqual([...rotateQuarter(img, 1).data], [3, 6, 9, 2, 5, 8, 1, 4, 7]);
  let r = img;
  for (let k = 0; k < 4; k++) r = rotateQuarter(r, 1);
  assert.deepEqual(r.data, img.data);
  assert.deepEqual(rotateQuarter(rotateQuarter(img, 1), 3).data, img.data);
});

test('crop classification follows the overlap rule, is balanced and seeded', () => {
  const samples = Array.from({ length: 10 }, (_, i) => sample(i));
  const rule = { size: 16, perImage: 6, polypMin: 0.25, backgroundMax: 0, minVisible: 0.75, tries: 64 };
  const crops = classificationCrops(samples, rule, 3);
  const pos = crops.filter((c) => c.label === 1);
  const neg = crops.filter((c) => c.label === 0);
  assert.ok(pos.length >= 10, `${pos.length} polyp crops`);
  assert.equal(pos.length, neg.length);
  for (const c of crops) {
    const s = samples.find((x) => x.id === c.id)!;
    const cover = boxFraction(summedArea(s.mask.data, 48, 48), 48, c.x, c.y, 16);
    if (c.label === 1) assert.ok(cover >= 0.25, `polyp crop covers ${cover}`);
    else assert.equal(cover, 0);
    assert.equal(c.image.width, 16);
    // the crop is the image's pixels at (x, y)
    assert.deepEqual(
      c.image.data.subarray(0, 3),
      s.image.data.subarray((c.y * 48 + c.x) * 3, (c.y * 48 + c.x) * 3 + 3),
    );
  }
  assert.deepEqual(
    classificationCrops(samples, rule, 3).map((c) => [c.id, c.x, c.y]),
    crops.map((c) => [c.id, c.x, c.y]),
  );
  // crops of black border are refused: an all-black image gives none
  const dark = {
    ...samples[0]!,
    id: 'dark',
    image: { ...samples[0]!.image, data: new Uint8Array(48 * 48 * 3) },
  };
  assert.equal(rotationCrops([dark], rule, 1).length, 0);
});

test('crop-classification pretraining reports held-out accuracy; its encoder loads into UNet and Double-UNet', async () => {
  const out = join(work, 'cls');
  const result = await runPretraining({ config: config('crop-classification', 3), out, log: quiet });
  assert.equal(result.state.history.length, 3);
  for (const e of result.state.history) {
    assert.ok(e.valAccuracy !== undefined && e.valAccuracy >= 0 && e.valAccuracy <= 1);
    assert.equal(e.valIou, null);
  }
  assert.ok(result.valCrops > 0 && result.trainCrops > 0);
  assert.ok(result.best && result.best.accuracy >= 0.5, JSON.stringify(result.best));
  assert.ok(!existsSync(join(out, 'checkpoint')));
  const meta = await readMetadata(out);
  assert.equal(meta.task, 'encoder-pretraining');

  // a segmentation loader refuses the encoder checkpoint with a clear error
  await assert.rejects(createSegmenter(out, { runtime: 'tfjs' }), /pretrained encoder.*encoder\.init/);

  const { model: source } = await loadModel(out);
  const encoderLayers = source.layers.filter((l) => l.name.startsWith('enc_') && l.getWeights().length);
  assert.ok(encoderLayers.length >= 4);
  for (const arch of [
    { type: 'unet', depth: 2, baseWidth: 4 },
    { type: 'double-unet', depth: 2, baseWidth: 4, baseWidth2: 4 },
  ] as const) {
    const target = buildModel(architectureSchema.parse(arch), 32, 9);
    const n = await loadEncoderWeights(target, out);
    assert.ok(n > 0);
    for (const layer of encoderLayers) {
      const got = target.getLayer(layer.name).getWeights();
      layer.getWeights().forEach((w, k) => {
        const diff = tf.max(tf.abs(tf.sub(w, got[k]!))).dataSync()[0]!;
        assert.equal(diff, 0, `${arch.type} ${layer.name}[${k}]`);
      });
    }
    target.dispose();
  }
  source.dispose();
});

test('rotation pretraining scores all four turns of each held-out crop, and resumes after a stop', async () => {
  const out = join(work, 'rot');
  const stopper: Callback = { onEpochEnd: (s) => void (s.stopRequested = true) };
  const first = await runPretraining({
    config: config('rotation', 2),
    out,
    callbacks: [stopper],
    log: quiet,
  });
  assert.equal(first.state.interrupted, true);
  assert.ok(existsSync(join(out, 'checkpoint', 'state.json')));
  assert.equal(first.valCrops % 4, 0);
  const second = await runPretraining({ config: config('rotation', 2), out, resume: true, log: quiet });
  assert.equal(second.state.interrupted, false);
  assert.equal(second.state.history.length, 2);
  assert.ok(second.finalAccuracy !== null && second.finalAccuracy >= 0);
  assert.equal((await readMetadata(out)).outputChannels, 4);
});

test('a bad pretraining config names the field', () => {
  assert.throws(
    () => parsePretrainConfig({ encoder: { depth: 4 }, crop: { size: 24 } }),
    /crop\.size.*divisible/,
  );
  assert.throws(() => parsePretrainConfig({ task: 'jigsaw' }), /task/);
});
