import type { Worker } from 'node:worker_threads';
import { PolypsegError } from '../../errors.ts';
import type { InferFn } from '../types.ts';
import { startTsWorker } from '../../worker-thread.ts';

export interface InferWorkerData {
  bytes: Uint8Array;
  inputSize: number;
}
export interface InferRequest {
  id: number;
  input: Float32Array;
  batch: number;
}
export type InferReply = { id: number; output: Float32Array } | { id: number; error: string };

const WORKER_ENTRY = new URL('./infer-worker.ts', import.meta.url);

interface Thread {
  worker: Worker;
  pending: Map<number, { resolve: (out: Float32Array) => void; reject: (err: Error) => void }>;
}

/**
 * Inference on `count` worker threads, each with its own one-thread ONNX Runtime session. A session's
 * run() occupies the thread that calls it, so sessions on the main thread never overlap; on threads
 * of their own, frames in flight (a video's pipeline window) run side by side, one per core, and
 * the main thread stays free for decoding, post-processing and encoding.
 */
export async function inferOnThreads(
  bytes: Uint8Array,
  inputSize: number,
  count: number,
): Promise<{ infer: InferFn; release: () => Promise<void> }> {
  const threads: Thread[] = [];
  let nextId = 0;
  const failAll = (thread: Thread, err: Error) => {
    for (const { reject } of thread.pending.values()) reject(err);
    thread.pending.clear();
  };
  try {
    for (let i = 0; i < count; i++) {
      const worker = startTsWorker(WORKER_ENTRY, { bytes, inputSize } satisfies InferWorkerData);
      const thread: Thread = { worker, pending: new Map() };
      threads.push(thread);
      await new Promise<void>((resolve, reject) => {
        worker.once('message', (m: { ready: boolean; error?: string }) =>
          m.ready
            ? resolve()
            : reject(new PolypsegError(`cannot load the ONNX model: ${m.error}`, 'MODEL_CORRUPT')),
        );
        worker.once('error', reject);
      });
      worker.on('message', (reply: InferReply) => {
        const waiting = thread.pending.get(reply.id);
        if (!waiting) return;
        thread.pending.delete(reply.id);
        if ('error' in reply) waiting.reject(new PolypsegError(reply.error, 'MODEL_OUTPUT'));
        else waiting.resolve(reply.output);
      });
      worker.on('error', (err) => failAll(thread, err));
      worker.on('exit', () =>
        failAll(thread, new PolypsegError('an inference thread stopped', 'MODEL_OUTPUT')),
      );
    }
  } catch (err) {
    await Promise.all(threads.map((t) => t.worker.terminate()));
    throw err;
  }
  const infer: InferFn = (input, batch) => {
    // the least busy thread; ties go to the first
    const thread = threads.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = nextId++;
    return new Promise<Float32Array>((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      thread.worker.postMessage({ id, input, batch } satisfies InferRequest, [input.buffer as ArrayBuffer]);
    });
  };
  const release = async () => {
    await Promise.all(threads.map((t) => t.worker.terminate()));
  };
  return { infer, release };
}
