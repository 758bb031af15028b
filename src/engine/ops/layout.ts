import { tf } from '../tf.ts';

/**
 * tf.transpose, or a free reshape when the permutation only moves axes of size 1 (the data order is
 * then unchanged; the backends copy the whole tensor anyway).
 */
export function transposeOrReshape<T extends tf.Tensor>(x: T, perm: number[]): T {
  const moved = perm.filter((axis) => x.shape[axis] !== 1);
  const kept = moved.every((axis, i) => i === 0 || axis > moved[i - 1]!);
  return kept
    ? (tf.reshape(
        x,
        perm.map((axis) => x.shape[axis]!),
      ) as T)
    : tf.transpose(x, perm);
}
