import { PolypsegError } from '../errors.ts';

/** One entry of a TF.js weights manifest (model.json `weightsManifest[].weights[]`). */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; min?: number; scale?: number };
}

const BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

function byteLength(spec: WeightSpec): number {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  return count * (spec.quantization ? BYTES[spec.quantization.dtype]! : 4);
}

/**
 * Re-packs a Keras/TF.js model's stored weights for `targets` (our layers' weight specs, in save order):
 * each target `prefix + NAME` takes the source weight `NAME`, byte for byte, quantization included, so
 * the published values are kept exactly (TF.js dequantizes on load). Shapes must match; a target with no
 * source is an error, since a silently random encoder layer would spoil the pretraining.
 */
export function repackWeights(
  targets: readonly WeightSpec[],
  prefix: string,
  sourceSpecs: readonly WeightSpec[],
  sourceData: Uint8Array,
): { specs: WeightSpec[]; data: Uint8Array } {
  const found = new Map<string, { spec: WeightSpec; bytes: Uint8Array }>();
  let offset = 0;
  for (const spec of sourceSpecs) {
    const n = byteLength(spec);
    if (offset + n > sourceData.length)
      throw new PolypsegError(`source weights end before ${spec.name}`, 'MODEL_CORRUPT');
    found.set(spec.name, { spec, bytes: sourceData.subarray(offset, offset + n) });
    offset += n;
  }
  const specs: WeightSpec[] = [];
  const parts: Uint8Array[] = [];
  for (const target of targets) {
    if (!target.name.startsWith(prefix))
      throw new PolypsegError(`weight ${target.name} lacks the prefix ${prefix}`, 'INIT_MISMATCH');
    const source = found.get(target.name.slice(prefix.length));
    if (!source) throw new PolypsegError(`no source weight for ${target.name}`, 'INIT_MISMATCH');
    if (source.spec.shape.join('x') !== target.shape.join('x'))
      throw new PolypsegError(
        `${target.name}: source shape ${source.spec.shape} does not fit ${target.shape}`,
        'INIT_MISMATCH',
      );
    specs.push({ ...source.spec, name: target.name });
    parts.push(source.bytes);
  }
  return { specs, data: Buffer.concat(parts) };
}
