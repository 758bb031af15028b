// Imports MobileNetV2 1.0 ImageNet weights into a polypseg encoder folder for `encoder.init`.
// usage: node --import tsx scripts/import-mobilenetv2.ts --from DIR [--out models/encoders/mobilenetv2-imagenet]
//   DIR  the unpacked npm package nsfwjs@4.4.0 (`npm pack nsfwjs@4.4.0 && tar xzf nsfwjs-4.4.0.tgz`
//        gives ./package). Its dist/models/mobilenet_v2 is Keras' MobileNetV2 (ImageNet weights) with a
//        new classifier; blocks 0-10 were frozen in its training, 11-16 fine-tuned. Weights are uint8
//        quantized per tensor and are copied as they are.
import { createRequire } from 'node:module';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { initEngine, tf } from '../src/engine/index.ts';
import { LayerNamer } from '../src/models/blocks.ts';
import { ENCODER_PREFIX } from '../src/models/encoder.ts';
import { METADATA_FILE } from '../src/models/io.ts';
import { repackWeights, type WeightSpec } from '../src/models/keras-weights.ts';
import { modelMetadataSchema } from '../src/models/metadata.ts';
import { mobilenetV2Encoder } from '../src/models/mobilenet-v2.ts';

const { values } = parseArgs({
  options: {
    from: { type: 'string' },
    out: { type: 'string', default: 'models/encoders/mobilenetv2-imagenet' },
  },
});
if (!values.from) {
  console.error('usage: import-mobilenetv2.ts --from NSFWJS_PACKAGE_DIR [--out DIR]');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const models = resolve(values.from, 'dist/models/mobilenet_v2');
// Both files are UMD modules: the model JSON object, and the weight shard as a base64 string.
const source = require(join(models, 'model.min.js')) as { weightsManifest: { weights: WeightSpec[] }[] };
const shard = Buffer.from(require(join(models, 'group1-shard1of1.min.js')) as string, 'base64');

await initEngine({ threads: 1 });
const SIZE = 224;
const input = tf.input({ shape: [SIZE, SIZE, 3], name: 'image' });
const enc = mobilenetV2Encoder(input, ENCODER_PREFIX, new LayerNamer(ENCODER_PREFIX, 1));
const model = tf.model({ inputs: input, outputs: enc.bottom, name: 'mobilenetv2_encoder' });
let topology: unknown;
let targets: WeightSpec[] = [];
await model.save(
  tf.io.withSaveHandler(async (artifacts) => {
    topology = artifacts.modelTopology;
    targets = artifacts.weightSpecs as WeightSpec[];
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }),
);
const { specs, data } = repackWeights(targets, ENCODER_PREFIX, source.weightsManifest[0]!.weights, shard);

const out = resolve(values.out!);
await mkdir(out, { recursive: true });
await writeFile(join(out, 'weights.bin'), data);
await writeFile(
  join(out, 'model.json'),
  JSON.stringify({
    modelTopology: topology,
    format: 'layers-model',
    generatedBy: 'polypseg scripts/import-mobilenetv2.ts',
    convertedBy: null,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
  }),
);
const metadata = modelMetadataSchema.parse({
  task: 'encoder-pretraining',
  name: 'mobilenetv2-1.0-imagenet',
  architecture: { type: 'mobilenetv2-unet' },
  inputSize: SIZE,
  normalization: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
  parameters: model.countParams(),
  training: { source: 'npm nsfwjs@4.4.0 dist/models/mobilenet_v2 (Keras MobileNetV2 1.0, ImageNet)' },
});
await writeFile(join(out, METADATA_FILE), JSON.stringify(metadata, null, 2) + '\n');
console.log(`${specs.length} tensors, ${model.countParams()} parameters, ${data.length} bytes -> ${out}`);
