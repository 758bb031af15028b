import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

/** Plain-object shapes of the ONNX messages we write (snake_case, as in onnx.proto3). */
export type AttributeType = 'FLOAT' | 'INT' | 'STRING' | 'TENSOR' | 'FLOATS' | 'INTS' | 'STRINGS';

export interface TensorProto {
  name: string;
  dims: number[];
  data_type: number;
  raw_data?: Uint8Array;
  int64_data?: number[];
  float_data?: number[];
}

export interface AttributeProto {
  name: string;
  type: AttributeType;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

export interface NodeProto {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute: AttributeProto[];
  domain?: string;
}

export interface ValueInfoProto {
  name: string;
  type: {
    tensor_type: { elem_type: number; shape: { dim: Array<{ dim_value?: number; dim_param?: string }> } };
  };
  doc_string?: string;
}

export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  doc_string?: string;
}

export interface ModelProto {
  ir_version: number;
  opset_import: Array<{ domain: string; version: number }>;
  producer_name: string;
  producer_version: string;
  doc_string?: string;
  graph: GraphProto;
  metadata_props?: Array<{ key: string; value: string }>;
}

/** onnx TensorProto.DataType values we use. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;

let modelType: protobuf.Type | undefined;

/** The ModelProto message type, parsed once from onnx-subset.proto (keeping ONNX's snake_case names). */
function modelProtoType(): protobuf.Type {
  if (!modelType) {
    const source = readFileSync(new URL('./onnx-subset.proto', import.meta.url), 'utf8');
    const { root } = protobuf.parse(source, { keepCase: true });
    modelType = root.lookupType('onnx.ModelProto');
  }
  return modelType;
}

export function encodeModel(model: ModelProto): Uint8Array {
  const type = modelProtoType();
  return type.encode(type.fromObject(model)).finish();
}

/** Decodes bytes written by encodeModel (or any ONNX file; unknown fields are dropped). */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const type = modelProtoType();
  return type.toObject(type.decode(bytes), {
    longs: Number,
    enums: String,
    bytes: Uint8Array,
    defaults: true,
    arrays: true,
  }) as ModelProto;
}
