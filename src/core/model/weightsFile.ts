// Named float32 tensors in one file: "BNWT" | u32 headerBytes | header JSON | f32 data (4-byte aligned).
// The header lists {name, shape, offset} with offsets in floats from the start of the data.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomicWrite';

export interface NamedArray {
  shape: number[];
  data: Float32Array;
}

export function saveWeights(path: string, weights: Map<string, NamedArray>): void {
  const entries: Array<{ name: string; shape: number[]; offset: number }> = [];
  let offset = 0;
  for (const [name, { shape, data }] of weights) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new Error(`weights ${name}: shape ${shape} has ${size} values, data ${data.length}`);
    entries.push({ name, shape, offset });
    offset += size;
  }
  let header = Buffer.from(JSON.stringify(entries), 'utf8');
  const pad = (4 - ((8 + header.length) % 4)) % 4;
  header = Buffer.concat([header, Buffer.alloc(pad, 0x20)]);
  const out = Buffer.alloc(8 + header.length + offset * 4);
  out.write('BNWT', 0, 'ascii');
  out.writeUInt32LE(header.length, 4);
  header.copy(out, 8);
  let at = 8 + header.length;
  for (const { data } of weights.values()) {
    Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, at);
    at += data.byteLength;
  }
  writeFileAtomic(path, out);
}

export function loadWeights(path: string): Map<string, NamedArray> {
  const buf = readFileSync(path);
  if (buf.toString('ascii', 0, 4) !== 'BNWT') throw new Error(`${path}: not a BANER weights file`);
  const headerBytes = buf.readUInt32LE(4);
  const entries = JSON.parse(buf.toString('utf8', 8, 8 + headerBytes)) as Array<{ name: string; shape: number[]; offset: number }>;
  const start = 8 + headerBytes;
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length));
  const weights = new Map<string, NamedArray>();
  for (const { name, shape, offset } of entries) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (offset + size > all.length) throw new Error(`${path}: tensor ${name} runs past the end of the file`);
    weights.set(name, { shape, data: all.subarray(offset, offset + size) });
  }
  return weights;
}
