// Shared by the export tests: random weights, TF.js vs onnxruntime-node comparison.
import { tf } from '../../src/engine/tf.ts';
import * as ort from 'onnxruntime-node';
import { exportOnnx, type ExportOptions } from '../../src/export/export-onnx.ts';
import { decodeModel } from '../../src/export/onnx-proto.ts';

/** Deterministic uniform values in [lo, hi). */
function uniform(n: number, lo: number, hi: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = lo + ((s >>> 0) / 2 ** 32) * (hi - lo);
  }
  return out;
}

/**
 * Random weights everywhere, including BatchNormalization's moving statistics (fresh models have
 * mean 0 / variance 1, which would hide folding mistakes). Kernels keep a fan-in scale so
 * activations stay O(1) through deep models.
 */
export function randomizeWeights(model: tf.LayersModel, seed = 1): void {
  let k = seed;
  for (const layer of model.layers) {
    const ws = layer.weights.map((w) => {
      const shape = w.shape as number[];
      const short = w.originalName.split('/').pop()!.replace(/_\d+$/, '');
      const n = shape.reduce((a, b) => a * b, 1);
      const fanIn = shape.length > 1 ? n / shape[shape.length - 1]! : 1;
      const range: Record<string, [number, number]> = {
        gamma: [0.5, 1.5],
        beta: [-0.5, 0.5],
        moving_mean: [-0.5, 0.5],
        moving_variance: [0.5, 1.5],
        bias: [-0.2, 0.2],
        alpha: [0, 0.5],
      };
      const a = Math.sqrt(3 / fanIn);
      const [lo, hi] = range[short] ?? [-a, a];
      return tf.tensor(uniform(n, lo, hi, k++ * 7919), shape);
    });
    if (ws.length) layer.setWeights(ws);
  }
}

export function opCounts(bytes: Uint8Array): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of decodeModel(bytes).graph.node) counts[n.op_type] = (counts[n.op_type] ?? 0) + 1;
  return counts;
}

/** Max |TF.js - ORT| over one random batch; input always given to TF.js as NHWC. */
export async function parity(
  model: tf.LayersModel,
  opts: ExportOptions & { batch?: number; seed?: number } = {},
): Promise<{ diff: number; bytes: Uint8Array; dims: readonly number[] }> {
  const bytes = exportOnnx(model, opts);
  const inShape = model.inputs[0]!.shape.slice(1) as number[];
  const batch = opts.batch ?? 2;
  const n = batch * inShape.reduce((a, b) => a * b, 1);
  const data = uniform(n, -1, 1, opts.seed ?? 42);
  const x = tf.tensor(data, [batch, ...inShape]);
  const expected = (model.predict(x) as tf.Tensor).dataSync();
  let feed = data;
  let feedDims = [batch, ...inShape];
  if (opts.layout === 'NCHW') {
    feed = (tf.transpose(x, [0, 3, 1, 2]).dataSync() as Float32Array).slice();
    feedDims = [batch, inShape[2]!, inShape[0]!, inShape[1]!];
  }
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ input: new ort.Tensor('float32', feed, feedDims) });
  const got = out.probabilities!;
  const y = got.data as Float32Array;
  if (y.length !== expected.length) throw new Error(`ORT gave ${y.length} values, TF.js ${expected.length}`);
  let diff = 0;
  for (let i = 0; i < y.length; i++) diff = Math.max(diff, Math.abs(y[i]! - expected[i]!));
  await session.release();
  return { diff, bytes, dims: got.dims };
}
