// A tiny saved + exported model directory for segment/CLI/video tests (random weights, seeded).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportModelDir } from '../../src/export/index.ts';
import { buildModel, saveModel } from '../../src/models/index.ts';
import { architectureSchema, modelMetadataSchema } from '../../src/models/metadata.ts';
import type { RawImage } from '../../src/data/raw-image.ts';
import { randomizeWeights } from '../export/parity-helpers.ts';

export async function makeModelDir(
  opts: { inputSize?: number; onnx?: boolean; threshold?: number } = {},
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'polypseg-model-'));
  const inputSize = opts.inputSize ?? 32;
  const arch = architectureSchema.parse({ type: 'unet', depth: 2, baseWidth: 4 });
  const model = buildModel(arch, inputSize);
  randomizeWeights(model, 11);
  const metadata = modelMetadataSchema.parse({
    name: 'fixture',
    architecture: arch,
    inputSize,
    normalization: { mean: [0.5, 0.4, 0.3], std: [0.25, 0.25, 0.25] },
    threshold: opts.threshold ?? 0.5,
  });
  await saveModel(dir, model, metadata);
  model.dispose();
  if (opts.onnx ?? true) await exportModelDir(dir);
  return dir;
}

/** A smooth synthetic RGB image with a bright blob (deterministic). */
export function syntheticImage(width: number, height: number, seed = 1): RawImage {
  const data = new Uint8Array(width * height * 3);
  const cx = width * (0.3 + 0.1 * (seed % 3));
  const cy = height * 0.5;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const d = Math.hypot(x - cx, y - cy) / Math.min(width, height);
      const i = (y * width + x) * 3;
      data[i] = Math.max(0, Math.min(255, 220 - d * 300 + ((x * 7 + y * 13 + seed) % 17)));
      data[i + 1] = (x * 255) / width;
      data[i + 2] = (y * 255) / height;
    }
  return { width, height, channels: 3, data };
}
