import { z } from 'zod';
import { tf } from '../engine/tf.ts';

/**
 * `ema`: an exponential moving average of every weight (BatchNorm statistics included), updated after each
 * optimizer step. Validation and the saved model use the average; training continues on the raw weights.
 */
export const emaSchema = z
  .object({
    /** per-step decay; 0.999 averages over roughly the last 1000 steps */
    decay: z.number().gt(0).lt(1).default(0.999),
    /**
     * ramp the decay as min(decay, (1 + n) / (10 + n)) over the first steps n, so the average does not
     * carry the random decoder of step 0 for thousands of steps (timm's and TF's ModelEma rule)
     */
    warmup: z.boolean().default(true),
  })
  .strict();
export type EmaConfig = z.infer<typeof emaSchema>;

/** The decay used for update number `step` (0-based). Pure, so a resumed run averages the same way. */
export function emaDecayAt(config: EmaConfig, step: number): number {
  return config.warmup ? Math.min(config.decay, (1 + step) / (10 + step)) : config.decay;
}

/** The averaged weights of one model, in `model.weights` order. */
export class WeightAverage {
  private constructor(
    readonly config: EmaConfig,
    private shadow: tf.Tensor[],
    /** updates made so far */
    public steps: number,
  ) {}

  /** Starts the average at the model's current weights. */
  static start(model: tf.LayersModel, config: EmaConfig): WeightAverage {
    return new WeightAverage(
      config,
      model.weights.map((w) => tf.keep(w.read().clone())),
      0,
    );
  }

  /** Restores an average saved by `named()` (a checkpoint), checking it fits `model`. */
  static restore(
    model: tf.LayersModel,
    config: EmaConfig,
    steps: number,
    tensors: Record<string, tf.Tensor>,
  ): WeightAverage {
    const shadow = model.weights.map((w, i) => {
      const t = tensors[`ema/${i}`];
      if (!t || !tf.util.arraysEqual(t.shape, w.read().shape))
        throw new Error(`averaged weight ${i} (${w.name}) missing or of another shape in the checkpoint`);
      return tf.keep(t);
    });
    return new WeightAverage(config, shadow, steps);
  }

  /** shadow ← d·shadow + (1 − d)·weight, after an optimizer step. */
  update(model: tf.LayersModel): void {
    const d = emaDecayAt(this.config, this.steps);
    const next = tf.tidy(() =>
      model.weights.map((w, i) => tf.keep(tf.add(tf.mul(this.shadow[i]!, d), tf.mul(w.read(), 1 - d)))),
    );
    tf.dispose(this.shadow);
    this.shadow = next;
    this.steps++;
  }

  /** Runs `fn` with the averaged weights in `model`, then puts the raw weights back (also on error). */
  async withAveraged<R>(model: tf.LayersModel, fn: () => Promise<R> | R): Promise<R> {
    // a variable's assign() shares the tensor's data, so the clones keep the raw values alive meanwhile
    const raw = model.weights.map((w) => w.read().clone());
    model.weights.forEach((w, i) => w.write(this.shadow[i]!));
    try {
      return await fn();
    } finally {
      model.weights.forEach((w, i) => w.write(raw[i]!));
      tf.dispose(raw);
    }
  }

  /** The averaged weights as named tensors (`ema/INDEX`), for a checkpoint; the caller must not dispose them. */
  named(): { name: string; tensor: tf.Tensor }[] {
    return this.shadow.map((tensor, i) => ({ name: `ema/${i}`, tensor }));
  }

  dispose(): void {
    tf.dispose(this.shadow);
    this.shadow = [];
  }
}
