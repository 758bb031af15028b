/**
 * One training step as the training loop does it (forward in training mode, soft-IoU loss on the sigmoid
 * output, gradients of the trainable weights, SGD-momentum update), on random data, for benchmarks and
 * profiling.
 */
import { tf } from '../../src/engine/index.ts';
import { buildModel, type ArchitectureConfig } from '../../src/models/index.ts';
import { softIouLoss } from '../../src/train/losses.ts';

export interface StepHarness {
  model: tf.LayersModel;
  /** Runs one step and waits for it to finish; returns the loss. */
  step(): Promise<number>;
  dispose(): void;
}

export function createStepHarness(arch: ArchitectureConfig, size: number, batch: number): StepHarness {
  const model = buildModel(arch, size, 1);
  const optimizer = tf.train.momentum(0.01, 0.9);
  const x = tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const y = tf.tidy(() =>
    tf.cast(tf.greater(tf.randomUniform([batch, size, size, 1], 0, 1, 'float32', 2), 0.7), 'float32'),
  ) as tf.Tensor4D;
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return {
    model,
    async step() {
      const { value, grads } = tf.variableGrads(
        () => softIouLoss(y, model.apply(x, { training: true }) as tf.Tensor4D),
        vars,
      );
      optimizer.applyGradients(grads as tf.NamedTensorMap as Record<string, tf.Variable>);
      const loss = (await value.data())[0]!;
      tf.dispose([value, ...Object.values(grads)]);
      return loss;
    },
    dispose() {
      tf.dispose([x, y]);
      optimizer.dispose();
      model.dispose();
    },
  };
}
