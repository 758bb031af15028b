import { tf } from '../engine/tf.ts';
import type { Sample } from '../data/raw-image.ts';
import type { BatchLog, Callback, EpochLog, TrainState } from './callbacks.ts';
import { imagesToTensor, masksToTensor, type Normalization } from './batch.ts';
import { seededShuffle } from '../random.ts';
import { learningRateAt, type ScheduleConfig } from './schedule.ts';
import { setLearningRate } from './optimizer.ts';
import { resizeBatch } from './multi-scale.ts';

/** What `validate` reports: segmentation fills iou/dice (the selection score), pretext tasks accuracy. */
export interface ValidationResult {
  loss: number;
  iou?: number;
  dice?: number;
  /** toolbox mean Dice over 256 thresholds */
  meanDice?: number;
  /** the same scores per data source (multi-source training) */
  sources?: Record<string, { iou: number; dice: number; meanDice: number }>;
  accuracy?: number;
}

/** Items are segmentation Samples by default; other tasks pass their own items and `toBatch`. */
export interface LoopOptions<T = Sample> {
  train: T[];
  /** on (target, prediction) as `toBatch` makes them; method syntax so a LossFn on masks (Tensor4D) fits */
  loss(truth: tf.Tensor, pred: tf.Tensor): tf.Scalar;
  batchSize: number;
  /** micro-batches whose gradients are summed before one update (effective batch = batchSize × accumulate) */
  accumulate: number;
  baseLr: number;
  schedule: ScheduleConfig;
  seed: number;
  normalization: Normalization;
  /** on-the-fly augmentation, deterministic in (epoch, index) so a resumed run sees the same stream */
  augment?: (item: T, epoch: number, index: number) => T;
  /** model input and target of a micro-batch (default: normalised images and masks of Samples) */
  toBatch?: (items: T[]) => { x: tf.Tensor; y: tf.Tensor };
  /**
   * multi-scale training: the square size that step `batch` of `epoch` trains at (images and masks are
   * resized to it); omitted = the size `toBatch` gives
   */
  inputSizeAt?: (epoch: number, batch: number) => number;
  /** validation at each epoch's end: loss and mean IoU/Dice (or a pretext task's accuracy) */
  validate?: (model: tf.LayersModel) => Promise<ValidationResult>;
  /** the validation score that picks the best epoch (default: IoU) */
  selectBy?: 'iou' | 'meanDice';
  callbacks: Callback[];
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

/** The best epoch's selection score: `score` when selecting by something other than IoU. */
function bestScore(best: NonNullable<TrainState['best']>): number {
  return best.score ?? best.valIou;
}

/** "best validation mDice 0.8642 (IoU 0.8129) at epoch 15": names the score that chose the epoch. */
export function describeBest(best: TrainState['best']): string {
  if (!best) return 'no validation';
  const at = `at epoch ${best.epoch + 1}`;
  return best.score !== undefined
    ? `best validation mDice ${best.score.toFixed(4)} (IoU ${best.valIou.toFixed(4)}) ${at}`
    : `best validation IoU ${best.valIou.toFixed(4)} ${at}`;
}

async function fire<K extends keyof Callback>(
  cbs: Callback[],
  hook: K,
  ...args: Parameters<NonNullable<Callback[K]>>
) {
  for (const cb of cbs) await (cb[hook] as ((...a: unknown[]) => unknown) | undefined)?.call(cb, ...args);
}

/** One micro-batch: loss and gradients w.r.t. the trainable weights (BN statistics update in the forward). */
function microBatch(model: tf.LayersModel, loss: LoopOptions['loss'], x: tf.Tensor, y: tf.Tensor) {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return tf.variableGrads(() => loss(y, model.apply(x, { training: true }) as tf.Tensor), vars);
}

/** A micro-batch resized to size² when `size` differs from its own (the inputs are disposed). */
function sized(batch: { x: tf.Tensor; y: tf.Tensor }, size: number | undefined) {
  if (size === undefined || batch.x.shape[1] === size) return batch;
  const out = resizeBatch(batch.x as tf.Tensor4D, batch.y as tf.Tensor4D, size);
  tf.dispose([batch.x, batch.y]);
  return out;
}

/**
 * Runs epochs `state.epoch`..`state.epochs-1`, resuming inside an epoch at `state.batch`. The order of
 * samples in an epoch is a seeded shuffle of (seed, epoch), so resuming reproduces it.
 */
export async function trainLoop<T = Sample>(state: TrainState, opts: LoopOptions<T>): Promise<TrainState> {
  const { model, optimizer } = state;
  const toBatch =
    opts.toBatch ??
    ((items: T[]) => {
      const samples = items as unknown as Sample[];
      return { x: imagesToTensor(samples, opts.normalization), y: masksToTensor(samples) };
    });
  const micro = opts.batchSize;
  const perStep = micro * opts.accumulate;
  const stepsPerEpoch = Math.floor(opts.train.length / perStep);
  if (stepsPerEpoch < 1) {
    throw new Error(`training set of ${opts.train.length} is smaller than one batch (${perStep})`);
  }
  await fire(opts.callbacks, 'onTrainBegin', state);
  while (state.epoch < state.epochs && !state.stopRequested) {
    const epoch = state.epoch;
    const order = seededShuffle(opts.train.length, opts.seed * 1_000_003 + epoch);
    await fire(opts.callbacks, 'onEpochBegin', state);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let lossSum = 0;
    let lossCount = 0;
    let images = 0;
    for (let b = state.batch; b < stepsPerEpoch && !state.stopRequested; b++) {
      const lr = learningRateAt(opts.baseLr, epoch + b / stepsPerEpoch, state.epochs, opts.schedule);
      setLearningRate(optimizer, lr);
      let accum: Record<string, tf.Tensor> | null = null;
      let stepLoss = 0;
      for (let a = 0; a < opts.accumulate; a++) {
        const idx = order.slice(b * perStep + a * micro, b * perStep + (a + 1) * micro);
        const items = idx.map((i) =>
          opts.augment ? opts.augment(opts.train[i]!, epoch, i) : opts.train[i]!,
        );
        const { x, y } = sized(toBatch(items), opts.inputSizeAt?.(epoch, b));
        const { value, grads } = microBatch(model, opts.loss, x, y);
        stepLoss += (await value.data())[0]! / opts.accumulate;
        tf.dispose([x, y, value]);
        if (!accum) accum = grads;
        else {
          const prev: Record<string, tf.Tensor> = accum;
          accum = Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.add(prev[k]!, g)]));
          tf.dispose([...Object.values(prev), ...Object.values(grads)]);
        }
      }
      const scaled =
        opts.accumulate > 1
          ? Object.fromEntries(Object.entries(accum!).map(([k, g]) => [k, tf.div(g, opts.accumulate)]))
          : accum!;
      optimizer.applyGradients(scaled as tf.NamedTensorMap);
      state.ema?.update(model);
      tf.dispose(Object.values(accum!));
      if (scaled !== accum) tf.dispose(Object.values(scaled));
      lossSum += stepLoss;
      lossCount++;
      images += perStep;
      state.batch = b + 1;
      const seconds = (performance.now() - t0) / 1000;
      const log: BatchLog = {
        batch: b,
        batches: stepsPerEpoch,
        images,
        loss: lossSum / lossCount,
        lr,
        imagesPerSecond: images / seconds,
      };
      await fire(opts.callbacks, 'onBatchEnd', state, log);
      // TF.js on wasm resolves data() in microtasks only; yield a macrotask so signals (Ctrl-C) get handled
      await new Promise((r) => setImmediate(r));
    }
    if (state.batch < stepsPerEpoch) break; // interrupted mid-epoch: state.batch says where to resume
    const seconds = (performance.now() - t0) / 1000;
    const validate = opts.validate;
    // with a weight average, validation scores the average: it is what the run saves
    const val = !validate
      ? null
      : state.ema
        ? await state.ema.withAveraged(model, () => validate(model))
        : await validate(model);
    const log: EpochLog = {
      epoch,
      lr: learningRateAt(opts.baseLr, epoch + 1 - 1e-9, state.epochs, opts.schedule),
      loss: lossCount ? lossSum / lossCount : NaN,
      valLoss: val?.loss ?? null,
      valIou: val?.iou ?? null,
      valDice: val?.dice ?? null,
      ...(val?.meanDice !== undefined && { valMeanDice: val.meanDice }),
      ...(val?.sources && { valSources: val.sources }),
      ...(val?.accuracy !== undefined && { valAccuracy: val.accuracy }),
      imagesPerSecond: images / seconds,
      seconds,
      // CPU time of this process (all wasm threads), training and validation: the cost that load does not skew
      cpuSeconds: cpuSecondsSince(cpu0),
      time: new Date().toISOString(),
    };
    state.history.push(log);
    const score = opts.selectBy === 'meanDice' ? val?.meanDice : val?.iou;
    if (val?.iou !== undefined && score !== undefined && (!state.best || score > bestScore(state.best)))
      state.best = { epoch, valIou: val.iou, ...(opts.selectBy === 'meanDice' && { score }) };
    state.epoch = epoch + 1;
    state.batch = 0;
    await fire(opts.callbacks, 'onEpochEnd', state, log);
  }
  state.interrupted = state.epoch < state.epochs;
  await fire(opts.callbacks, 'onTrainEnd', state);
  return state;
}
