import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '../engine/tf.ts';
import { PolypsegError } from '../errors.ts';
import { modelMetadataSchema, type ModelMetadata, type ModelMetadataInput } from './metadata.ts';
import type { ModelFiles } from './files.ts';
import { METADATA_FILE, openModelDir, readMetadata } from './model-dir.ts';

export { METADATA_FILE, openModelDir, readMetadata };

const WEIGHTS_FILE = 'weights.bin';

/** Writes a file atomically (temp + rename) so an interrupted save never leaves a half-written model. */
async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** Saves TF.js layers format (model.json + weights.bin) and polypseg.json into `dir`. */
export async function saveModel(
  dir: string,
  model: tf.LayersModel,
  metadata: ModelMetadataInput,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const outShape = model.outputs[0]!.shape;
  const meta = modelMetadataSchema.parse({
    ...metadata,
    parameters: model.countParams(),
    outputChannels: outShape[outShape.length - 1],
  });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
      await writeAtomic(join(dir, WEIGHTS_FILE), weights);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: 'polypseg',
        convertedBy: null,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
      };
      await writeAtomic(join(dir, meta.files.tfjs), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  await writeAtomic(join(dir, METADATA_FILE), JSON.stringify(meta, null, 2) + '\n');
}

/** Loads the TF.js model and its metadata from a directory written by saveModel. */
export async function loadModel(dir: string): Promise<{ model: tf.LayersModel; metadata: ModelMetadata }> {
  return loadLayersModel(await openModelDir(dir));
}

/** The TF.js model (files.tfjs and its weight files) of a model's files. */
export async function loadLayersModel(
  files: ModelFiles,
): Promise<{ model: tf.LayersModel; metadata: ModelMetadata }> {
  const { metadata } = files;
  const modelJson = JSON.parse(
    new TextDecoder().decode(await files.read(metadata.files.tfjs)),
  ) as tf.io.ModelJSON;
  const manifest = modelJson.weightsManifest ?? [];
  const specs = manifest.flatMap((group) => group.weights);
  const buffers = await Promise.all(manifest.flatMap((group) => group.paths).map((p) => files.read(p)));
  const joined = Buffer.concat(buffers);
  const weightData = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength);
  try {
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: specs, weightData }),
    );
    return { model, metadata };
  } catch (err) {
    throw new PolypsegError(
      `model in ${files.location} cannot be loaded: ${(err as Error).message}`,
      'MODEL_CORRUPT',
    );
  }
}
