import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.ts';
import { exportOnnx } from '../../src/export/export-onnx.ts';
import { decodeModel } from '../../src/export/onnx-proto.ts';
import { PolypsegError } from '../../src/errors.ts';
import { opCounts, parity, randomizeWeights } from './parity-helpers.ts';

type Sym = tf.SymbolicTensor;
const L = tf.layers;
const TOL = 1e-4;

function build(shape: number[], body: (x: Sym) => Sym | Sym[]): tf.LayersModel {
  const input = tf.input({ shape });
  const model = tf.model({ inputs: input, outputs: body(input) });
  randomizeWeights(model);
  return model;
}

async function assertParity(model: tf.LayersModel, opts = {}) {
  const { diff, bytes } = await parity(model, opts);
  assert.ok(diff < TOL, `max abs diff ${diff}`);
  return bytes;
}

test('Conv2D: same/valid, strides on odd sizes, dilation, bias, activation', async () => {
  const model = build([9, 11, 3], (x) => {
    const a = L.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(
      x,
    ) as Sym;
    const b = L.conv2d({ filters: 5, kernelSize: [3, 2], padding: 'valid', useBias: false }).apply(a) as Sym;
    const c = L.conv2d({
      filters: 3,
      kernelSize: 3,
      dilationRate: 2,
      padding: 'same',
      activation: 'tanh',
    }).apply(b) as Sym;
    return L.conv2d({ filters: 2, kernelSize: 4, strides: 3, padding: 'same' }).apply(c) as Sym;
  });
  await assertParity(model);
});

test('Conv2DTranspose: k2s2 / k3s2 same, k3s2 / k1s2 valid', async () => {
  const model = build([5, 6, 3], (x) => {
    const a = L.conv2dTranspose({ filters: 4, kernelSize: 2, strides: 2, padding: 'same' }).apply(x) as Sym;
    const b = L.conv2dTranspose({
      filters: 3,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
    }).apply(a) as Sym;
    const c = L.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'valid' }).apply(b) as Sym;
    return L.conv2dTranspose({ filters: 2, kernelSize: 1, strides: 2, padding: 'valid' }).apply(c) as Sym;
  });
  await assertParity(model);
});

test('BatchNormalization after a conv is folded into it; elsewhere it stays a BatchNormalization', async () => {
  const model = build([8, 8, 3], (x) => {
    let y = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(x) as Sym;
    y = L.batchNormalization({ epsilon: 1e-5 }).apply(y) as Sym; // folded
    y = L.activation({ activation: 'relu' }).apply(y) as Sym;
    y = L.conv2dTranspose({ filters: 4, kernelSize: 2, strides: 2, padding: 'same' }).apply(y) as Sym;
    y = L.batchNormalization({ center: false }).apply(y) as Sym; // folded, no beta
    y = L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' }).apply(y) as Sym;
    y = L.batchNormalization({ scale: false }).apply(y) as Sym; // folded, no gamma
    y = L.activation({ activation: 'relu' }).apply(y) as Sym;
    return L.batchNormalization().apply(y) as Sym; // after an activation: not foldable
  });
  const bytes = await assertParity(model);
  const ops = opCounts(bytes);
  assert.equal(ops.BatchNormalization, 1);
  assert.equal(ops.Conv, 2);
  assert.equal(ops.ConvTranspose, 1);
});

test('a conv whose output is also read elsewhere is not folded', async () => {
  const model = build([6, 6, 3], (x) => {
    const c = L.conv2d({ filters: 3, kernelSize: 1 }).apply(x) as Sym;
    const bn = L.batchNormalization().apply(c) as Sym;
    return L.add().apply([c, bn]) as Sym;
  });
  const bytes = await assertParity(model);
  assert.equal(opCounts(bytes).BatchNormalization, 1);
});

test('pooling: max/average same on odd sizes, valid, global average/max', async () => {
  const model = build([7, 9, 3], (x) => {
    const m = L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as Sym;
    const a = L.averagePooling2d({ poolSize: 2, strides: 2, padding: 'same' }).apply(m) as Sym;
    const v = L.maxPooling2d({ poolSize: 2, padding: 'valid' }).apply(x) as Sym;
    const av = L.averagePooling2d({ poolSize: 2, padding: 'valid' }).apply(v) as Sym;
    const gm = L.globalMaxPooling2d({}).apply(av) as Sym;
    const ga = L.globalAveragePooling2d({}).apply(a) as Sym;
    return L.concatenate().apply([ga, gm]) as Sym;
  });
  await assertParity(model);
});

test('squeeze-excite: GlobalAveragePooling2D + Dense + Reshape + Multiply', async () => {
  const model = build([8, 8, 6], (x) => {
    let s = L.globalAveragePooling2d({}).apply(x) as Sym;
    s = L.dense({ units: 3, activation: 'relu' }).apply(s) as Sym;
    s = L.dense({ units: 6, activation: 'sigmoid' }).apply(s) as Sym;
    s = L.reshape({ targetShape: [1, 1, 6] }).apply(s) as Sym;
    return L.multiply().apply([x, s]) as Sym;
  });
  const bytes = await assertParity(model);
  assert.equal(opCounts(bytes).Transpose, 2, 'only the input and output transposes');
});

