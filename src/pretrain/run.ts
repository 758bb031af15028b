import { writeFile } from 'node:fs/promises';
import { openRun } from '../train/open-run.ts';
import { join } from 'node:path';
import { tf } from '../engine/tf.ts';
import { PolypsegError } from '../errors.ts';
import { saveModel } from '../models/io.ts';
import type { ModelMetadataInput } from '../models/metadata.ts';
import { imagesToTensor } from '../train/batch.ts';
import type { Callback, EpochLog, TrainState } from '../train/callbacks.ts';
import { freshState, removeCheckpoint, resumeState, saveCheckpoint } from '../train/checkpoint.ts';
import { trainLoop, type ValidationResult } from '../train/loop.ts';
import { createOptimizer } from '../train/optimizer.ts';
import { configHash } from '../train/run.ts';
import { curveCallback, jsonlLogCallback, progressCallback } from '../train/standard-callbacks.ts';
import { withStopSignals } from '../train/stop-signals.ts';
import { loadTrainingData } from '../train/training-data.ts';
import type { PretrainConfig } from './config.ts';
import type { Crop } from './crops.ts';
import { buildPretextModel } from './model.ts';
import { PRETEXTS, type Pretext } from './tasks.ts';

export interface PretrainRunOptions {
  config: PretrainConfig;
  /** output directory: the encoder checkpoint (a model dir for encoder.init), logs, and checkpoint/ */
  out: string;
  resume?: boolean;
  callbacks?: Callback[];
  keepCheckpoint?: boolean;
  log?: (line: string) => void;
}

export interface PretrainResult {
  state: TrainState;
  outDir: string;
  trainCrops: number;
  valCrops: number;
  /** held-out pretext accuracy after the last epoch, and the best epoch's (the one saved); null without validation */
  finalAccuracy: number | null;
  best: { epoch: number; accuracy: number } | null;
}

/** Pretext accuracy (and loss) of `model` on held-out crops. */
export function createPretextValidator(crops: Crop[], pretext: Pretext, config: PretrainConfig) {
  return async (model: tf.LayersModel): Promise<ValidationResult> => {
    let lossSum = 0;
    let correct = 0;
    for (let i = 0; i < crops.length; i += config.batchSize) {
      const batch = crops.slice(i, i + config.batchSize);
      const labels = batch.map((c) => c.label);
      const [loss, out] = tf.tidy(() => {
        const pred = model.predict(imagesToTensor(batch, config.normalization)) as tf.Tensor;
        return [pretext.loss(pretext.target(labels), pred), pred] as const;
      });
      lossSum += (await loss.data())[0]! * batch.length;
      const predicted = pretext.predictClasses((await out.data()) as Float32Array, batch.length);
      tf.dispose([loss, out]);
      predicted.forEach((p, j) => (correct += p === labels[j] ? 1 : 0));
    }
    return { loss: lossSum / crops.length, accuracy: correct / crops.length };
  };
}

function bestAccuracy(history: EpochLog[]): { epoch: number; accuracy: number } | null {
  let best: { epoch: number; accuracy: number } | null = null;
  for (const e of history)
    if (e.valAccuracy !== undefined && (!best || e.valAccuracy > best.accuracy))
      best = { epoch: e.epoch, accuracy: e.valAccuracy };
  return best;
}

/**
 * `polypseg pretrain`: crops from the training part of the split → encoder + head trained on the pretext
 * task with the training loop → the best epoch (by held-out pretext accuracy) saved in `out` as a model
 * directory whose enc_* layers a training config loads with `encoder.init`. Resumable from out/checkpoint.
 */
