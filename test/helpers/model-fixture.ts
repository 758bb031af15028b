import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportOnnx } from '../../src/export/export-onnx.ts';
import { buildModel, saveModel } from '../../src/models/index.ts';
import { architectureSchema, modelMetadataSchema } from '../../src/models/metadata.ts';

/**
 * A tiny untrained UNet (random initial weights) saved as a full model directory: polypseg.json,
 * TF.js model.json/weights.bin and model.onnx. Small enough to build and run in well under a second.
 */
export async function makeModelDir(
  opts: { inputSize?: number; name?: string; seed?: number } = {},
): Promise<string> {
  const inputSize = opts.inputSize ?? 32;
  const dir = await mkdtemp(join(tmpdir(), 'polypseg-model-'));
  const architecture = architectureSchema.parse({ type: 'unet', depth: 2, baseWidth: 4 });
  // seeded: tests that look at the mask (e.g. the overlay must visibly differ) see the same one every run
  const model = buildModel(architecture, inputSize, opts.seed ?? 7);
  await saveModel(
    dir,
    model,
    modelMetadataSchema.parse({
      name: opts.name ?? 'tiny-test-unet',
      architecture,
      inputSize,
      files: { tfjs: 'model.json', onnx: 'model.onnx' },
    }),
  );
  await writeFile(join(dir, 'model.onnx'), exportOnnx(model));
  model.dispose();
  return dir;
}
