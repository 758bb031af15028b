import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine, tf } from '../../src/engine/index.ts';
import {
  architectureSchema,
  buildModel,
  loadModel,
  saveModel,
  outputChannels,
} from '../../src/models/index.ts';
import { PolypsegError } from '../../src/errors.ts';

before(async () => {
  await initEngine({ backend: 'cpu' });
});

test('UNet and Double-UNet build from configs with the documented output channels', () => {
  for (const raw of [
    { type: 'unet', depth: 3, baseWidth: 4 },
    { type: 'double-unet', depth: 3, baseWidth: 4, baseWidth2: 4 },
  ]) {
    const arch = architectureSchema.parse(raw);
    const model = buildModel(arch, 32);
    const y = model.predict(tf.randomUniform([2, 32, 32, 3])) as tf.Tensor;
    assert.deepEqual(y.shape, [2, 32, 32, outputChannels(arch)]);
    const v = y.dataSync();
    assert.ok(
      v.every((p) => p >= 0 && p <= 1),
      'sigmoid probabilities',
    );
    tf.dispose([y]);
    model.dispose();
  }
});

test('depth and width change the parameter count as a UNet should', () => {
  const count = (raw: object) => {
    const m = buildModel(architectureSchema.parse(raw), 32);
    const n = m.countParams();
    m.dispose();
    return n;
  };
  const base = count({ type: 'unet', depth: 2, baseWidth: 4 });
  assert.ok(count({ type: 'unet', depth: 3, baseWidth: 4 }) > base * 3);
  // doubling every width roughly quadruples a conv net's weights
  const wide = count({ type: 'unet', depth: 2, baseWidth: 8 });
  assert.ok(wide > base * 3.5 && wide < base * 4.2, `${wide} vs ${base}`);
});

test('a bad architecture config or input size is rejected clearly', () => {
  assert.throws(() => architectureSchema.parse({ type: 'vgg' }));
  assert.throws(() => architectureSchema.parse({ type: 'unet', depth: 0 }));
  assert.throws(() => architectureSchema.parse({ type: 'unet', colour: 'red' }));
  assert.throws(() => buildModel(architectureSchema.parse({ type: 'unet', depth: 4 }), 40), /divisible/);
});

test('saveModel/loadModel round-trips weights, BN statistics and metadata exactly', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polypseg-model-'));
  const arch = architectureSchema.parse({ type: 'double-unet', depth: 2, baseWidth: 4, baseWidth2: 4 });
  const model = buildModel(arch, 16);
  // make BN moving statistics non-trivial so they must be saved too
  for (const layer of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
    layer.setWeights(layer.getWeights().map((w) => tf.randomUniform(w.shape, 0.5, 1.5)));
  }
  await saveModel(dir, model, {
    format: 'polypseg-model',
    version: 1,
    name: 'roundtrip',
    architecture: arch,
    inputSize: 16,
    normalization: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
    threshold: 0.4,
    outputChannels: 1,
    files: { tfjs: 'model.json' },
  });
  const { model: loaded, metadata } = await loadModel(dir);
  assert.equal(metadata.name, 'roundtrip');
  assert.equal(metadata.outputChannels, 2);
  assert.equal(metadata.threshold, 0.4);
  assert.equal(metadata.parameters, model.countParams());
  const x = tf.randomUniform([1, 16, 16, 3]);
  const diff = tf
    .max(tf.abs(tf.sub(model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor)))
    .dataSync()[0];
  assert.equal(diff, 0);
  await rm(dir, { recursive: true });
});

test('loading a missing or corrupt model gives a PolypsegError', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polypseg-bad-'));
  await assert.rejects(
    loadModel(dir),
    (e: Error) => e instanceof PolypsegError && /polypseg\.json is missing/.test(e.message),
  );
  await writeFile(join(dir, 'polypseg.json'), '{ not json');
  await assert.rejects(loadModel(dir), /not valid JSON/);
  await writeFile(
    join(dir, 'polypseg.json'),
    JSON.stringify({ name: 'x', architecture: { type: 'unet' }, inputSize: 32 }),
  );
  await assert.rejects(loadModel(dir), /cannot read .*model\.json/);
  await rm(dir, { recursive: true });
});
