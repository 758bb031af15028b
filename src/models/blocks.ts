import { tf } from '../engine/tf.ts';

type Sym = tf.SymbolicTensor;

/** Names every layer uniquely inside one model, so weights map back after save/load and across builds. */
export class LayerNamer {
  private readonly counts = new Map<string, number>();
  private seeds = 0;
  /** `seed` makes weight initialisation reproducible: each layer gets a distinct seed derived from it. */
  constructor(
    private readonly prefix: string,
    private readonly seed?: number,
  ) {}

  /** He-normal initialiser, seeded when the namer is. */
  heNormal(): ReturnType<typeof tf.initializers.heNormal> {
    return tf.initializers.heNormal({ seed: this.nextSeed() });
  }

  glorotUniform(): ReturnType<typeof tf.initializers.heNormal> {
    return tf.initializers.glorotUniform({ seed: this.nextSeed() });
  }

  private nextSeed(): number | undefined {
    if (this.seed === undefined) return undefined;
    let h = this.seed ^ 0x9e3779b9;
    for (const ch of this.prefix) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
    return ((h ^ (++this.seeds * 0x85ebca6b)) >>> 0) % 2147483647;
  }

  /** A namer for another part of the same model, sharing the seed. */
  child(prefix: string): LayerNamer {
    return new LayerNamer(prefix, this.seed);
  }

  next(kind: string): string {
    const n = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, n);
    return `${this.prefix}${kind}${n}`;
  }
}

export interface BlockOptions {
  batchNorm?: boolean;
  dropout?: number;
  dilation?: number;
  kernelSize?: number;
}

/** conv → (BN) → ReLU. The conv has no bias when BN follows, since BN's beta replaces it. */
export function convBnRelu(x: Sym, filters: number, name: LayerNamer, opts: BlockOptions = {}): Sym {
  const bn = opts.batchNorm ?? true;
  let y = tf.layers
    .conv2d({
      filters,
      kernelSize: opts.kernelSize ?? 3,
      padding: 'same',
      dilationRate: opts.dilation ?? 1,
      useBias: !bn,
      kernelInitializer: name.heNormal(),
      name: name.next('conv'),
    })
    .apply(x) as Sym;
  if (bn)
    y = tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: name.next('bn') }).apply(y) as Sym;
  return tf.layers.activation({ activation: 'relu', name: name.next('relu') }).apply(y) as Sym;
}

/** Two 3x3 conv-BN-ReLU layers, the UNet stage; optional dropout between them. */
export function doubleConv(x: Sym, filters: number, name: LayerNamer, opts: BlockOptions = {}): Sym {
  let y = convBnRelu(x, filters, name, opts);
  if (opts.dropout && opts.dropout > 0) {
    y = tf.layers.dropout({ rate: opts.dropout, name: name.next('dropout') }).apply(y) as Sym;
  }
  return convBnRelu(y, filters, name, opts);
}

export function maxPool(x: Sym, name: LayerNamer): Sym {
  return tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: name.next('pool') }).apply(x) as Sym;
}

/** 2x2 stride-2 transposed conv: learned upsampling by exactly 2. */
export function upConv(x: Sym, filters: number, name: LayerNamer): Sym {
  return tf.layers
    .conv2dTranspose({
      filters,
      kernelSize: 2,
      strides: 2,
      padding: 'same',
      kernelInitializer: name.heNormal(),
      name: name.next('up'),
    })
    .apply(x) as Sym;
}

export function concat(xs: Sym[], name: LayerNamer): Sym {
  return tf.layers.concatenate({ axis: -1, name: name.next('concat') }).apply(xs) as Sym;
}

/** Squeeze-and-excite (Hu et al. 2018): channel weights from global context. */
export function squeezeExcite(x: Sym, name: LayerNamer, ratio = 8): Sym {
  const channels = x.shape[x.shape.length - 1] as number;
  const hidden = Math.max(1, Math.floor(channels / ratio));
  let s = tf.layers.globalAveragePooling2d({ name: name.next('se_pool') }).apply(x) as Sym;
  s = tf.layers
    .dense({
      units: hidden,
      activation: 'relu',
      kernelInitializer: name.heNormal(),
      name: name.next('se_fc'),
    })
    .apply(s) as Sym;
  s = tf.layers
    .dense({
      units: channels,
      activation: 'sigmoid',
      kernelInitializer: name.glorotUniform(),
      name: name.next('se_fc'),
    })
    .apply(s) as Sym;
  s = tf.layers.reshape({ targetShape: [1, 1, channels], name: name.next('se_reshape') }).apply(s) as Sym;
  return tf.layers.multiply({ name: name.next('se_scale') }).apply([x, s]) as Sym;
}

/**
 * Atrous spatial pyramid pooling (DeepLab v3) without the image-pooling branch: parallel 1x1 and dilated
 * 3x3 convs, concatenated and fused by a 1x1 conv. Rates larger than the feature map only see padding, so
 * they are dropped.
 */
export function aspp(x: Sym, filters: number, rates: number[], name: LayerNamer): Sym {
  const size = Math.min(x.shape[1] as number, x.shape[2] as number);
  const usable = rates.filter((r) => r === 1 || r < size);
  const branches = usable.map((rate) =>
    convBnRelu(x, filters, name, { kernelSize: rate === 1 ? 1 : 3, dilation: rate }),
  );
  const merged = branches.length > 1 ? concat(branches, name) : branches[0]!;
  return convBnRelu(merged, filters, name, { kernelSize: 1 });
}

/** 1x1 conv + sigmoid: per-pixel polyp probability. */
export function maskHead(x: Sym, name: LayerNamer): Sym {
  return tf.layers
    .conv2d({
      filters: 1,
      kernelSize: 1,
      activation: 'sigmoid',
      kernelInitializer: name.glorotUniform(),
      name: name.next('head'),
    })
    .apply(x) as Sym;
}
