/** Wall and process-CPU milliseconds of a synchronous TF.js computation (median of `n` runs). */
import { tf } from '../../src/engine/index.ts';

export interface Timing {
  wallMs: number;
  cpuMs: number;
}

export function timeSync(f: () => tf.Tensor | tf.Tensor[], n = 5, warmup = 1): Timing {
  const run = () => {
    const r = f();
    for (const t of Array.isArray(r) ? r : [r]) t.dataSync();
    tf.dispose(r);
  };
  for (let i = 0; i < warmup; i++) run();
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    run();
    walls.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { wallMs: median(walls), cpuMs: median(cpus) };
}
