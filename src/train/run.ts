import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sample } from '../data/index.ts';
import { buildModel, outputStride } from '../models/index.ts';
import { saveModel } from '../models/io.ts';
import type { ModelMetadataInput } from '../models/metadata.ts';
import type { Callback, TrainState } from './callbacks.ts';
import { freshState, removeCheckpoint, resumeState, saveCheckpoint } from './checkpoint.ts';
import { loadTrainingData } from './training-data.ts';
import type { TrainConfig } from './config.ts';
import { loadAllWeights, loadEncoderWeights } from './encoder-init.ts';
import { openRun } from './open-run.ts';
import { trainLoop } from './loop.ts';
import { createLoss } from './losses.ts';
import { createOptimizer } from './optimizer.ts';
import { curveCallback, jsonlLogCallback, progressCallback } from './standard-callbacks.ts';
import { createValidator } from './validate.ts';
import { createTrainAugmenter } from './augmenter.ts';
import { withStopSignals } from './stop-signals.ts';
import { WeightAverage } from './ema.ts';
import { batchInputSize, trainingSizes } from './multi-scale.ts';

export interface TrainRunOptions {
  config: TrainConfig;
  /** output model directory: the best model, logs, and checkpoint/ */
  out: string;
  resume?: boolean;
  /** extra callbacks (tests, experiments) */
  callbacks?: Callback[];
  /** keep checkpoint/ after a finished run (default: removed) */
  keepCheckpoint?: boolean;
  /**
   * also checkpoint inside an epoch once this many minutes have passed since the last save (default 15):
   * on a loaded machine one epoch can take hours, and a sitting that ends with a hard kill loses only this much
   */
  checkpointMinutes?: number;
  log?: (line: string) => void;
}

export interface TrainRunResult {
  state: TrainState;
  outDir: string;
  trainIds: string[];
  valIds: string[];
  skipped: { id: string; reason: string }[];
}

/** Identifies a run's config for resume checks; epochs (extendable) and threads (machine) do not count. */
export function configHash(config: { threads?: number; epochs: number }): string {
  const { threads: _t, epochs: _e, ...rest } = config;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

/** `polypseg train`: data → model → loop with callbacks → best model in `out`, resumable from out/checkpoint. */
export async function runTraining(opts: TrainRunOptions): Promise<TrainRunResult> {
  const { config } = opts;
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const { out, ckptDir } = await openRun(opts.out, Boolean(opts.resume), config.threads, log);

  const data = await loadTrainingData(config.data, config.inputSize, log);
  const { trainIds, valIds, skipped } = data;

  const hash = configHash(config);
  const optimizer = createOptimizer(config.optimizer);
  let state: TrainState;
  if (opts.resume) {
    state = await resumeState(ckptDir, optimizer, hash, config.epochs, config.ema);
    log(`resuming at epoch ${state.epoch + 1}, batch ${state.batch}`);
  } else {
    state = freshState(buildModel(config.model, config.inputSize, config.seed), optimizer, config.epochs);
    if (config.init) {
      const n = await loadAllWeights(state.model, config.init);
      log(`weights initialised from ${config.init} (${n} tensors)`);
    }
    if (config.encoder.init) {
      const n = await loadEncoderWeights(state.model, config.encoder.init);
      log(`encoder initialised from ${config.encoder.init} (${n} tensors)`);
    }
    if (config.ema) state.ema = WeightAverage.start(state.model, config.ema);
  }
  // the model a run saves: the weight average when there is one
  const saveTrained = (s: TrainState, meta: ModelMetadataInput) =>
    s.ema ? s.ema.withAveraged(s.model, () => saveModel(out, s.model, meta)) : saveModel(out, s.model, meta);
  const sizes = config.multiScale
    ? trainingSizes(config.inputSize, config.multiScale.scales, outputStride(config.model))
    : undefined;
  if (sizes) log(`multi-scale training at ${sizes.map((s) => `${s}²`).join(', ')}`);

  const metadata = (extra: Partial<ModelMetadataInput> = {}): ModelMetadataInput => ({
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
  // the exact ID lists, so `polypseg eval --split OUT/val-ids.txt` scores the validation part at full size
  // (one pair per source when there are several: each list is a split file for that source's `dir`)
  for (const source of data.sources) {
    const suffix = config.data.sources ? `-${source.name}` : '';
    await writeFile(join(out, `train-ids${suffix}.txt`), source.trainIds.join('\n') + '\n');
    await writeFile(join(out, `val-ids${suffix}.txt`), source.valIds.join('\n') + '\n');
  }

  const loss = createLoss(config.loss);
  const checkpointMs = (opts.checkpointMinutes ?? 15) * 60_000;
  let lastSave = performance.now();
  const checkpoint = async (s: TrainState) => {
    await saveCheckpoint(ckptDir, s, metadata(), hash);
    lastSave = performance.now();
  };
  const checkpointer: Callback = {
    async onBatchEnd(s, b) {
      // the epoch's last step is saved by onEpochEnd, with its validation
      if (b.batch + 1 < b.batches && performance.now() - lastSave >= checkpointMs) await checkpoint(s);
    },
    async onEpochEnd(s, e) {
      if (s.best?.epoch === e.epoch) {
        await saveTrained(
          s,
          metadata({
            metrics: {
              validation: {
                iou: e.valIou,
                dice: e.valDice,
                ...(e.valMeanDice !== undefined && { meanDice: e.valMeanDice }),
                loss: e.valLoss,
                epoch: e.epoch + 1,
              },
            },
          }),
        );
      }
      await checkpoint(s);
    },
    async onTrainEnd(s) {
      if (s.interrupted) await checkpoint(s);
      else {
        // no validation (a final fit on all the data): the last epoch is the model
        if (!s.best) await saveTrained(s, metadata());
        if (!opts.keepCheckpoint) await removeCheckpoint(ckptDir);
      }
    },
  };
  await withStopSignals(state, log, () =>
    trainLoop(state, {
      train: data.train,
      loss,
      batchSize: config.batchSize,
      accumulate: config.accumulate,
      baseLr: config.optimizer.lr,
      schedule: config.schedule,
      seed: config.seed,
      normalization: config.normalization,
      augment: createTrainAugmenter(config, data.train),
      inputSizeAt: sizes && ((epoch, batch) => batchInputSize(sizes, config.seed, epoch, batch)),
      validate: data.val.length
        ? createValidator(
            data.val,
            loss,
            config.normalization,
            config.batchSize,
            0.5,
            data.valSource.map((i) => data.sources[i]!.name),
          )
        : undefined,
      selectBy: config.selectBy,
      callbacks: [
        progressCallback(log),
        jsonlLogCallback(join(out, 'train-log.jsonl')),
        curveCallback(out, config.name),
        checkpointer,
        ...(opts.callbacks ?? []),
      ],
    }),
  );
  return { state, outDir: out, trainIds, valIds, skipped };
}

export function datasetAvailable(dir: string): boolean {
  return existsSync(join(dir, 'images')) && existsSync(join(dir, 'masks'));
}

export type { Sample };
