/**
 * Per-kernel time of one training step on the engine (what to optimise next).
 *   node --import tsx bench/profile-train.ts [--model unet|double-unet|mobilenetv2-unet] [--size 128] [--base 16] [--batch 8] [--threads 2]
 *     [--decoder 96,64,32,24,8]   (MobileNetV2-UNet decoder widths; default the shipped model's)
 *     [--top 25] [--shapes 2]      (kernels listed; costliest input shapes per kernel)
 * Kernels called inside our composite kernels are listed too (so their times overlap their parent's);
 * with --self each kernel's time excludes the kernels it calls, so the times add up to the step.
 */
import { parseArgs } from 'node:util';
import { initEngine, tf } from '../src/engine/index.ts';
import { architectureSchema } from '../src/models/index.ts';
import { SHIPPED_DECODER } from './lib/shipped-decoder.ts';
import { createStepHarness } from './lib/train-step.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'unet' },
    size: { type: 'string', default: '128' },
    base: { type: 'string', default: '16' },
    batch: { type: 'string', default: '8' },
    threads: { type: 'string', default: '2' },
    top: { type: 'string', default: '25' },
    shapes: { type: 'string', default: '2' },
    decoder: { type: 'string', default: SHIPPED_DECODER.join(',') },
    self: { type: 'boolean', default: false },
  },
});
await initEngine({ threads: Number(values.threads) });
const arch = architectureSchema.parse(
  values.model === 'mobilenetv2-unet'
    ? { type: values.model, decoderChannels: values.decoder.split(',').map(Number) }
    : { type: values.model, baseWidth: Number(values.base) },
);
const h = createStepHarness(arch, Number(values.size), Number(values.batch));
await h.step();
let t0 = performance.now();
await h.step();
const stepMs = performance.now() - t0;
// Kernel times as process CPU time, not wall time: the machine is shared, and wall time counts the
// time other processes run.
const backend = tf.backend() as unknown as { time(f: () => void): Promise<{ kernelMs: number }> };
// CPU ms of the kernels running inside the current one (composite kernels call others synchronously).
const nested: number[] = [];
backend.time = async (f) => {
  const c0 = process.cpuUsage();
  nested.push(0);
  f();
  const inner = nested.pop()!;
  const c = process.cpuUsage(c0);
  const ms = (c.user + c.system) / 1000;
  if (nested.length) nested[nested.length - 1]! += ms;
  return { kernelMs: values.self ? ms - inner : ms };
};
const c0 = process.cpuUsage();
t0 = performance.now();
const info = await tf.profile(() => h.step());
const cpu = process.cpuUsage(c0);
const profiledMs = performance.now() - t0;
const byKernel = new Map<string, { ms: number; n: number; shapes: Map<string, number> }>();
for (const k of info.kernels) {
  const e = byKernel.get(k.name) ?? { ms: 0, n: 0, shapes: new Map() };
  const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  e.ms += ms;
  e.n++;
  const key = k.inputShapes.map((s) => `[${s}]`).join(' ');
  e.shapes.set(key, (e.shapes.get(key) ?? 0) + ms);
  byKernel.set(k.name, e);
}
console.log(
  `step ${stepMs.toFixed(0)} ms wall; profiled step ${profiledMs.toFixed(0)} ms wall, ` +
    `${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU; ${info.kernels.length} kernels (CPU ms below)`,
);
const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(values.top));
for (const [name, e] of rows) {
  const worst = [...e.shapes.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(values.shapes));
  console.log(
    `${name.padEnd(24)} ${e.ms.toFixed(0).padStart(6)} ms  x${String(e.n).padEnd(4)} ` +
      worst.map(([s, ms]) => `${s} ${ms.toFixed(0)}ms`).join(worst.length > 2 ? '\n    ' : ' | '),
  );
}
h.dispose();
