import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, loadModel, saveModel } from '../../src/models/index.ts';
import { architectureSchema, modelMetadataSchema } from '../../src/models/metadata.ts';
import { opCounts, parity, randomizeWeights } from './parity-helpers.ts';

const TOL = 1e-4;

const cases = [
  {
    label: 'UNet with batch norm and dropout',
    arch: { type: 'unet', depth: 3, baseWidth: 4, dropout: 0.2 },
    size: 32,
  },
  {
    label: 'UNet without batch norm',
    arch: { type: 'unet', depth: 2, baseWidth: 4, batchNorm: false },
    size: 16,
  },
  {
    label: 'Double-UNet with ASPP (dilated) and squeeze-excite',
    arch: { type: 'double-unet', depth: 3, baseWidth: 4, baseWidth2: 4, asppRates: [1, 2, 3], dropout: 0.1 },
    size: 32,
  },
  {
    label: 'MobileNetV2-UNet (depthwise convs, ReLU6, residual adds, the image as a skip)',
    arch: { type: 'mobilenetv2-unet', decoderChannels: [8, 8, 8, 8, 4] },
    size: 64,
  },
] as const;

for (const c of cases) {
  test(`export parity: ${c.label}`, async () => {
    const model = buildModel(architectureSchema.parse(c.arch), c.size);
    randomizeWeights(model, 7);
    const { diff, bytes, dims } = await parity(model, { batch: 2 });
    assert.ok(diff < TOL, `max abs diff ${diff}`);
    const k = c.arch.type === 'double-unet' ? 2 : 1;
    assert.deepEqual(dims, [2, c.size, c.size, k]);
    const ops = opCounts(bytes);
    assert.equal(ops.BatchNormalization ?? 0, 0, 'every BN follows a conv and is folded');
    assert.equal(ops.Transpose, 2, 'one transpose in, one out');
  });
}

test('export parity after saveModel/loadModel (what `polypseg export` does)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'polypseg-export-'));
  try {
    const arch = architectureSchema.parse({
      type: 'double-unet',
      depth: 2,
      baseWidth: 4,
      baseWidth2: 4,
      asppRates: [1, 2],
    });
    const model = buildModel(arch, 16);
    randomizeWeights(model, 3);
    await saveModel(dir, model, modelMetadataSchema.parse({ name: 't', architecture: arch, inputSize: 16 }));
    const { model: loaded } = await loadModel(dir);
    const { diff } = await parity(loaded);
    assert.ok(diff < TOL, `max abs diff ${diff}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
