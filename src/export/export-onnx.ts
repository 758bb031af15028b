import type { tf } from '../engine/tf.ts';
import { PolypsegError } from '../errors.ts';
import { ConversionGraph, unsupported, type LayerCall, type Value } from './context.ts';
import { converters, foldableConvs } from './converters/index.ts';
import { batchNormAffine, normalisesChannels } from './converters/normalization.ts';
import { encodeModel, DataType, type ValueInfoProto } from './onnx-proto.ts';
import { ints } from './graph-builder.ts';

export interface ExportOptions {
  /** ONNX opset, 13..21 (default 17) */
  opset?: number;
  /**
   * Layout of the graph input. 'NHWC' (default) takes the same [N, H, W, C] float32 tensor as the
   * TF.js model and transposes to NCHW inside; 'NCHW' takes [N, C, H, W] directly. Either way the
   * output `probabilities` is [N, H, W, K], like the TF.js model.
   */
  layout?: 'NHWC' | 'NCHW';
}

export const DEFAULT_OPSET = 17;
export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'probabilities';

type Symbolic = tf.SymbolicTensor;
type KerasNode = { inputTensors: Symbolic[]; outputTensors: Symbolic[] };

/** One (possibly nested) functional graph being converted: Keras tensor id -> ONNX value. */
interface Scope {
  prefix: string;
  values: Map<number, Value>;
  /** how many layer calls (plus graph outputs) read each Keras tensor */
  consumers: Map<number, number>;
}

/** A model used as a layer (functional or Sequential). Structural, so this module needs no TF.js runtime. */
const isContainer = (layer: tf.layers.Layer): layer is tf.LayersModel =>
  'outputs' in layer && 'inputs' in layer && Array.isArray((layer as any).layers);

function producer(t: Symbolic): KerasNode {
  return t.sourceLayer.inboundNodes[t.nodeIndex] as unknown as KerasNode;
}

function countConsumers(outputs: Symbolic[]): Map<number, number> {
  const counts = new Map<number, number>();
  const seen = new Set<string>();
  const bump = (t: Symbolic) => counts.set(t.id, (counts.get(t.id) ?? 0) + 1);
  const walk = (t: Symbolic): void => {
    const key = `${t.sourceLayer.name}#${t.nodeIndex}`;
    if (seen.has(key)) return;
    seen.add(key);
    for (const input of producer(t).inputTensors) {
      bump(input);
      walk(input);
    }
  };
  for (const o of outputs) {
    bump(o);
    walk(o);
  }
  return counts;
}

class KerasToOnnx {
  constructor(readonly graph: ConversionGraph) {}

  value(t: Symbolic, scope: Scope): Value {
    const known = scope.values.get(t.id);
    if (known) return known;
    const layer = t.sourceLayer;
    if (layer.getClassName() === 'InputLayer') throw new Error(`graph input '${layer.name}' is not bound`);
    const node = producer(t);
    const outputs = this.emit(layer, t.nodeIndex, node, scope);
    node.outputTensors.forEach((o, i) => scope.values.set(o.id, outputs[i]!));
    return scope.values.get(t.id)!;
  }

  private emit(layer: tf.layers.Layer, nodeIndex: number, node: KerasNode, scope: Scope): Value[] {
    const name = `${scope.prefix}${layer.name}${nodeIndex > 0 ? `_${nodeIndex}` : ''}`;
    if (isContainer(layer)) return this.inline(layer, node, scope, name);
    const className = layer.getClassName();
    const outputShapes = node.outputTensors.map((o) => o.shape as Array<number | null>);
    if (className === 'BatchNormalization') {
      const folded = this.foldedConv(layer, node, scope, outputShapes);
      if (folded) return folded;
    }
    const converter = converters[className];
    const call: LayerCall = {
      layer,
      className,
      config: layer.getConfig() as Record<string, any>,
      inputs: node.inputTensors.map((t) => this.value(t, scope)),
      outputShapes,
      name,
      graph: this.graph,
    };
    if (!converter) throw unsupported(call, 'no ONNX mapping for this layer type');
    return converter(call);
  }

