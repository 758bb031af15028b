import { existsSync } from 'node:fs';
import { readFile, rm, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { tf } from '../engine/tf.ts';
import { PolypsegError } from '../errors.ts';
import { loadModel, saveModel } from '../models/io.ts';
import type { ModelMetadataInput } from '../models/metadata.ts';
import type { EpochLog, TrainState } from './callbacks.ts';
import { WeightAverage, type EmaConfig } from './ema.ts';

const STATE_FILE = 'state.json';
const OPT_FILE = 'optimizer.bin';
const EMA_FILE = 'ema.bin';

export interface CheckpointState {
  epoch: number;
  batch: number;
  epochs: number;
  history: EpochLog[];
  best: TrainState['best'];
  /** the config the run started with; resume refuses a different one */
  configHash: string;
  optimizerSpecs: tf.io.WeightsManifestEntry[];
  /** the weight average (config `ema`): its updates so far and the layout of ema.bin */
  ema?: { steps: number; specs: tf.io.WeightsManifestEntry[] };
  savedAt: string;
}

async function writeAtomic(file: string, data: ArrayBuffer): Promise<void> {
  await writeFile(file + '.tmp', new Uint8Array(data));
  await rename(file + '.tmp', file);
}

function readWeights(buf: Buffer, specs: tf.io.WeightsManifestEntry[]): tf.NamedTensorMap {
  return tf.io.decodeWeights(
    buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer,
    specs,
  );
}

/** Saves weights, optimizer slots, the weight average and the loop position, so `--resume` continues exactly here. */
export async function saveCheckpoint(
  dir: string,
  state: TrainState,
  metadata: ModelMetadataInput,
  configHash: string,
): Promise<void> {
  await saveModel(dir, state.model, metadata);
  const named = await state.optimizer.getWeights();
  const { data, specs } = await tf.io.encodeWeights(named);
  // getWeights() makes a fresh scalar for the iteration count; the other entries are the optimizer's own slots
  tf.dispose(named.filter((w) => w.name === 'iter').map((w) => w.tensor));
  await writeAtomic(join(dir, OPT_FILE), data);
  let ema: CheckpointState['ema'];
  if (state.ema) {
    const encoded = await tf.io.encodeWeights(state.ema.named());
    await writeAtomic(join(dir, EMA_FILE), encoded.data);
    ema = { steps: state.ema.steps, specs: encoded.specs };
  }
  const record: CheckpointState = {
    epoch: state.epoch,
    batch: state.batch,
    epochs: state.epochs,
    history: state.history,
    best: state.best,
    configHash,
    optimizerSpecs: specs,
    ...(ema && { ema }),
    savedAt: new Date().toISOString(),
  };
  await writeFile(join(dir, STATE_FILE + '.tmp'), JSON.stringify(record, null, 1));
  await rename(join(dir, STATE_FILE + '.tmp'), join(dir, STATE_FILE));
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, STATE_FILE));
}

/** Loads a checkpoint's model and restores the optimizer's slots into `optimizer`. */
export async function loadCheckpoint(dir: string, optimizer: tf.Optimizer) {
  const record = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as CheckpointState;
  const { model } = await loadModel(dir);
  const map = readWeights(await readFile(join(dir, OPT_FILE)), record.optimizerSpecs);
  await optimizer.setWeights(record.optimizerSpecs.map((s) => ({ name: s.name, tensor: map[s.name]! })));
  return { model, record };
}

export async function removeCheckpoint(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Refuses to overwrite an unfinished run without `resume`, and to resume when there is nothing to. */
export function checkRunDir(out: string, ckptDir: string, resume: boolean): void {
  if (!resume && hasCheckpoint(ckptDir)) {
    throw new PolypsegError(
      `${out} holds an unfinished run; pass --resume to continue it or choose another --out`,
      'RUN_EXISTS',
    );
  }
  if (resume && !hasCheckpoint(ckptDir)) {
    throw new PolypsegError(`nothing to resume: no checkpoint in ${ckptDir}`, 'NO_CHECKPOINT');
  }
}

/** The state of a run that starts at epoch 0 with `model`. */
export function freshState(model: tf.LayersModel, optimizer: tf.Optimizer, epochs: number): TrainState {
  return {
    model,
    optimizer,
    epoch: 0,
    batch: 0,
    epochs,
    history: [],
    best: null,
    stopRequested: false,
    interrupted: false,
  };
}

/**
 * The state saved in `ckptDir`, after checking that it was made with the same config (`hash`); with
 * `ema`, the weight average saved beside it too.
 */
export async function resumeState(
  ckptDir: string,
  optimizer: tf.Optimizer,
  hash: string,
  epochs: number,
  ema?: EmaConfig,
): Promise<TrainState> {
  const ck = await loadCheckpoint(ckptDir, optimizer);
  if (ck.record.configHash !== hash) {
    ck.model.dispose();
    throw new PolypsegError(
      `the checkpoint in ${ckptDir} was made with a different config; refusing to resume`,
      'CONFIG_MISMATCH',
    );
  }
  let average: WeightAverage | undefined;
  if (ema) {
    if (!ck.record.ema)
      throw new PolypsegError(`the checkpoint in ${ckptDir} has no weight average`, 'CONFIG_MISMATCH');
    const tensors = readWeights(await readFile(join(ckptDir, EMA_FILE)), ck.record.ema.specs);
    average = WeightAverage.restore(ck.model, ema, ck.record.ema.steps, tensors);
  }
  return {
    ...freshState(ck.model, optimizer, epochs),
    ...(average && { ema: average }),
    epoch: ck.record.epoch,
    batch: ck.record.batch,
    history: ck.record.history,
    best: ck.record.best,
  };
}