export async function runPretraining(opts: PretrainRunOptions): Promise<PretrainResult> {
  const { config } = opts;
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const { out, ckptDir } = await openRun(opts.out, Boolean(opts.resume), config.threads, log);

  const pretext = PRETEXTS[config.task];
  // the held-out images are the segmentation run's validation carve-out (same valFraction/valSeed)
  const data = await loadTrainingData(config.data, config.inputSize, log);
  const trainCrops = pretext.makeCrops(data.train, config.crop, config.seed);
  const valCrops = pretext.heldOut(pretext.makeCrops(data.val, config.crop, config.seed + 1));
  if (trainCrops.length < config.batchSize) {
    throw new PolypsegError(
      `only ${trainCrops.length} ${config.task} crops from ${data.train.length} images (need a batch of ` +
        `${config.batchSize}); use more images, a smaller crop.size, or a looser crop rule`,
      'TOO_FEW_CROPS',
    );
  }
  const counts = (crops: Crop[]) =>
    pretext.classNames.map((n, k) => `${crops.filter((c) => c.label === k).length} ${n}`).join(', ');
  log(
    `${config.task}: ${trainCrops.length} training crops` +
      (config.task === 'crop-classification' ? ` (${counts(trainCrops)})` : ' (rotation drawn per epoch)') +
      `, ${valCrops.length} held-out (${counts(valCrops)}), ${config.crop.size}² from ${config.inputSize}² images`,
  );

  const hash = configHash(config);
  const optimizer = createOptimizer(config.optimizer);
  const build = () =>
    buildPretextModel({
      ...config.encoder,
      inputSize: config.crop.size,
      units: pretext.units,
      seed: config.seed,
    });
  const state = opts.resume
    ? await resumeState(ckptDir, optimizer, hash, config.epochs)
    : freshState(build(), optimizer, config.epochs);
  if (opts.resume) log(`resuming at epoch ${state.epoch + 1}, batch ${state.batch}`);

  const metadata = (extra: Partial<ModelMetadataInput> = {}): ModelMetadataInput => ({
    format: 'polypseg-model',
    version: 1,
    task: 'encoder-pretraining',
    name: config.name,
    // the segmentation encoder these weights fit (UNet, or Double-UNet encoder 1, of this depth and width)
    architecture: { type: 'unet', ...config.encoder, dropout: 0 },
    inputSize: config.crop.size,
    normalization: config.normalization,
    threshold: 0.5,
    outputChannels: pretext.units,
    files: { tfjs: 'model.json' },
    training: {
      config,
      pretext: { task: config.task, classes: pretext.classNames },
      trainImages: data.train.length,
      valImages: data.val.length,
      trainCrops: trainCrops.length,
      valCrops: valCrops.length,
    },
    createdAt: new Date().toISOString(),
    ...extra,
  });
  await writeFile(join(out, 'pretrain-config.json'), JSON.stringify(config, null, 2) + '\n');

  const checkpointer: Callback = {
    async onEpochEnd(s, e) {
      const best = bestAccuracy(s.history);
      if (best?.epoch === e.epoch)
        await saveModel(
          out,
          s.model,
          metadata({
            metrics: { pretext: { accuracy: e.valAccuracy, loss: e.valLoss, epoch: e.epoch + 1 } },
          }),
        );
      await saveCheckpoint(ckptDir, s, metadata(), hash);
    },
    async onTrainEnd(s) {
      if (s.interrupted) return saveCheckpoint(ckptDir, s, metadata(), hash);
      if (!valCrops.length) await saveModel(out, s.model, metadata());
      if (!opts.keepCheckpoint) await removeCheckpoint(ckptDir);
    },
  };
  await withStopSignals(state, log, () =>
    trainLoop<Crop>(state, {
      train: trainCrops,
      loss: pretext.loss,
      batchSize: config.batchSize,
      accumulate: 1,
      baseLr: config.optimizer.lr,
      schedule: config.schedule,
      seed: config.seed,
      normalization: config.normalization,
      augment:
        config.task === 'rotation' || config.crop.dihedral
          ? (crop, epoch, index) => pretext.augment(crop, epoch, index, config.seed)
          : undefined,
      toBatch: (crops) => ({
        x: imagesToTensor(crops, config.normalization),
        y: pretext.target(crops.map((c) => c.label)),
      }),
      validate: valCrops.length ? createPretextValidator(valCrops, pretext, config) : undefined,
      callbacks: [
        progressCallback(log),
        jsonlLogCallback(join(out, 'train-log.jsonl')),
        curveCallback(out, `${config.name} (${config.task})`),
        checkpointer,
        ...(opts.callbacks ?? []),
      ],
    }),
  );
  const last = state.history[state.history.length - 1];
  return {
    state,
    outDir: out,
    trainCrops: trainCrops.length,
    valCrops: valCrops.length,
    finalAccuracy: last?.valAccuracy ?? null,
    best: bestAccuracy(state.history),
  };
}
