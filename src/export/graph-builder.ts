import { DataType, type AttributeProto, type NodeProto, type TensorProto } from './onnx-proto.ts';

/** A typed attribute value: JS numbers cannot tell ints from floats, so callers say which. */
export type Attr =
  | { type: 'INT'; i: number }
  | { type: 'INTS'; ints: number[] }
  | { type: 'FLOAT'; f: number }
  | { type: 'FLOATS'; floats: number[] }
  | { type: 'STRING'; s: string };

export const int = (i: number): Attr => ({ type: 'INT', i });
export const ints = (values: number[]): Attr => ({ type: 'INTS', ints: values });
export const float = (f: number): Attr => ({ type: 'FLOAT', f });
export const floats = (values: number[]): Attr => ({ type: 'FLOATS', floats: values });
export const str = (s: string): Attr => ({ type: 'STRING', s });

function toAttributeProto(name: string, attr: Attr): AttributeProto {
  if (attr.type === 'STRING') return { name, type: 'STRING', s: new TextEncoder().encode(attr.s) };
  return { name, ...attr };
}

/** Accumulates ONNX nodes and initializers with unique value names. */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly used = new Set<string>();

  /** A fresh value/node name derived from `base` (ONNX names must be unique within a graph). */
  uniqueName(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  /** Reserves an exact name (graph inputs/outputs); throws if it is taken. */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`ONNX name '${name}' is already used`);
    this.used.add(name);
    return name;
  }

  /** Adds one node and returns the names of its outputs. */
  node(
    opType: string,
    inputs: string[],
    attrs: Record<string, Attr> = {},
    opts: { name?: string; outputs?: string[] } = {},
  ): string[] {
    const name = this.uniqueName(opts.name ?? opType);
    const outputs = opts.outputs ?? [name];
    if (opts.outputs) for (const o of outputs) if (o !== name) this.used.add(o);
    this.nodes.push({
      name,
      op_type: opType,
      input: inputs,
      output: outputs,
      attribute: Object.entries(attrs).map(([k, v]) => toAttributeProto(k, v)),
    });
    return outputs;
  }

  /** Single-output convenience for `node`. */
  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, name?: string): string {
    return this.node(opType, inputs, attrs, { name })[0]!;
  }

  floatTensor(base: string, dims: number[], data: Float32Array): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (data.length !== expected)
      throw new Error(`initializer ${base}: ${data.length} values for dims [${dims}]`);
    const name = this.uniqueName(base);
    // raw_data is little-endian; Float32Array bytes are little-endian on every platform Node/browsers run on.
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    this.initializers.push({ name, dims, data_type: DataType.FLOAT, raw_data: raw });
    return name;
  }

  int64Tensor(base: string, values: number[]): string {
    const name = this.uniqueName(base);
    this.initializers.push({ name, dims: [values.length], data_type: DataType.INT64, int64_data: values });
    return name;
  }

  scalarFloat(base: string, value: number): string {
    const name = this.uniqueName(base);
    this.initializers.push({
      name,
      dims: [],
      data_type: DataType.FLOAT,
      raw_data: new Uint8Array(new Float32Array([value]).buffer),
    });
    return name;
  }
}
