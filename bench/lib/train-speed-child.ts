/** One bench configuration in its own process (see bench/train-speed.ts); prints one JSON line. */
import os from 'node:os';
import { initEngine } from '../../src/engine/index.ts';
import { architectureSchema } from '../../src/models/index.ts';
import type { BenchConfig, BenchResult } from '../train-speed.ts';
import { trainingFlopsPerImage } from './flops.ts';
import { createStepHarness } from './train-step.ts';

const cfg = JSON.parse(process.argv[2]!) as BenchConfig;
const steps = Number(process.argv[3] ?? 3);
await initEngine({ backend: 'wasm', threads: cfg.threads });
const arch = architectureSchema.parse(
  cfg.model === 'mobilenetv2-unet'
    ? { type: cfg.model, decoderChannels: cfg.decoderChannels }
    : {
        type: cfg.model,
        baseWidth: cfg.base,
        ...(cfg.model === 'double-unet' ? { baseWidth2: cfg.base } : {}),
      },
);
const h = createStepHarness(arch, cfg.size, cfg.batch);
await h.step(); // warm-up: kernel set-up, XNNPACK operator caches, heap growth
const load0 = os.loadavg()[0]!;
const c0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < steps; i++) await h.step();
const stepMs = (performance.now() - t0) / steps;
const cpu = process.cpuUsage(c0);
const cpuMsPerStep = (cpu.user + cpu.system) / 1000 / steps;
const flops = trainingFlopsPerImage(h.model);
const imgPerSec = (cfg.batch * 1000) / stepMs;
const result: BenchResult = {
  ...cfg,
  steps,
  stepMs,
  imgPerSec,
  gflopPerImage: flops / 1e9,
  gflopPerSec: (flops * imgPerSec) / 1e9,
  cpuMsPerStep,
  loadAvg: (load0 + os.loadavg()[0]!) / 2,
};
console.log(JSON.stringify(result));
