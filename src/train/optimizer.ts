import { tf } from '../engine/tf.ts';
import { z } from 'zod';

export const optimizerSchema = z
  .object({
    type: z.enum(['sgd', 'adam']).default('sgd'),
    lr: z.number().positive().default(0.01),
    /** SGD momentum (0 = plain SGD) */
    momentum: z.number().min(0).max(0.999).default(0.9),
    nesterov: z.boolean().default(false),
    /** L2 penalty added to the gradients of conv/dense kernels */
    weightDecay: z.number().min(0).default(0),
  })
  .strict()
  .default({ type: 'sgd', lr: 0.01, momentum: 0.9, nesterov: false, weightDecay: 0 });
export type OptimizerConfig = z.infer<typeof optimizerSchema>;

export function createOptimizer(config: OptimizerConfig): tf.Optimizer {
  if (config.type === 'adam') return tf.train.adam(config.lr);
  if (config.momentum > 0) return tf.train.momentum(config.lr, config.momentum, config.nesterov);
  return tf.train.sgd(config.lr);
}

/** SGD/momentum cache −lr in a kept scalar (setLearningRate); Adam reads its field at each step. */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}
