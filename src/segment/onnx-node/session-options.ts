import os from 'node:os';
import type * as ort from 'onnxruntime-node';

/**
 * Session options tuned with bench/infer-speed.ts (docs/benchmarks.md): full graph optimisation
 * (conv+BN+ReLU fusion, NCHWc blocked layout), sequential execution, one inter-op thread, and no
 * spin-waiting between ops: on a shared CPU (ffmpeg, a training job) spinning threads steal the
 * cores the others need and halved video fps in our measurements.
 */
export function sessionOptions(threads?: number, spinning = false): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: threads ?? Math.max(1, Math.min(4, os.availableParallelism())),
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: spinning ? '1' : '0' } } },
  };
}
