import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { initEngine, tf } from '../../src/engine/index.ts';
import { architectureSchema, buildModel, loadModel } from '../../src/models/index.ts';
import { repackWeights, type WeightSpec } from '../../src/models/keras-weights.ts';
import { loadEncoderWeights } from '../../src/train/encoder-init.ts';

const ENCODER_DIR = join(import.meta.dirname, '../../models/encoders/mobilenetv2-imagenet');

before(async () => {
  await initEngine({ backend: 'cpu' });
});

test('MobileNetV2-UNet: full-resolution sigmoid output, Keras layer names, stride-32 input rule', () => {
  const arch = architectureSchema.parse({ type: 'mobilenetv2-unet', decoderChannels: [16, 12, 8, 8, 4] });
  const model = buildModel(arch, 64, 1);
  const y = model.predict(tf.randomUniform([2, 64, 64, 3], -1, 1)) as tf.Tensor;
  assert.deepEqual(y.shape, [2, 64, 64, 1]);
  assert.ok(y.dataSync().every((p) => p >= 0 && p <= 1));
  for (const name of [
    'enc_Conv1',
    'enc_expanded_conv_depthwise',
    'enc_block_16_project_BN',
    'enc_block_15_add',
  ])
    assert.ok(model.getLayer(name), name);
  // the encoder ends at block 16's projection (320 channels at 1/32)
  assert.deepEqual(model.getLayer('enc_block_16_project_BN').outputShape, [null, 2, 2, 320]);
  assert.throws(() => buildModel(arch, 48), /divisible by 32/);
  tf.dispose(y);
  model.dispose();
});

test('the shipped ImageNet encoder loads into a MobileNetV2-UNet of any input size, by name, exactly', async () => {
  const model = buildModel(architectureSchema.parse({ type: 'mobilenetv2-unet' }), 96, 1);
  const decoderBefore = model.getLayer('out_head1').getWeights()[0]!.dataSync().slice();
  const copied = await loadEncoderWeights(model, ENCODER_DIR);
  assert.equal(copied, 255, 'every conv and batch-norm tensor of blocks 0-16');

  // values are the published uint8 codes, dequantized: min + scale * code
  const json = JSON.parse(readFileSync(join(ENCODER_DIR, 'model.json'), 'utf8'));
  const specs = json.weightsManifest[0].weights as WeightSpec[];
  assert.equal(specs[0]!.name, 'enc_Conv1/kernel');
  const q = specs[0]!.quantization!;
  const codes = readFileSync(join(ENCODER_DIR, 'weights.bin')).subarray(0, 3 * 3 * 3 * 32);
  const kernel = model.getLayer('enc_Conv1').getWeights()[0]!.dataSync();
  codes.forEach((code, i) => assert.ok(Math.abs(kernel[i]! - (q.min! + q.scale! * code)) < 1e-6));
  assert.deepEqual(
    model.getLayer('out_head1').getWeights()[0]!.dataSync(),
    decoderBefore,
    'decoder layers are left as initialised',
  );

  // pretrained features respond to image structure: a flat image and a textured one differ
  const { model: encoder } = await loadModel(ENCODER_DIR);
  const flat = encoder.predict(tf.zeros([1, 224, 224, 3])) as tf.Tensor;
  const noisy = encoder.predict(tf.randomUniform([1, 224, 224, 3], -1, 1, 'float32', 3)) as tf.Tensor;
  assert.ok(tf.max(tf.abs(tf.sub(flat, noisy))).dataSync()[0]! > 1);
  model.dispose();
  encoder.dispose();
});

test('repackWeights copies the named source bytes in target order and refuses misfits', () => {
  const q = (min: number) => ({ dtype: 'uint8' as const, min, scale: 0.5 });
  const source: WeightSpec[] = [
    { name: 'a/kernel', shape: [2, 2], dtype: 'float32', quantization: q(-1) },
    { name: 'b/gamma', shape: [3], dtype: 'float32', quantization: q(0) },
  ];
  const bytes = Uint8Array.from([1, 2, 3, 4, 9, 8, 7]);
  const targets: WeightSpec[] = [
    { name: 'p_b/gamma', shape: [3], dtype: 'float32' },
    { name: 'p_a/kernel', shape: [2, 2], dtype: 'float32' },
  ];
  const { specs, data } = repackWeights(targets, 'p_', source, bytes);
  assert.deepEqual([...data], [9, 8, 7, 1, 2, 3, 4]);
  assert.deepEqual(specs[1], { ...source[0], name: 'p_a/kernel' });
  assert.throws(
    () => repackWeights([{ name: 'p_a/kernel', shape: [4], dtype: 'float32' }], 'p_', source, bytes),
    /does not fit/,
  );
  assert.throws(
    () => repackWeights([{ name: 'p_c/x', shape: [1], dtype: 'float32' }], 'p_', source, bytes),
    /no source/,
  );
  assert.throws(() => repackWeights(targets, 'p_', source, bytes.subarray(0, 5)), /end before/);
});
