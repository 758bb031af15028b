/**
 * The engine: the only module that touches TF.js backends. Call `initEngine()` once before using `tf`;
 * it selects the backend (wasm by default, with threads under Node), installs our fast training kernels
 * and gradient overrides, and checks that TF.js really uses the backend asked for.
 */
import os from 'node:os';
import { PolypsegError } from '../errors.ts';
import { tf } from './tf.ts';
import { registerEngineKernels } from './register.ts';
import { startWasmBackend, wasmThreadsInUse } from './wasm-setup.ts';

export { tf };

export type EngineBackend = 'wasm' | 'cpu';

export interface EngineOptions {
  /** Default 'wasm'. */
  backend?: EngineBackend;
  /**
   * wasm threads, 1..MAX_THREADS, fixed for the life of the process once wasm is up. Default: the
   * POLYPSEG_THREADS environment variable, else the available cores (at most MAX_THREADS).
   */
  threads?: number;
}

export interface EngineInfo {
  backend: EngineBackend;
  /** Threads the wasm backend computes with (1 for cpu). */
  threads: number;
}

/** The threaded wasm binary preloads 8 pthread workers; more threads would need workers started mid-run. */
export const MAX_THREADS = 8;

let wasmReady: Promise<number> | null = null;
let wasmThreads = 0;

export function defaultThreads(): number {
  const fromEnv = Number(process.env.POLYPSEG_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return Math.min(MAX_THREADS, fromEnv);
  return Math.max(1, Math.min(MAX_THREADS, os.availableParallelism()));
}

let current: EngineBackend | null = null;

/**
 * Idempotent: later calls with the same or no options keep what is running and return the same info
 * (a call without `backend` does not switch away from a backend chosen earlier).
 */
export async function initEngine(opts: EngineOptions = {}): Promise<EngineInfo> {
  const backend = opts.backend ?? current ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'cpu') {
    throw new PolypsegError(
      `Unknown engine backend '${String(backend)}' (use 'wasm' or 'cpu')`,
      'ENGINE_BACKEND',
    );
  }
  if (
    opts.threads != null &&
    (!Number.isInteger(opts.threads) || opts.threads < 1 || opts.threads > MAX_THREADS)
  ) {
    throw new PolypsegError(
      `threads must be an integer from 1 to ${MAX_THREADS}, got ${opts.threads}`,
      'ENGINE_THREADS',
    );
  }
  registerEngineKernels();
  if (backend === 'cpu') {
    await switchTo('cpu');
    current = 'cpu';
    return { backend, threads: 1 };
  }
  const wanted = opts.threads ?? (wasmReady ? wasmThreads : defaultThreads());
  if (wasmReady == null) {
    wasmThreads = wanted;
    wasmReady = startWasm(wanted).catch((e: unknown) => {
      wasmReady = null;
      throw e;
    });
  } else if (opts.threads != null && opts.threads !== wasmThreads) {
    throw new PolypsegError(
      `The wasm engine already runs with ${wasmThreads} thread(s); the thread count is fixed per process ` +
        `(asked for ${opts.threads}). Start a new process to change it.`,
      'ENGINE_THREADS',
    );
  }
  const threads = await wasmReady;
  await switchTo('wasm');
  current = 'wasm';
  return { backend: 'wasm', threads };
}

async function startWasm(threads: number): Promise<number> {
  let ok = false;
  let cause: unknown;
  try {
    ok = await startWasmBackend(threads);
  } catch (e) {
    cause = e;
  }
  assertBackend('wasm', ok, cause);
  const actual = wasmThreadsInUse();
  if (actual !== threads) {
    throw new PolypsegError(
      `The wasm backend started with ${actual} thread(s), not ${threads}`,
      'ENGINE_THREADS',
    );
  }
  return actual;
}

async function switchTo(backend: EngineBackend): Promise<void> {
  if (tf.getBackend() === backend) return;
  let ok = false;
  let cause: unknown;
  try {
    ok = await tf.setBackend(backend);
  } catch (e) {
    cause = e;
  }
  assertBackend(backend, ok, cause);
}

function assertBackend(backend: EngineBackend, ok: boolean, cause: unknown): void {
  // setBackend resolves false (and TF.js silently keeps or picks another backend) when init fails.
  if (!ok || tf.getBackend() !== backend) {
    throw new PolypsegError(
      `Could not start the TF.js '${backend}' backend (active backend: '${tf.getBackend()}')` +
        (cause ? `: ${cause instanceof Error ? cause.message : String(cause)}` : ''),
      'ENGINE_INIT',
      { cause },
    );
  }
}
