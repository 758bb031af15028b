import { checkPair, type ProbabilityMap } from './validate.ts';

/** Mean absolute error between a probability map and a 0/1 truth. */
export function meanAbsoluteError(prob: ProbabilityMap, truth: Uint8Array): number {
  checkPair(prob, truth);
  let sum = 0;
  for (let i = 0; i < truth.length; i++) sum += Math.abs(prob[i] - truth[i]);
  return sum / truth.length;
}
