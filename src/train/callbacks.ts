import type { tf } from '../engine/tf.ts';
import type { WeightAverage } from './ema.ts';

export interface EpochLog {
  epoch: number;
  lr: number;
  loss: number;
  valLoss: number | null;
  valIou: number | null;
  valDice: number | null;
  /** toolbox mean Dice over 256 thresholds (segmentation) */
  valMeanDice?: number;
  /** per-source validation scores (multi-source training) */
  valSources?: Record<string, { iou: number; dice: number; meanDice: number }>;
  /** pretext tasks (encoder pretraining): accuracy on held-out items */
  valAccuracy?: number;
  imagesPerSecond: number;
  seconds: number;
  /** process CPU seconds spent in the epoch (absent in logs written before it was recorded) */
  cpuSeconds?: number;
  time: string;
}

export interface BatchLog {
  /** batch index within the epoch (0-based) */
  batch: number;
  batches: number;
  images: number;
  loss: number;
  lr: number;
  imagesPerSecond: number;
}

/** Mutable state of a run, shared with callbacks; what a checkpoint records. */
export interface TrainState {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  /** epoch in progress (0-based) */
  epoch: number;
  /** batches of `epoch` already done */
  batch: number;
  epochs: number;
  history: EpochLog[];
  /** the kept epoch; `score` is its selection score when that is not IoU (e.g. mean Dice) */
  best: { epoch: number; valIou: number; score?: number } | null;
  /** the exponential moving average of the weights (config `ema`), updated after each optimizer step */
  ema?: WeightAverage;
  /** set by a callback or a signal handler: the loop stops after the current batch */
  stopRequested: boolean;
  /** true when the loop stopped early (interrupted), false when all epochs ran */
  interrupted: boolean;
}

/** Keras-style hooks so the loop stays short; every hook may be async. */
export interface Callback {
  onTrainBegin?(state: TrainState): void | Promise<void>;
  onEpochBegin?(state: TrainState): void | Promise<void>;
  onBatchEnd?(state: TrainState, log: BatchLog): void | Promise<void>;
  onEpochEnd?(state: TrainState, log: EpochLog): void | Promise<void>;
  /** called after the loop, also when interrupted (state.interrupted) */
  onTrainEnd?(state: TrainState): void | Promise<void>;
}
