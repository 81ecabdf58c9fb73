// Frozen word vectors, stored compactly: int8 values with one float32 scale per row.
// File layout of word-vectors.bin (little-endian):
//   "BNWV" | u32 version=1 | u32 rows | u32 dims | f32 scales[rows] | i8 values[rows*dims]
// The vocabulary is word-vocab.txt, one lowercase word per line, line i = row i.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const MAGIC = 'BNWV';
const HEADER_BYTES = 16;

export interface QuantizedVectors {
  rows: number;
  dims: number;
  scales: Float32Array; // [rows]
  values: Int8Array; // [rows * dims]
}

export class WordVectors {
  private readonly rowOfWord: Map<string, number>;

  constructor(
    readonly words: string[],
    readonly table: QuantizedVectors,
  ) {
    if (words.length !== table.rows) {
      throw new Error(`word vectors: ${words.length} words but ${table.rows} vector rows`);
    }
    this.rowOfWord = new Map(words.map((w, i) => [w, i]));
  }

  get dims(): number {
    return this.table.dims;
  }

  /** Row of a token's vector, or -1 when the word is unknown. Vectors are lowercase-keyed. */
  rowOf(token: string): number {
    const lower = token.toLowerCase();
    const row = this.rowOfWord.get(lower);
    if (row !== undefined) return row;
    // Hyphenated compounds missing from the table fall back to their last part ("Anglo-Dutch" -> "dutch").
    const dash = lower.lastIndexOf('-');
    if (dash > 0 && dash < lower.length - 1) return this.rowOfWord.get(lower.slice(dash + 1)) ?? -1;
    return -1;
  }

  /** Writes the dequantised vector of `row` into out[offset..offset+dims); zeros for row -1. */
  write(row: number, out: Float32Array, offset: number): void {
    const { dims, scales, values } = this.table;
    if (row < 0) {
      out.fill(0, offset, offset + dims);
      return;
    }
    const scale = scales[row];
    const base = row * dims;
    for (let d = 0; d < dims; d++) out[offset + d] = values[base + d] * scale;
  }

  static load(dir: string): WordVectors {
    const words = readFileSync(join(dir, 'word-vocab.txt'), 'utf8').split('\n');
    if (words[words.length - 1] === '') words.pop();
    return new WordVectors(words, decodeVectors(readFileSync(join(dir, 'word-vectors.bin'))));
  }
}

export function quantizeRows(vectors: Float32Array, rows: number, dims: number): QuantizedVectors {
  const scales = new Float32Array(rows);
  const values = new Int8Array(rows * dims);
  for (let r = 0; r < rows; r++) {
    let maxAbs = 0;
    for (let d = 0; d < dims; d++) maxAbs = Math.max(maxAbs, Math.abs(vectors[r * dims + d]));
    const scale = maxAbs > 0 ? maxAbs / 127 : 1;
    scales[r] = scale;
    for (let d = 0; d < dims; d++) values[r * dims + d] = Math.round(vectors[r * dims + d] / scale);
  }
  return { rows, dims, scales, values };
}

export function encodeVectors(table: QuantizedVectors): Buffer {
  const buf = Buffer.alloc(HEADER_BYTES + table.rows * 4 + table.rows * table.dims);
  buf.write(MAGIC, 0, 'ascii');
  buf.writeUInt32LE(1, 4);
  buf.writeUInt32LE(table.rows, 8);
  buf.writeUInt32LE(table.dims, 12);
  Buffer.from(table.scales.buffer, table.scales.byteOffset, table.scales.byteLength).copy(buf, HEADER_BYTES);
  Buffer.from(table.values.buffer, table.values.byteOffset, table.values.byteLength).copy(buf, HEADER_BYTES + table.rows * 4);
  return buf;
}

export function decodeVectors(buf: Buffer): QuantizedVectors {
  if (buf.length < HEADER_BYTES || buf.toString('ascii', 0, 4) !== MAGIC) {
    throw new Error('word-vectors.bin: not a BANER word-vector file (bad magic)');
  }
  const version = buf.readUInt32LE(4);
  if (version !== 1) throw new Error(`word-vectors.bin: unsupported version ${version}`);
  const rows = buf.readUInt32LE(8);
  const dims = buf.readUInt32LE(12);
  const expected = HEADER_BYTES + rows * 4 + rows * dims;
  if (buf.length !== expected) throw new Error(`word-vectors.bin: ${buf.length} bytes, expected ${expected}`);
  // Copy out so the typed arrays are aligned regardless of the Buffer's pool offset.
  const scales = new Float32Array(rows);
  Buffer.from(scales.buffer).set(buf.subarray(HEADER_BYTES, HEADER_BYTES + rows * 4));
  const values = new Int8Array(rows * dims);
  Buffer.from(values.buffer).set(buf.subarray(HEADER_BYTES + rows * 4));
  return { rows, dims, scales, values };
}
