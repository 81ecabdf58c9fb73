// Named tensors in one file. Two layouts, both read by loadWeights as float32:
//   "BNWT" | u32 headerBytes | header JSON [{name, shape, offset}] | float32 data (offsets in floats, 4-byte aligned)
//   "BNW2" | u32 headerBytes | header JSON [{name, shape, dtype, offset, scales?}] | data
//          (int8 tensors keep their int8 values in memory; `data` dequantises them on each read)
//          dtype "f32": offset in bytes of float32 values; dtype "i8": offset in bytes of int8 values and
//          `scales` the byte offset of float32 scales, one per output column of a [in, out] matrix
//          (one per row for "emb.word", the piece embedding table, whose rows are looked up), value = q * scale.
// int8 storage makes the shipped transformer four times smaller; evaluation measures what it costs.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomicWrite';

export interface NamedArray {
  shape: number[];
  /** Float values (for an int8 tensor: dequantised when read, not kept, so only what is used costs memory). */
  readonly data: Float32Array;
  /** The stored int8 values and scales, for consumers that compute in int8 or keep the table small. */
  readonly quantized?: Quantized;
}

/** A tensor stored as int8 whose float values are computed on each read of `data`. */
function lazyFloat(shape: number[], q: Quantized): NamedArray {
  return {
    shape,
    quantized: q,
    get data() {
      return dequantize(q, shape[0], shape[1]);
    },
  };
}

export interface SaveOptions {
  /** Which 2-D tensors to store as int8 (default: none, the float "BNWT" layout). */
  int8?: (name: string, shape: number[]) => boolean;
}

/** Tensors whose int8 scales run along rows rather than columns (lookup tables). */
const PER_ROW = new Set(['emb.word']);

export interface Quantized {
  values: Int8Array;
  scales: Float32Array;
  perRow: boolean;
}

/** Symmetric int8 of a row-major [rows, columns] matrix, one scale per column (or per row): scale = max |x| / 127. */
export function quantize(data: Float32Array, rows: number, columns: number, perRow: boolean): Quantized {
  const groups = perRow ? rows : columns;
  const scales = new Float32Array(groups);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const g = perRow ? r : c;
      const a = Math.abs(data[r * columns + c]);
      if (a > scales[g]) scales[g] = a;
    }
  }
  for (let g = 0; g < groups; g++) scales[g] = scales[g] / 127 || 1;
  const values = new Int8Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) values[r * columns + c] = Math.round(data[r * columns + c] / scales[perRow ? r : c]);
  }
  return { values, scales, perRow };
}

/** One scale per output column of an [in, out] matrix: each output keeps its own range. */
export function quantizeColumns(data: Float32Array, rows: number, columns: number): Quantized {
  return quantize(data, rows, columns, false);
}

/** float32 values of a quantized [rows, columns] matrix: q * scale. */
export function dequantize(q: Quantized, rows: number, columns: number): Float32Array {
  const out = new Float32Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) out[r * columns + c] = q.values[r * columns + c] * q.scales[q.perRow ? r : c];
  }
  return out;
}

function header(entries: unknown[], align: number): Buffer {
  const json = Buffer.from(JSON.stringify(entries), 'utf8');
  const pad = (align - ((8 + json.length) % align)) % align;
  return Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
}

