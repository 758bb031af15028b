import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { carveValidation, loadSamples, readSplit, type Sample } from '../data/index.ts';
import { initEngine } from '../engine/index.ts';
import { PolypsegError } from '../errors.ts';
import { buildModel } from '../models/index.ts';
import { saveModel } from '../models/io.ts';
import type { ModelMetadata } from '../models/metadata.ts';
import type { Callback, TrainState } from './callbacks.ts';
import { hasCheckpoint, loadCheckpoint, removeCheckpoint, saveCheckpoint } from './checkpoint.ts';
import type { TrainConfig } from './config.ts';
import { loadEncoderWeights } from './encoder-init.ts';
import { trainLoop } from './loop.ts';
import { createLoss } from './losses.ts';
import { createOptimizer } from './optimizer.ts';
import { curveCallback, jsonlLogCallback, progressCallback } from './standard-callbacks.ts';
import { createValidator } from './validate.ts';
import { createTrainAugmenter } from './augmenter.ts';

export interface TrainRunOptions {
  config: TrainConfig;
  /** output model directory: the best model, logs, and checkpoint/ */
  out: string;
  resume?: boolean;
  /** extra callbacks (tests, experiments) */
  callbacks?: Callback[];
  /** keep checkpoint/ after a finished run (default: removed) */
  keepCheckpoint?: boolean;
  log?: (line: string) => void;
}

export interface TrainRunResult {
  state: TrainState;
  outDir: string;
  trainIds: string[];
  valIds: string[];
  skipped: { id: string; reason: string }[];
}

function configHash(config: TrainConfig): string {
  const { threads: _t, epochs: _e, ...rest } = config;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

export function resolveSplitPath(config: TrainConfig): string {
  return isAbsolute(config.data.split) ? config.data.split : join(config.data.dir, config.data.split);
}

/** `polypseg train`: data → model → loop with callbacks → best model in `out`, resumable from out/checkpoint. */
export async function runTraining(opts: TrainRunOptions): Promise<TrainRunResult> {
  const { config } = opts;
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const out = resolve(opts.out);
  const ckptDir = join(out, 'checkpoint');
  if (!opts.resume && hasCheckpoint(ckptDir)) {
    throw new PolypsegError(
      `${out} holds an unfinished run; pass --resume to continue it or choose another --out`,
      'RUN_EXISTS',
    );
  }
  if (opts.resume && !hasCheckpoint(ckptDir)) {
    throw new PolypsegError(`nothing to resume: no checkpoint in ${ckptDir}`, 'NO_CHECKPOINT');
  }
  await mkdir(out, { recursive: true });
  const engine = await initEngine({ threads: config.threads });
  log(`engine: ${engine.backend}, ${engine.threads} thread(s)`);

  const ids = await readSplit(resolveSplitPath(config));
  const limited = config.data.limit ? ids.slice(0, config.data.limit) : ids;
  const { train: trainIds, val: valIds } = carveValidation(
    limited,
    config.data.valFraction,
    config.data.valSeed,
  );
  log(`data: ${trainIds.length} training, ${valIds.length} validation images at ${config.inputSize}²`);
  const load = async (list: string[]) =>
    loadSamples(config.data.dir, list, { size: config.inputSize, skipInvalid: config.data.skipInvalid });
  const [trainSet, valSet] = await Promise.all([load(trainIds), load(valIds)]);
  const skipped = [...trainSet.skipped, ...valSet.skipped];
  for (const s of skipped) log(`skipped ${s.id}: ${s.reason}`);

  const hash = configHash(config);
  const optimizer = createOptimizer(config.optimizer);
  let model: tf.LayersModel;
  const state: TrainState = {
    model: undefined as unknown as tf.LayersModel,
    optimizer,
    epoch: 0,
    batch: 0,
    epochs: config.epochs,
    history: [],
    best: null,
    stopRequested: false,
    interrupted: false,
  };
  if (opts.resume) {
    const ck = await loadCheckpoint(ckptDir, optimizer);
    if (ck.record.configHash !== hash) {
      throw new PolypsegError(
        `the checkpoint in ${ckptDir} was made with a different config; refusing to resume`,
        'CONFIG_MISMATCH',
      );
    }
    model = ck.model;
    Object.assign(state, {
      epoch: ck.record.epoch,
      batch: ck.record.batch,
      history: ck.record.history,
      best: ck.record.best,
    });
    log(`resuming at epoch ${state.epoch + 1}, batch ${state.batch}`);
  } else {
    model = buildModel(config.model, config.inputSize, config.seed);
    if (config.encoder.init) {
      const n = await loadEncoderWeights(model, config.encoder.init);
      log(`encoder initialised from ${config.encoder.init} (${n} tensors)`);
    }
  }
  state.model = model;

  const metadata = (extra: Partial<ModelMetadata> = {}): ModelMetadata => ({
    format: 'polypseg-model',
    version: 1,
    name: config.name,
    architecture: config.model,
    inputSize: config.inputSize,
    normalization: config.normalization,
    threshold: 0.5,
    outputChannels: 1,
    files: { tfjs: 'model.json' },
    training: { config, trainImages: trainIds.length, valImages: valIds.length },
    createdAt: new Date().toISOString(),
    ...extra,
  });
  await writeFile(join(out, 'train-config.json'), JSON.stringify(config, null, 2) + '\n');

  const loss = createLoss(config.loss);
  const checkpointer: Callback = {
    async onEpochEnd(s, e) {
      if (s.best?.epoch === e.epoch) {
        await saveModel(
          out,
          s.model,
          metadata({
            metrics: { validation: { iou: e.valIou, dice: e.valDice, loss: e.valLoss, epoch: e.epoch + 1 } },
          }),
        );
      }
      await saveCheckpoint(ckptDir, s, metadata(), hash);
    },
    async onTrainEnd(s) {
      if (s.interrupted) await saveCheckpoint(ckptDir, s, metadata(), hash);
      else {
        if (!s.best) await saveModel(out, s.model, metadata());
        if (!opts.keepCheckpoint) await removeCheckpoint(ckptDir);
      }
    },
  };
  const stop = () => {
    if (state.stopRequested) process.exit(130);
    state.stopRequested = true;
    log('\nstopping after this batch and saving a checkpoint (Ctrl-C again to abort)...');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    await trainLoop(state, {
      train: trainSet.samples,
      loss,
      batchSize: config.batchSize,
      accumulate: config.accumulate,
      baseLr: config.optimizer.lr,
      schedule: config.schedule,
      seed: config.seed,
      normalization: config.normalization,
      augment: createTrainAugmenter(config, trainSet.samples),
      validate: valSet.samples.length
        ? createValidator(valSet.samples, loss, config.normalization, config.batchSize)
        : undefined,
      callbacks: [
        progressCallback(log),
        jsonlLogCallback(join(out, 'train-log.jsonl')),
        curveCallback(out, config.name),
        checkpointer,
        ...(opts.callbacks ?? []),
      ],
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return { state, outDir: out, trainIds, valIds, skipped };
}

export function datasetAvailable(dir: string): boolean {
  return existsSync(join(dir, 'images')) && existsSync(join(dir, 'masks'));
}

export type { Sample };
