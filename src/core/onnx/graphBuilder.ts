// Builds an ONNX ModelProto from plain JS so models trained with TensorFlow.js can be exported
// and served by onnxruntime without any Python tooling in the loop.
import { onnx } from 'onnx-proto';

/** Element types allowed for graph inputs and outputs (uint8 / int32: integer products, MatMulInteger). */
export type GraphElemType = 'float' | 'int64' | 'uint8' | 'int32';

/** A tensor dimension: a fixed size, or a symbolic name (e.g. 'batch') for a size known only at run time. */
export type GraphDim = number | string;

/** A float attribute; wrapped because a bare number is read as an int attribute. */
export interface FloatAttribute {
  float: number;
}

/** A list-of-floats attribute; wrapped because a bare number[] is read as an ints attribute. */
export interface FloatsAttribute {
  floats: number[];
}

/**
 * Attribute values of a node: number -> int, number[] -> ints, string -> string,
 * { float } -> float, { floats } -> floats.
 */
export type AttributeValue = number | number[] | string | FloatAttribute | FloatsAttribute;

/** Typed arrays that map directly onto an ONNX tensor data type. */
export type InitializerData = Float32Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;

const OPSET_VERSION = 17;
const IR_VERSION = 8;
const PRODUCER_NAME = 'baner';

const DataType = onnx.TensorProto.DataType;
const AttributeType = onnx.AttributeProto.AttributeType;

const ELEM_TYPE_CODES: Record<GraphElemType, onnx.TensorProto.DataType> = {
  float: DataType.FLOAT,
  int64: DataType.INT64,
  uint8: DataType.UINT8,
  int32: DataType.INT32,
};

// raw_data is defined as little-endian; typed arrays use the host order, so swap only on big-endian hosts.
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function littleEndianBytes(data: ArrayBufferView & { BYTES_PER_ELEMENT: number }): Uint8Array {
  // Copy so later mutation of the caller's array cannot change the serialized model.
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  const width = data.BYTES_PER_ELEMENT;
  if (!HOST_IS_LITTLE_ENDIAN && width > 1) {
    for (let start = 0; start < bytes.length; start += width) {
      bytes.subarray(start, start + width).reverse();
    }
  }
  return bytes;
}

function dataTypeOf(data: InitializerData): onnx.TensorProto.DataType {
  if (data instanceof Float32Array) return DataType.FLOAT;
  if (data instanceof BigInt64Array) return DataType.INT64;
  if (data instanceof Int32Array) return DataType.INT32;
  if (data instanceof Uint8Array) return DataType.UINT8;
  return DataType.INT8;
}

function elementCount(dims: readonly number[]): number {
  return dims.reduce((count, dim) => count * dim, 1);
}

function toAttributeProto(name: string, value: AttributeValue): onnx.IAttributeProto {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) {
      throw new Error(`Attribute "${name}" is a non-integer number; wrap it as { float: ${value} }.`);
    }
    return { name, type: AttributeType.INT, i: value };
  }
  if (typeof value === 'string') {
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  }
  if (Array.isArray(value)) {
    if (!value.every(Number.isInteger)) {
      throw new Error(`Attribute "${name}" has non-integer entries; wrap it as { floats: [...] }.`);
    }
    return { name, type: AttributeType.INTS, ints: value };
  }
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  return { name, type: AttributeType.FLOATS, floats: value.floats };
}

function valueInfo(name: string, elemType: GraphElemType, dims: readonly GraphDim[]): onnx.IValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: ELEM_TYPE_CODES[elemType], shape: { dim } } } };
}

/**
 * Accumulates inputs, initializers, nodes and outputs of one graph and serializes them as an
 * opset-17 ModelProto. Tensor names must be unique in ONNX (graphs are in SSA form), so every
 * defined name is tracked and a second definition fails fast instead of producing a model ORT
 * rejects later.
 */
export class OnnxGraphBuilder {
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly nodes: onnx.INodeProto[] = [];
  /** Names already produced by an input, initializer or node output. */
  private readonly definedNames = new Set<string>();
  /** Names handed out by uniqueName() that the caller has not defined yet. */
  private readonly reservedNames = new Set<string>();
  private readonly nameCounters = new Map<string, number>();
  /** Operator domains used besides the default one (onnxruntime's com.microsoft contrib ops, version 1). */
  private readonly extraDomains = new Set<string>();

  constructor(private readonly graphName = 'baner') {}

