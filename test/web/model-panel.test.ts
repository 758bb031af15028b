import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { modelMetadataSchema } from '../../src/models/metadata.ts';
import { modelInfo } from '../../src/server/routes/health.ts';
import { architectureLine, metricsLine, plainSummary } from '../../web/src/model-panel.ts';

test('the model panel shows scores with three decimals and counts as integers, test group first', () => {
  assert.equal(
    metricsLine({ validation: { iou: 0.7, dice: 0.8 }, test: { iou: 0.79512, dice: 0.8634, images: 100 } }),
    'IoU 0.795 · Dice 0.863 · images 100 (test)',
  );
  assert.equal(metricsLine({ dice: 0.5, split: 'val' }), 'Dice 0.500 (val)');
  assert.equal(metricsLine({}), null);
});

test('the model panel names each architecture and its size', () => {
  const base = { name: 'm', inputSize: 224, parameters: 2_390_825, tta: true } as const;
  assert.equal(
    architectureLine({
      ...base,
      architecture: { type: 'mobilenetv2-unet', decoderChannels: [96, 64, 32, 24, 16], dropout: 0 },
    } as never),
    'UNet on MobileNetV2 · input 224×224 · 2.39 M parameters · flip TTA on images',
  );
  assert.equal(
    architectureLine({ ...base, architecture: { type: 'unet', depth: 4, baseWidth: 16 } } as never),
    'UNet, depth 4, width 16 · input 224×224 · 2.39 M parameters · flip TTA on images',
  );
});

test("the clinician's line: training images, how often the outline was good, the average overlap", () => {
  const shipped = modelInfo(
    modelMetadataSchema.parse(JSON.parse(readFileSync('models/default/polypseg.json', 'utf8'))),
    'onnx',
  );
  assert.equal(
    plainSummary(shipped),
    'Trained on 1,298 colonoscopy images (Kvasir-SEG and CVC-ClinicDB). On 100 test images it had not seen, ' +
      "it outlined the polyp well in 90 (90 %), meaning at least 80 % overlap with the expert's outline. " +
      "On average its outline and the expert's overlap by 91 %. Always check its outlines yourself.",
  );
  const base = { ...shipped, trainedOn: undefined };
  assert.equal(
    plainSummary({ ...base, metrics: {} }),
    'Outlines polyps in colonoscopy images. No test results are recorded with it. Always check its outlines yourself.',
  );
  assert.match(plainSummary({ ...base, metrics: { test: { images: 50, dice: 0.8 } } }), /overlap by 80 %/);
  assert.match(plainSummary({ ...shipped, trained: false }), /untrained placeholder/);
});