  /** Conv -> BatchNormalization with nothing else reading the conv output: one conv with folded weights. */
  private foldedConv(
    bn: tf.layers.Layer,
    node: KerasNode,
    scope: Scope,
    outputShapes: Array<Array<number | null>>,
  ): Value[] | undefined {
    const src = node.inputTensors[0]!;
    const conv = src.sourceLayer;
    const config = conv.getConfig() as Record<string, any>;
    const foldable =
      foldableConvs.has(conv.getClassName()) &&
      !isContainer(conv) &&
      (config.activation ?? 'linear') === 'linear' &&
      scope.consumers.get(src.id) === 1 &&
      !scope.values.has(src.id) &&
      src.shape.length === 4 &&
      normalisesChannels(bn, 4);
    if (!foldable) return undefined;
    const convNode = producer(src);
    return converters[conv.getClassName()]!({
      layer: conv,
      className: conv.getClassName(),
      config,
      inputs: convNode.inputTensors.map((t) => this.value(t, scope)),
      outputShapes,
      name: `${scope.prefix}${conv.name}${src.nodeIndex > 0 ? `_${src.nodeIndex}` : ''}`,
      graph: this.graph,
      fold: batchNormAffine(bn),
    });
  }

  /** A model used as a layer: convert its inner graph with its inputs bound to this call's inputs. */
  private inline(model: tf.LayersModel, node: KerasNode, scope: Scope, name: string): Value[] {
    const inputs = node.inputTensors.map((t) => this.value(t, scope));
    const inner: Scope = { prefix: `${name}/`, values: new Map(), consumers: countConsumers(model.outputs) };
    model.inputs.forEach((t, i) => inner.values.set(t.id, inputs[i]!));
    return model.outputs.map((o) => this.value(o, inner));
  }
}

function valueInfo(name: string, dims: Array<number | null>): ValueInfoProto {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: DataType.FLOAT,
        shape: {
          dim: dims.map((d, i) => (d === null ? { dim_param: i === 0 ? 'N' : `d${i}` } : { dim_value: d })),
        },
      },
    },
  };
}

function irVersionFor(opset: number): number {
  return opset <= 14 ? 7 : opset <= 18 ? 8 : opset <= 20 ? 9 : 10;
}

/**
 * Converts a TF.js LayersModel to ONNX bytes. The graph runs in NCHW internally (what ORT's
 * optimised conv kernels use); BatchNormalization directly after a conv is folded into it.
 * Throws PolypsegError(code 'EXPORT_UNSUPPORTED') naming the first layer it cannot map.
 */
export function exportOnnx(model: tf.LayersModel, opts: ExportOptions = {}): Uint8Array {
  const opset = opts.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < 13 || opset > 21)
    throw new PolypsegError(`ONNX opset ${opset} is not supported (use 13..21)`, 'EXPORT_OPSET');
  const layout = opts.layout ?? 'NHWC';
  if (layout !== 'NHWC' && layout !== 'NCHW')
    throw new PolypsegError(`unknown layout '${layout}' (NHWC or NCHW)`);

  const graph = new ConversionGraph(opset);
  const converter = new KerasToOnnx(graph);
  const scope: Scope = { prefix: '', values: new Map(), consumers: countConsumers(model.outputs) };

  const inputs = model.inputs.map((t, i) => {
    const name = graph.reserve(i === 0 ? INPUT_NAME : `${INPUT_NAME}_${i}`);
    const shape = t.shape as Array<number | null>;
    const nchw = layout === 'NCHW' && shape.length === 4;
    scope.values.set(t.id, { name, layout: nchw ? 'nchw' : 'keras', shape });
    return valueInfo(name, nchw ? [shape[0]!, shape[3]!, shape[1]!, shape[2]!] : shape);
  });

  const results = model.outputs.map((t) => converter.value(t, scope));
  const outputs = results.map((v, i) => {
    const name = graph.reserve(i === 0 ? OUTPUT_NAME : `${OUTPUT_NAME}_${i}`);
    // Outputs always leave in Keras order ([N, H, W, K]); the last Transpose writes the name directly.
    if (v.layout === 'nchw')
      graph.node('Transpose', [v.name], { perm: ints([0, 2, 3, 1]) }, { outputs: [name] });
    else graph.node('Identity', [v.name], {}, { outputs: [name] });
    return valueInfo(name, v.shape);
  });

  return encodeModel({
    ir_version: irVersionFor(opset),
    opset_import: [{ domain: '', version: opset }],
    producer_name: 'polypseg',
    producer_version: '0.1.0',
    graph: {
      name: model.name,
      node: graph.nodes,
      initializer: graph.initializers,
      input: inputs,
      output: outputs,
    },
    metadata_props: [
      { key: 'polypseg.input_layout', value: layout },
      { key: 'polypseg.output', value: 'sigmoid probabilities [N, H, W, K]; the mask is the last channel' },
    ],
  });
}