  /**
   * Returns `hint_N` with the first N not yet used, and reserves it. Generated names always carry
   * the suffix so they cannot take a plain name (such as an output called "logits") that the
   * caller defines later.
   */
  uniqueName(hint: string): string {
    let counter = this.nameCounters.get(hint) ?? 0;
    let name = `${hint}_${counter}`;
    while (this.definedNames.has(name) || this.reservedNames.has(name)) {
      counter += 1;
      name = `${hint}_${counter}`;
    }
    this.nameCounters.set(hint, counter + 1);
    this.reservedNames.add(name);
    return name;
  }

  /** Declares a graph input; string dims are symbolic and may differ between runs. */
  input(name: string, elemType: GraphElemType, dims: GraphDim[]): string {
    this.define(name);
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Declares a graph output; `name` must be produced by a node (use Identity to rename). */
  output(name: string, elemType: GraphElemType, dims: GraphDim[]): string {
    this.outputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Adds a constant tensor (float32, int64, int32, int8 or uint8) stored as little-endian raw_data. */
  initializer(name: string, data: InitializerData, dims: number[]): string {
    return this.addInitializer(name, dataTypeOf(data), littleEndianBytes(data), data.length, dims);
  }

  /** Adds a float16 constant from raw IEEE half-precision bits (Cast it to float before use). */
  initializerFloat16(name: string, bits: Uint16Array, dims: number[]): string {
    return this.addInitializer(name, DataType.FLOAT16, littleEndianBytes(bits), bits.length, dims);
  }

  /** Adds an int8 constant; same as initializer() with an Int8Array, named for symmetry with float16. */
  initializerInt8(name: string, data: Int8Array, dims: number[]): string {
    return this.initializer(name, data, dims);
  }

  /** Adds a float32 constant under a generated name; a bare number becomes a scalar (dims []). */
  constFloat(values: number | number[], dims?: number[], hint = 'const_f'): string {
    const data = Float32Array.from(typeof values === 'number' ? [values] : values);
    const shape = dims ?? (typeof values === 'number' ? [] : [data.length]);
    return this.initializer(this.uniqueName(hint), data, shape);
  }

  /** Adds a 1-D int64 constant under a generated name; shape-like op inputs (axes, pads, starts) must be int64. */
  constInt64(values: Array<number | bigint>, hint = 'const_i'): string {
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    return this.initializer(this.uniqueName(hint), data, [data.length]);
  }

  /** Appends a node; an empty string in `inputs`/`outputs` marks an omitted optional one. Returns `outputs`. */
  node(opType: string, inputs: string[], outputs: string[], attributes: Record<string, AttributeValue> = {}, domain = ''): string[] {
    // '' marks an omitted optional output (e.g. Dropout's mask) and defines nothing.
    for (const output of outputs) if (output !== '') this.define(output);
    if (domain !== '') this.extraDomains.add(domain);
    this.nodes.push({
      // Node names live in their own namespace; the running index keeps them unique.
      name: `${opType}_${this.nodes.length}`,
      opType,
      ...(domain !== '' ? { domain } : {}),
      input: inputs,
      output: outputs,
      attribute: Object.entries(attributes).map(([name, value]) => toAttributeProto(name, value)),
    });
    return outputs;
  }

  /** Appends a single-output node whose output gets a generated name; returns that name. */
  apply(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, domain = ''): string {
    return this.node(opType, inputs, [this.uniqueName(opType.toLowerCase())], attributes, domain)[0];
  }

  /** Builds the ModelProto message (useful for inspection); toBytes() serializes it. */
  toModelProto(): onnx.ModelProto {
    return onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: PRODUCER_NAME,
      opsetImport: [{ domain: '', version: OPSET_VERSION }, ...[...this.extraDomains].map((domain) => ({ domain, version: 1 }))],
      graph: {
        name: this.graphName,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
        node: this.nodes,
      },
    });
  }

  /** Serializes the model to the bytes onnxruntime's InferenceSession.create() accepts. */
  toBytes(): Uint8Array {
    return onnx.ModelProto.encode(this.toModelProto()).finish();
  }

  private addInitializer(
    name: string,
    dataType: onnx.TensorProto.DataType,
    rawData: Uint8Array,
    length: number,
    dims: number[],
  ): string {
    if (elementCount(dims) !== length) {
      throw new Error(`Initializer "${name}": dims [${dims}] hold ${elementCount(dims)} values, data has ${length}.`);
    }
    this.define(name);
    this.initializers.push({ name, dataType, dims, rawData });
    return name;
  }

  private define(name: string): void {
    if (this.definedNames.has(name)) throw new Error(`Tensor name "${name}" is already defined in this graph.`);
    this.reservedNames.delete(name);
    this.definedNames.add(name);
  }
}
