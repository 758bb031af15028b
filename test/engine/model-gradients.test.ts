import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/index.ts';
import { architectureSchema, buildModel } from '../../src/models/index.ts';
import { softIouLoss } from '../../src/train/losses.ts';
import { assertClose, onBothBackends, randomTensor } from './helpers.ts';

// One training step's loss and every weight gradient of small real models, wasm (our kernels) vs cpu.
const archs = [
  { spec: { type: 'unet', depth: 2, baseWidth: 4 }, size: 32 },
  // ASPP rates 1/2/3 on an 8x8 bottom: dilated convs through tf.layers (fused conv path), squeeze-excite.
  { spec: { type: 'double-unet', depth: 2, baseWidth: 4, baseWidth2: 4, asppRates: [1, 2, 3] }, size: 32 },
  // The shipped architecture: stride-2 and 1x1 convs, depthwise convs, Relu6, the image as a skip. 64²
  // keeps 8 values per channel in the 1/32 batch norms (2 make their gradients chaotic in float32).
  { spec: { type: 'mobilenetv2-unet', decoderChannels: [16, 12, 8, 8, 4] }, size: 64 },
];

for (const { spec, size } of archs) {
  test(`${spec.type}: loss and all weight gradients match the cpu backend`, async () => {
    const arch = architectureSchema.parse(spec);
    const names: string[] = [];
    const res = await onBothBackends(() => {
      const model = buildModel(arch, size, 7);
      const x = randomTensor([2, size, size, 3], 80);
      const y = tf.cast(tf.greater(randomTensor([2, size, size, 1], 81), 0.3), 'float32') as tf.Tensor4D;
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(
        () => softIouLoss(y, model.apply(x, { training: true }) as tf.Tensor4D),
        vars,
      );
      names.splice(0, names.length, ...model.trainableWeights.map((w) => w.originalName));
      const out = [value, ...vars.map((v) => grads[v.name]!)];
      model.dispose();
      return out;
    });
    assert.equal(res.wasm.length, res.cpu.length);
    assertClose(res.wasm[0]!, res.cpu[0]!, 'loss');
    // Some weights (deep in squeeze-excite branches) get gradients 1e-5 times the model's largest, where
    // float32 rounding alone differs by more than 1e-4 of their own size; measure every error against at
    // least 1e-3 of the largest gradient in the model.
    const peak = (d: Float32Array) => d.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const floor = 1e-3 * Math.max(...res.cpu.slice(1).map((g) => peak(g.data)));
    res.cpu.slice(1).forEach((expected, i) => {
      const got = res.wasm[i + 1]!;
      assert.deepEqual(got.shape, expected.shape);
      let diff = 0;
      for (let k = 0; k < expected.data.length; k++)
        diff = Math.max(diff, Math.abs(got.data[k]! - expected.data[k]!));
      const err = diff / Math.max(peak(expected.data), floor);
      assert.ok(err < 1e-4, `d ${names[i]}: error ${err.toExponential(2)} of its scale`);
    });
  });
}