test('activations: Activation(*), ReLU(maxValue), LeakyReLU, ELU, PReLU, Softmax, ThresholdedReLU', async () => {
  const names = [
    'relu',
    'relu6',
    'sigmoid',
    'tanh',
    'elu',
    'selu',
    'softplus',
    'softsign',
    'hardSigmoid',
    'softmax',
    'swish',
    'mish',
    'gelu',
    'linear',
  ];
  const model = build([4, 5, 3], (x) => {
    const y = L.conv2d({ filters: 3, kernelSize: 1 }).apply(x) as Sym;
    const branches = names.map(
      (activation) => L.activation({ activation: activation as any }).apply(y) as Sym,
    );
    branches.push(L.reLU({ maxValue: 0.3 }).apply(y) as Sym);
    branches.push(L.leakyReLU({ alpha: 0.1 }).apply(y) as Sym);
    branches.push(L.elu({}).apply(y) as Sym);
    branches.push(L.prelu({}).apply(y) as Sym);
    branches.push(L.softmax({ axis: -1 }).apply(y) as Sym);
    branches.push(L.thresholdedReLU({ theta: 0.1 }).apply(y) as Sym);
    return L.concatenate().apply(branches) as Sym;
  });
  await assertParity(model);
});

test('merges, resize, padding, cropping, dropout, flatten + dense', async () => {
  const model = build([6, 6, 4], (x) => {
    const a = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(x) as Sym;
    const sum = L.add().apply([x, a]) as Sym;
    const avg = L.average().apply([x, a, sum]) as Sym;
    const mx = L.maximum().apply([avg, a]) as Sym;
    const mn = L.minimum().apply([mx, x]) as Sym;
    const drop = L.dropout({ rate: 0.5 }).apply(mn) as Sym;
    const near = L.upSampling2d({ size: [2, 3] }).apply(drop) as Sym;
    const bil = L.upSampling2d({ size: [2, 3], interpolation: 'bilinear' }).apply(drop) as Sym;
    const cat = L.concatenate({ axis: 3 }).apply([near, bil]) as Sym;
    const padded = L.zeroPadding2d({
      padding: [
        [1, 2],
        [0, 3],
      ],
    }).apply(cat) as Sym;
    const cropped = L.cropping2D({
      cropping: [
        [2, 1],
        [3, 0],
      ],
    }).apply(padded) as Sym;
    const flat = L.flatten().apply(cropped) as Sym;
    const d = L.dense({ units: 5, activation: 'softmax' }).apply(flat) as Sym;
    return L.batchNormalization().apply(d) as Sym;
  });
  await assertParity(model);
});

test('Dense on a 4-D tensor and concatenation along a spatial axis', async () => {
  const model = build([4, 4, 3], (x) => {
    const d = L.dense({ units: 5 }).apply(x) as Sym;
    const c = L.conv2d({ filters: 5, kernelSize: 1 }).apply(x) as Sym;
    return L.concatenate({ axis: 1 }).apply([d, c]) as Sym;
  });
  await assertParity(model);
});

test('a model used as a layer is inlined (twice, with its own weights)', async () => {
  const innerIn = tf.input({ shape: [6, 6, 3] });
  const c = L.conv2d({ filters: 3, kernelSize: 3, padding: 'same', useBias: false }).apply(innerIn) as Sym;
  const inner = tf.model({ inputs: innerIn, outputs: L.batchNormalization().apply(c) as Sym, name: 'block' });
  const input = tf.input({ shape: [6, 6, 3] });
  const once = inner.apply(input) as Sym;
  const twice = inner.apply(L.activation({ activation: 'relu' }).apply(once) as Sym) as Sym;
  const model = tf.model({ inputs: input, outputs: L.concatenate().apply([once, twice]) as Sym });
  randomizeWeights(inner);
  const bytes = await assertParity(model);
  assert.equal(opCounts(bytes).BatchNormalization ?? 0, 0);
});

test('NCHW input layout: same output, input declared [N, C, H, W]', async () => {
  const model = build(
    [6, 5, 3],
    (x) => L.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'sigmoid' }).apply(x) as Sym,
  );
  const { diff, bytes, dims } = await parity(model, { layout: 'NCHW' });
  assert.ok(diff < TOL);
  assert.deepEqual(dims, [2, 6, 5, 2]);
  const input = decodeModel(bytes).graph.input[0]!;
  assert.deepEqual(
    input.type.tensor_type.shape.dim.map((d) => d.dim_value || d.dim_param),
    ['N', 3, 6, 5],
  );
});

test('opsets 13 and 21 both load and agree', async () => {
  const model = build([8, 8, 3], (x) => {
    const y = L.conv2d({ filters: 2, kernelSize: 3, padding: 'same' }).apply(x) as Sym;
    return L.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }).apply(y) as Sym;
  });
  for (const opset of [13, 21]) await assertParity(model, { opset });
  assert.throws(() => exportOnnx(model, { opset: 9 }), PolypsegError);
});

test('an unsupported layer gives a PolypsegError naming its class and name', () => {
  const input = tf.input({ shape: [4, 4, 3] });
  const out = L.permute({ dims: [2, 1, 3], name: 'swap_axes' }).apply(input) as Sym;
  const model = tf.model({ inputs: input, outputs: out });
  assert.throws(
    () => exportOnnx(model),
    (err: unknown) =>
      err instanceof PolypsegError && /Permute/.test(err.message) && /swap_axes/.test(err.message),
  );
});