export function saveWeights(path: string, weights: Map<string, NamedArray>, options: SaveOptions = {}): void {
  for (const [name, { shape, data }] of weights) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new Error(`weights ${name}: shape ${shape} has ${size} values, data ${data.length}`);
  }
  const int8 = options.int8;
  if (!int8) {
    const entries: Array<{ name: string; shape: number[]; offset: number }> = [];
    let offset = 0;
    for (const [name, { shape, data }] of weights) {
      entries.push({ name, shape, offset });
      offset += data.length;
    }
    const head = header(entries, 4);
    const out = Buffer.alloc(8 + head.length + offset * 4);
    out.write('BNWT', 0, 'ascii');
    out.writeUInt32LE(head.length, 4);
    head.copy(out, 8);
    let at = 8 + head.length;
    for (const { data } of weights.values()) {
      Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, at);
      at += data.byteLength;
    }
    writeFileAtomic(path, out);
    return;
  }
  // BNW2: each tensor's bytes 4-byte aligned, offsets in bytes from the start of the data.
  const parts: Buffer[] = [];
  const entries: Array<{ name: string; shape: number[]; dtype: 'f32' | 'i8'; offset: number; scales?: number }> = [];
  let offset = 0;
  const push = (bytes: Buffer) => {
    const at = offset;
    const pad = (4 - (bytes.length % 4)) % 4;
    parts.push(bytes, Buffer.alloc(pad));
    offset += bytes.length + pad;
    return at;
  };
  for (const [name, { shape, data }] of weights) {
    if (shape.length === 2 && int8(name, shape)) {
      const q = quantize(data, shape[0], shape[1], PER_ROW.has(name));
      const valuesAt = push(Buffer.from(q.values.buffer, q.values.byteOffset, q.values.byteLength));
      const scalesAt = push(Buffer.from(q.scales.buffer, q.scales.byteOffset, q.scales.byteLength));
      entries.push({ name, shape, dtype: 'i8', offset: valuesAt, scales: scalesAt });
    } else {
      entries.push({ name, shape, dtype: 'f32', offset: push(Buffer.from(data.buffer, data.byteOffset, data.byteLength)) });
    }
  }
  const head = header(entries, 4);
  const prefix = Buffer.alloc(8);
  prefix.write('BNW2', 0, 'ascii');
  prefix.writeUInt32LE(head.length, 4);
  writeFileAtomic(path, Buffer.concat([prefix, head, ...parts]));
}

function parseHeader<T>(buf: Buffer, path: string): { entries: T[]; start: number } {
  if (buf.length < 8) throw new Error(`${path}: truncated weights file (${buf.length} bytes)`);
  const headerBytes = buf.readUInt32LE(4);
  if (8 + headerBytes > buf.length) throw new Error(`${path}: truncated weights file (header of ${headerBytes} bytes)`);
  try {
    return { entries: JSON.parse(buf.toString('utf8', 8, 8 + headerBytes)) as T[], start: 8 + headerBytes };
  } catch (error) {
    throw new Error(`${path}: unreadable weights header (${(error as Error).message})`);
  }
}

export function loadWeights(path: string): Map<string, NamedArray> {
  const buf = readFileSync(path);
  const magic = buf.toString('ascii', 0, 4);
  if (magic === 'BNWT') {
    const { entries, start } = parseHeader<{ name: string; shape: number[]; offset: number }>(buf, path);
    const all = new Float32Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length - ((buf.length - start) % 4)));
    const weights = new Map<string, NamedArray>();
    for (const { name, shape, offset } of entries) {
      const size = shape.reduce((a, b) => a * b, 1);
      if (offset + size > all.length) throw new Error(`${path}: tensor ${name} runs past the end of the file`);
      weights.set(name, { shape, data: all.subarray(offset, offset + size) });
    }
    return weights;
  }
  if (magic === 'BNW2') {
    const { entries, start } = parseHeader<{ name: string; shape: number[]; dtype: 'f32' | 'i8'; offset: number; scales?: number }>(buf, path);
    const data = buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length);
    const weights = new Map<string, NamedArray>();
    for (const { name, shape, dtype, offset, scales } of entries) {
      if (dtype !== 'f32' && dtype !== 'i8') throw new Error(`${path}: tensor ${name} has an unknown dtype ${String(dtype)}`);
      const size = shape.reduce((a, b) => a * b, 1);
      const bytes = dtype === 'i8' ? size : size * 4;
      if (offset + bytes > data.byteLength) throw new Error(`${path}: tensor ${name} runs past the end of the file`);
      if (dtype === 'f32') {
        weights.set(name, { shape, data: new Float32Array(data, offset, size) });
        continue;
      }
      const perRow = PER_ROW.has(name);
      const groups = perRow ? shape[0] : shape[1];
      if (shape.length !== 2 || scales === undefined || scales + groups * 4 > data.byteLength) throw new Error(`${path}: int8 tensor ${name} lacks its scales`);
      const q = { values: new Int8Array(data, offset, size), scales: new Float32Array(data, scales, groups), perRow };
      weights.set(name, lazyFloat(shape, q));
    }
    return weights;
  }
  throw new Error(`${path}: not a BANER weights file`);
}
