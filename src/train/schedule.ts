import { z } from 'zod';

export const scheduleSchema = z
  .object({
    type: z.enum(['constant', 'step', 'cosine', 'poly']).default('constant'),
    /** step: multiply by gamma every stepEpochs */
    stepEpochs: z.number().int().positive().default(20),
    gamma: z.number().positive().default(0.1),
    /** poly: (1 - t)^power */
    power: z.number().positive().default(0.9),
    /** cosine/poly: floor as a fraction of the base rate */
    minFactor: z.number().min(0).max(1).default(0),
    /** linear warm-up from 0 over this many epochs (fractional allowed) */
    warmupEpochs: z.number().min(0).default(0),
  })
  .strict()
  .default({ type: 'constant', stepEpochs: 20, gamma: 0.1, power: 0.9, minFactor: 0, warmupEpochs: 0 });
export type ScheduleConfig = z.infer<typeof scheduleSchema>;

/** Learning rate at fractional epoch `t` (0 ≤ t < epochs). Pure, so resume gives the same rate. */
export function learningRateAt(base: number, t: number, epochs: number, s: ScheduleConfig): number {
  const warm = s.warmupEpochs > 0 && t < s.warmupEpochs ? (t + 1e-3) / s.warmupEpochs : 1;
  const progress = Math.min(1, Math.max(0, (t - s.warmupEpochs) / Math.max(1e-9, epochs - s.warmupEpochs)));
  let factor: number;
  switch (s.type) {
    case 'constant':
      factor = 1;
      break;
    case 'step':
      factor = s.gamma ** Math.floor(t / s.stepEpochs);
      break;
    case 'cosine':
      factor = s.minFactor + (1 - s.minFactor) * 0.5 * (1 + Math.cos(Math.PI * progress));
      break;
    case 'poly':
      factor = s.minFactor + (1 - s.minFactor) * (1 - progress) ** s.power;
      break;
  }
  return base * warm * factor;
}
