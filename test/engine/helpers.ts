import assert from 'node:assert/strict';
import { initEngine, tf } from '../../src/engine/index.ts';

/** Seeded standard-normal-ish values (sum of uniforms), so cpu and wasm see identical inputs. */
export function randomArray(size: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = next() + next() + next() - 1.5;
  return out;
}

export function randomTensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(
    randomArray(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );
}

/**
 * Runs `fn` on the cpu backend (stock TF.js kernels: the reference) and on wasm (our kernels), and returns
 * both results as plain arrays with their shapes.
 */
export async function onBothBackends(fn: () => tf.Tensor[]): Promise<{
  cpu: { shape: number[]; data: Float32Array }[];
  wasm: { shape: number[]; data: Float32Array }[];
}> {
  const run = async (backend: 'cpu' | 'wasm') => {
    await initEngine({ backend });
    const outs = tf.tidy(fn);
    const res = outs.map((t) => ({ shape: t.shape, data: t.dataSync() as Float32Array }));
    tf.dispose(outs);
    return res;
  };
  const cpu = await run('cpu');
  const wasm = await run('wasm');
  return { cpu, wasm };
}

/** max |a - b| / max |b|: error relative to the reference's scale. */
export function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

export function assertClose(
  actual: { shape: number[]; data: Float32Array },
  expected: { shape: number[]; data: Float32Array },
  what: string,
  tolerance = 1e-4,
): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const err = relativeError(actual.data, expected.data);
  assert.ok(err < tolerance, `${what}: relative error ${err.toExponential(2)} >= ${tolerance}`);
}

/**
 * Runs a conv-like op y = f(x, w) and its gradients for a random dy on wasm and on cpu, and asserts that
 * y, dx and dw agree. `seed` picks x, w and dy.
 */
export async function assertOpGradientsMatchCpu(
  f: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor,
  xShape: number[],
  wShape: number[],
  seed: number,
): Promise<void> {
  const res = await onBothBackends(() => {
    const x = randomTensor(xShape, 10 + seed);
    const w = randomTensor(wShape, 100 + seed);
    const g = (a: tf.Tensor, b: tf.Tensor) => f(a as tf.Tensor4D, b as tf.Tensor4D);
    const y = g(x, w);
    const [dx, dw] = tf.grads(g)([x, w], randomTensor(y.shape, 1000 + seed));
    return [y, dx!, dw!];
  });
  for (const [j, name] of ['y', 'dx', 'dw'].entries()) assertClose(res.wasm[j]!, res.cpu[j]!, name);
}
