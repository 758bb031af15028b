/**
 * Starting the TF.js wasm backend under Node, with real threads.
 *
 * tfjs-backend-wasm 4.22 disables threads under Node on purpose (WASM_HAS_MULTITHREAD_SUPPORT is false
 * when IS_NODE): its emscripten pthread workers are created from `blob:` URLs, which Node's
 * worker_threads rejects, and the worker then loads the main script from a posted Blob. It also caps the
 * thread count at half the logical cores. We work around all three, only while the backend initialises:
 *
 *  1. We force WASM_HAS_MULTITHREAD_SUPPORT, so the threaded SIMD binary is used.
 *  2. We wrap the global `Blob` to see the two scripts the backend builds (the emscripten factory and the
 *     pthread worker) and `URL.createObjectURL` to hand Node a real file instead of a blob: URL. The files
 *     live in a content-addressed folder under the OS temp dir. The factory script gets a prelude with the
 *     few bundle-level names its source refers to (Node modules and three TypeScript helpers); the worker
 *     script gets a prelude so its `URL.createObjectURL(blob)` for the factory returns that file.
 *  3. We report `2 * threads` cores from os.cpus() so the cap lets the requested count through.
 *
 * Afterwards the pthread workers are unref'd (a running emscripten pthread keeps its worker referenced,
 * which would stop Node from exiting). With threads = 1 none of this happens: the plain SIMD binary runs.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { tf } from './tf.ts';

const FACTORY_MARK = 'var WasmBackendModuleThreadedSimd';
const WORKER_MARK = '"use strict";var Module={};';

// Names the factory's source uses from the rollup bundle scope it was cut out of.
const FACTORY_PRELUDE = `var require$$0 = require('fs'), require$$1 = require('path'),
  require$$3 = require('perf_hooks'), require$$4 = require('os');
var commonjsGlobal = globalThis;
function __values(o) { return o[Symbol.iterator](); }
function __read(o, n) { var r = []; for (var v of o) { if (n !== undefined && r.length >= n) break; r.push(v); } return r; }
function __spreadArray(to, from) { return to.concat(Array.from(from)); }
`;

interface EmscriptenWorker {
  unref(): void;
}
interface WasmModuleWithThreads {
  PThread?: { runningWorkers: EmscriptenWorker[]; unusedWorkers: EmscriptenWorker[] };
}

/** Initialises the 'wasm' backend with `threads` threads; returns the count the backend reports. */
export async function startWasmBackend(threads: number): Promise<boolean> {
  wasm.setThreadsCount(threads);
  const restoreListeners = keepProcessListeners();
  if (threads > 1) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  const restoreGlobals = threads > 1 ? patchGlobalsForThreads(threads) : () => {};
  try {
    return await tf.setBackend('wasm');
  } finally {
    restoreGlobals();
    restoreListeners();
    unrefPthreadWorkers();
  }
}

/**
 * The emscripten runtime adds process-wide 'uncaughtException'/'unhandledRejection' handlers that rethrow
 * from inside its minified source, so any crash anywhere prints a screenful of wasm glue. Node's default
 * handling is the same minus the noise, so we remove the handlers it added.
 */
function keepProcessListeners(): () => void {
  type Listener = (...args: unknown[]) => void;
  const events = ['uncaughtException', 'unhandledRejection'] as const;
  const listeners = (e: (typeof events)[number]) => process.listeners(e as 'uncaughtException') as Listener[];
  const before = new Map(events.map((e) => [e, new Set(listeners(e))]));
  return () => {
    for (const e of events) {
      for (const l of listeners(e)) if (!before.get(e)!.has(l)) process.removeListener(e, l);
    }
  };
}

export function wasmThreadsInUse(): number {
  return wasm.getThreadsCount();
}

function patchGlobalsForThreads(threads: number): () => void {
  const OriginalBlob = globalThis.Blob;
  const originalCreateObjectURL = URL.createObjectURL;
  const originalCpus = os.cpus;
  const scripts = new WeakMap<Blob, string>();
  let factoryFile: string | null = null;

  globalThis.Blob = class ScriptCapturingBlob extends OriginalBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      const text = parts?.every((p) => typeof p === 'string') ? parts.join('') : null;
      if (text == null) return;
      scripts.set(this, text);
      // The factory Blob is posted to each worker, never passed to createObjectURL here: write it now.
      if (text.startsWith(FACTORY_MARK)) factoryFile = writeScript(FACTORY_PRELUDE + text);
    }
  };
  URL.createObjectURL = (obj: Blob | MediaSource): string => {
    const text = obj instanceof OriginalBlob ? scripts.get(obj) : undefined;
    if (text == null || !text.startsWith(WORKER_MARK) || factoryFile == null) {
      return originalCreateObjectURL(obj as Blob);
    }
    const prelude =
      `URL.createObjectURL = () => ${JSON.stringify(factoryFile)};\n` + `URL.revokeObjectURL = () => {};\n`;
    return writeScript(prelude + text);
  };
  os.cpus = () => {
    const real = originalCpus();
    return Array.from({ length: Math.max(real.length, 2 * threads) }, (_, i) => real[i % real.length]);
  };
  return () => {
    globalThis.Blob = OriginalBlob;
    URL.createObjectURL = originalCreateObjectURL;
    os.cpus = originalCpus;
  };
}

/** Writes a script to a content-addressed file (shared by processes, written atomically). */
function writeScript(text: string): string {
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const dir = join(os.tmpdir(), 'polypseg-tfjs-wasm');
  const file = join(dir, `${hash}.cjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  }
  return file;
}

function unrefPthreadWorkers(): void {
  if (tf.getBackend() !== 'wasm') return;
  const module = (tf.backend() as unknown as { wasm: WasmModuleWithThreads }).wasm;
  const pthread = module.PThread;
  if (!pthread) return;
  for (const w of [...pthread.runningWorkers, ...pthread.unusedWorkers]) w.unref();
}
