/**
 * Depthwise 3x3 conv on the wasm engine: ms per call of the forward pass, dx and dfilter (our kernels).
 *   node --import tsx bench/depthwise-speed.ts [--shape 8,112,112,96] [--threads 2] [--reps 7]
 * Prints the median and the fastest call (wall time; the fastest is the better guide on a busy machine).
 */
import { parseArgs } from 'node:util';
import { initEngine, tf } from '../src/engine/index.ts';

const { values } = parseArgs({
  options: {
    shape: { type: 'string', default: '8,112,112,96' },
    threads: { type: 'string', default: '2' },
    reps: { type: 'string', default: '7' },
  },
});
await initEngine({ threads: Number(values.threads) });
const shape = values.shape.split(',').map(Number) as [number, number, number, number];
const reps = Number(values.reps);

function time(f: () => tf.Tensor): { median: number; min: number } {
  tf.dispose(f()); // warm-up (XNNPACK operator creation, memory growth)
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const out = f(); // wasm kernels run synchronously (no dataSync: it would time a copy out of the heap)
    ms.push(performance.now() - t0);
    out.dispose();
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)]!, min: ms[0]! };
}

const x = tf.randomNormal(shape) as tf.Tensor4D;
const w = tf.randomNormal([3, 3, shape[3], 1]) as tf.Tensor4D;
for (const stride of [1, 2]) {
  const y = tf.depthwiseConv2d(x, w, stride, 'same');
  const dy = tf.randomNormal(y.shape) as tf.Tensor4D;
  const attrs = { strides: stride, pad: 'same', dilations: 1 };
  const rows = {
    forward: time(() => tf.depthwiseConv2d(x, w, stride, 'same')),
    dx: time(
      () =>
        tf.engine().runKernel(
          'DepthwiseConv2dNativeBackpropInput',
          { dy, filter: w },
          {
            ...attrs,
            inputShape: shape,
          },
        ) as tf.Tensor,
    ),
    dfilter: time(
      () =>
        tf.engine().runKernel(
          'DepthwiseConv2dNativeBackpropFilter',
          { x, dy },
          {
            ...attrs,
            filterShape: w.shape,
          },
        ) as tf.Tensor,
    ),
  };
  const f = rows.forward.median;
  console.log(`[${shape}] 3x3 stride ${stride} 'same', ${values.threads} threads:`);
  for (const [name, t] of Object.entries(rows)) {
    console.log(
      `  ${name.padEnd(8)} ${t.median.toFixed(1).padStart(7)} ms median  ${t.min.toFixed(1).padStart(7)} ms min  ` +
        `(${(t.median / f).toFixed(1)}x forward)`,
    );
  }
  tf.dispose([y, dy]);
}
