/**
 * Training speed on the engine: images/s of full training steps (forward, soft-IoU loss, gradients,
 * SGD-momentum update) on random data, for UNet and Double-UNet at two sizes and 1 or 2 wasm threads, and
 * for the shipped architecture (MobileNetV2-UNet @224², batch 8, decoder of configs/pranet-mnv2unet-224.json).
 *
 *   npm run bench:train [-- --quick] [-- --only unet_b16_s128_t2,...] [-- --steps 3]
 *
 * Each configuration runs in its own process (the wasm thread count is fixed once the backend starts).
 * Prints a table, then as its LAST line one JSON object {"unet_b16_s128_t2": img/s, ...}.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import os from 'node:os';
import { SHIPPED_DECODER } from './lib/shipped-decoder.ts';

export interface BenchConfig {
  key: string;
  model: 'unet' | 'double-unet' | 'mobilenetv2-unet';
  /** UNet / Double-UNet base width (0 for MobileNetV2-UNet) */
  base: number;
  /** MobileNetV2-UNet decoder widths, deepest first */
  decoderChannels?: number[];
  size: number;
  batch: number;
  threads: number;
}

export interface BenchResult extends BenchConfig {
  imgPerSec: number;
  stepMs: number;
  gflopPerSec: number;
  gflopPerImage: number;
  steps: number;
  /** process CPU time per step (all threads) */
  cpuMsPerStep: number;
  /** 1-minute load average while it ran: other processes on the machine slow the wall-clock figures */
  loadAvg: number;
}

/**
 * B=16 at 128² with batch 8; B=32 at 256² with the largest batch that fits the 4 GB wasm heap (UNet 3,
 * Double-UNet 2); the shipped MobileNetV2-UNet at its training size and batch. img/s is per image, so
 * batch sizes compare fairly.
 */
function configs(): BenchConfig[] {
  const out: BenchConfig[] = [];
  for (const model of ['unet', 'double-unet'] as const) {
    for (const [base, size, batch] of [
      [16, 128, 8],
      [32, 256, model === 'unet' ? 3 : 2],
    ] as const) {
      for (const threads of [1, 2]) {
        const key = `${model.replace('-', '_')}_b${base}_s${size}_t${threads}`;
        out.push({ key, model, base, size, batch, threads });
      }
    }
  }
  out.push({
    key: 'mnv2unet_s224_b8_t2',
    model: 'mobilenetv2-unet',
    base: 0,
    decoderChannels: SHIPPED_DECODER,
    size: 224,
    batch: 8,
    threads: 2,
  });
  return out;
}

const child = fileURLToPath(new URL('./lib/train-speed-child.ts', import.meta.url));

function runOne(cfg: BenchConfig, steps: number): BenchResult | { key: string; error: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, JSON.stringify(cfg), String(steps)], {
    encoding: 'utf8',
    timeout: 15 * 60_000,
    maxBuffer: 16 << 20,
  });
  const line = r.stdout?.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as BenchResult;
  } catch {
    return {
      key: cfg.key,
      error: (r.stderr || line || `exit ${r.status}`).trim().split('\n').slice(-3).join(' '),
    };
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      steps: { type: 'string' },
    },
  });
  let todo = configs();
  if (values.quick)
    todo = todo.filter((c) => c.threads === 2 && (c.model !== 'double-unet' || c.size === 128));
  if (values.only) {
    const keys = new Set(values.only.split(','));
    const unknown = [...keys].filter((k) => !todo.some((c) => c.key === k));
    if (unknown.length) throw new Error(`--only: unknown key(s) ${unknown.join(', ')}`);
    todo = todo.filter((c) => keys.has(c.key));
  }
  const steps = values.steps ? Number(values.steps) : values.quick ? 2 : 3;
  console.log(`training speed, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores`);
  // CPU ms: the process's CPU time per step (all threads).
  // img/CPU-s: images per second of this process's CPU time. With 1 thread it is what the wall-clock rate
  // would be on an idle machine; `load` (1-min load average during the run) shows how busy the machine was.
  const header = [
    'config',
    'batch',
    'img/s',
    'ms/step',
    'CPU ms',
    'GFLOP/img',
    'GFLOP/s',
    'img/CPU-s',
    'load',
  ];
  const widths = [24, 5, 7, 8, 7, 9, 8, 9, 5];
  const row = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' ');
  console.log(row(header));
  const figures: Record<string, number> = {};
  for (const cfg of todo) {
    const res = runOne(cfg, steps);
    if ('error' in res) {
      console.log(`${cfg.key.padEnd(widths[0]!)} FAILED: ${res.error}`);
      continue;
    }
    figures[res.key] = Number(res.imgPerSec.toFixed(3));
    console.log(
      row([
        res.key,
        String(res.batch),
        res.imgPerSec.toFixed(2),
        res.stepMs.toFixed(0),
        res.cpuMsPerStep.toFixed(0),
        res.gflopPerImage.toFixed(1),
        res.gflopPerSec.toFixed(1),
        ((res.batch * 1000) / res.cpuMsPerStep).toFixed(2),
        res.loadAvg.toFixed(1),
      ]),
    );
  }
  console.log(JSON.stringify(figures));
}

await main();
