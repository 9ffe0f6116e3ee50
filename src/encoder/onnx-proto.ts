/**
 * Just enough of the ONNX protobuf format (onnx.proto, proto2) to write a model built in memory:
 * a graph of nodes with attributes, float/int64 initialisers as raw little-endian bytes, typed
 * inputs and outputs. Field numbers are onnx.proto's; no decoder is needed because
 * onnxruntime reads the bytes.
 */

/** A protobuf message under construction: fields appended in order. */
class Message {
  private readonly parts: Uint8Array[] = [];

  private tag(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }

  private varint(v: bigint): void {
    // Negative int64s are written as their 64-bit two's complement (10 bytes), as protobuf does.
    let x = v < 0n ? (1n << 64n) + v : v;
    const bytes: number[] = [];
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x > 0n) b |= 0x80;
      bytes.push(b);
    } while (x > 0n);
    this.parts.push(Uint8Array.from(bytes));
  }

  int(field: number, v: number | bigint): this {
    this.tag(field, 0);
    this.varint(BigInt(v));
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.parts.push(b);
    return this;
  }

  bytes(field: number, v: Uint8Array): this {
    this.tag(field, 2);
    this.varint(BigInt(v.length));
    this.parts.push(v);
    return this;
  }

  string(field: number, v: string): this {
    return this.bytes(field, new TextEncoder().encode(v));
  }

  message(field: number, m: Message): this {
    return this.bytes(field, m.finish());
  }

  finish(): Uint8Array {
    const n = this.parts.reduce((s, p) => s + p.length, 0);
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** ONNX TensorProto.DataType values used here. */
export const DType = { FLOAT: 1, INT32: 6, INT64: 7 } as const;

export type Attr = number | number[] | { ints: number[] } | { float: number };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, Attr>;
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array;
}

export interface OnnxValue {
  name: string;
  type: (typeof DType)[keyof typeof DType];
  /** A number is a fixed size, a string a symbolic one (`batch`). */
  dims: Array<number | string>;
}

function tensor(t: OnnxTensor): Message {
  const m = new Message();
  for (const d of t.dims) m.int(1, d);
  m.int(2, t.data instanceof Float32Array ? DType.FLOAT : DType.INT64);
  m.string(8, t.name);
  // raw_data is little-endian; typed arrays are in the host's order, little-endian on x86 and arm.
  return m.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function attribute(name: string, a: Attr): Message {
  const m = new Message().string(1, name);
  if (typeof a === 'number') return m.int(3, a).int(20, 2); // INT
  if (Array.isArray(a) || 'ints' in a) {
    for (const v of Array.isArray(a) ? a : a.ints) m.int(8, v);
    return m.int(20, 7); // INTS
  }
  return m.float(2, a.float).int(20, 1); // FLOAT
}

function valueInfo(v: OnnxValue): Message {
  const shape = new Message();
  for (const d of v.dims) shape.message(1, typeof d === 'number' ? new Message().int(1, d) : new Message().string(2, d));
  const tensorType = new Message().int(1, v.type).message(2, shape);
  return new Message().string(1, v.name).message(2, new Message().message(1, tensorType));
}

/** The bytes of an ONNX model (IR version 8, default domain at `opset`). */
export function encodeModel(g: { name: string; nodes: OnnxNode[]; initializers: OnnxTensor[]; inputs: OnnxValue[]; outputs: OnnxValue[]; opset: number }): Uint8Array {
  const graph = new Message();
  g.nodes.forEach((n, k) => {
    const node = new Message();
    for (const i of n.inputs) node.string(1, i);
    for (const o of n.outputs) node.string(2, o);
    node.string(3, `${n.op}_${k}`).string(4, n.op);
    for (const [name, a] of Object.entries(n.attrs ?? {})) node.message(5, attribute(name, a));
    graph.message(1, node);
  });
  graph.string(2, g.name);
  for (const t of g.initializers) graph.message(5, tensor(t));
  for (const v of g.inputs) graph.message(11, valueInfo(v));
  for (const v of g.outputs) graph.message(12, valueInfo(v));
  return new Message()
    .int(1, 8)
    .string(2, 'moderato')
    .message(7, graph)
    .message(8, new Message().string(1, '').int(2, g.opset))
    .finish();
}
