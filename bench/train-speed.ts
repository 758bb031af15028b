/**
 * Training speed on the engine: images/s of full training steps (forward, soft-IoU loss, gradients,
 * SGD-momentum update) on random data, for UNet and Double-UNet at two sizes and 1 or 2 wasm threads.
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

export interface BenchConfig {
  key: string;
  model: 'unet' | 'double-unet';
  base: number;
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
}

/** B=16 at 128² with batch 8; B=32 at 256² with batch 3 (batch 4 does not fit the 4 GB wasm heap). */
function configs(): BenchConfig[] {
  const out: BenchConfig[] = [];
  for (const model of ['unet', 'double-unet'] as const) {
    for (const [base, size, batch] of [
      [16, 128, 8],
      [32, 256, 3],
    ] as const) {
      for (const threads of [1, 2]) {
        const key = `${model.replace('-', '_')}_b${base}_s${size}_t${threads}`;
        out.push({ key, model, base, size, batch, threads });
      }
    }
  }
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
  if (values.quick) todo = todo.filter((c) => c.threads === 2 && (c.model === 'unet' || c.size === 128));
  if (values.only) {
    const keys = new Set(values.only.split(','));
    todo = todo.filter((c) => keys.has(c.key));
  }
  const steps = values.steps ? Number(values.steps) : values.quick ? 2 : 3;
  console.log(`training speed, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores`);
  console.log(
    `${'config'.padEnd(28)} ${'batch'.padStart(5)} ${'img/s'.padStart(7)} ${'ms/step'.padStart(8)} ${'GFLOP/img'.padStart(9)} ${'GFLOP/s'.padStart(8)}`,
  );
  const figures: Record<string, number> = {};
  for (const cfg of todo) {
    const res = runOne(cfg, steps);
    if ('error' in res) {
      console.log(`${cfg.key.padEnd(28)} FAILED: ${res.error}`);
      continue;
    }
    figures[res.key] = Number(res.imgPerSec.toFixed(3));
    console.log(
      `${res.key.padEnd(28)} ${String(res.batch).padStart(5)} ${res.imgPerSec.toFixed(2).padStart(7)} ` +
        `${res.stepMs.toFixed(0).padStart(8)} ${res.gflopPerImage.toFixed(1).padStart(9)} ${res.gflopPerSec.toFixed(1).padStart(8)}`,
    );
  }
  console.log(JSON.stringify(figures));
}

await main();
