// Word-level input features of the encoder, computed in plain JS (identically at training and inference):
//   [ frozen word vector (100) | shape flags (SHAPE_FLAGS) | mean of hashed character n-gram vectors (E) ]
// The n-gram table is trainable; the word vectors are frozen GloVe values.
import type { QuantizedVectors } from './wordVectors';
import { WordVectors } from './wordVectors';

export const SHAPE_FLAGS = 14;
export const MAX_NGRAM_CHARS = 24;

/** Casing and character-class flags: what lowercased word vectors cannot see. */
export function shapeFlags(token: string, known: boolean, sentenceStart: boolean, out: Float32Array, offset: number): void {
  let upper = 0;
  let lower = 0;
  let digit = 0;
  let other = 0;
  for (const ch of token) {
    if (ch >= '0' && ch <= '9') digit++;
    else if (ch !== ch.toLowerCase()) upper++;
    else if (ch !== ch.toUpperCase()) lower++;
    else other++;
  }
  const letters = upper + lower;
  const first = token.charAt(0);
  const firstUpper = first !== first.toLowerCase();
  const flags = [
    firstUpper && lower > 0 ? 1 : 0, // Capitalised
    letters > 1 && lower === 0 ? 1 : 0, // ALLCAPS
    letters > 0 && upper === 0 ? 1 : 0, // lowercase
    upper > 0 && lower > 0 && !firstUpper ? 1 : 0, // mIxed
    letters === 1 && upper === 1 ? 1 : 0, // single capital (initial)
    digit > 0 ? 1 : 0,
    digit > 0 && digit === token.length ? 1 : 0,
    letters === 0 && digit === 0 ? 1 : 0, // punctuation / symbols only
    token.includes('-') ? 1 : 0,
    token.includes('.') ? 1 : 0,
    other > 0 && letters > 0 ? 1 : 0,
    known ? 1 : 0, // has a word vector
    sentenceStart ? 1 : 0, // capitals here say little
    Math.min(token.length, 20) / 20,
  ];
  for (let i = 0; i < SHAPE_FLAGS; i++) out[offset + i] = flags[i];
}

/** FNV-1a over UTF-16 code units: stable across runs and platforms. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Bucket ids of a token's character n-grams (1..4 over "<word>") and of the whole word, lowercased, digits as 0. */
export function ngramIds(token: string, buckets: number): Int32Array {
  const norm = token.toLowerCase().replace(/[0-9]/g, '0');
  const chars = Array.from(norm).slice(0, MAX_NGRAM_CHARS);
  const padded = ['<', ...chars, '>'];
  const ids: number[] = [hashString('w:' + norm) % buckets];
  for (let n = 1; n <= 4; n++) {
    for (let i = 0; i + n <= padded.length; i++) {
      if (n === 1 && (i === 0 || i === padded.length - 1)) continue;
      ids.push(hashString(n + ':' + padded.slice(i, i + n).join('')) % buckets);
    }
  }
  return Int32Array.from(ids);
}

/** The n-gram table, float (training) or int8 with row scales (shipped). */
export interface NgramTable {
  buckets: number;
  dims: number;
  /** Adds row `row` times `weight` into out[offset..). */
  addRow(row: number, weight: number, out: Float32Array, offset: number): void;
  /** True when rows never change (the shipped int8 table), so per-token means may be cached. */
  readonly frozen?: boolean;
}

export function floatNgramTable(values: Float32Array, buckets: number, dims: number): NgramTable {
  return {
    buckets,
    dims,
    addRow(row, weight, out, offset) {
      const base = row * dims;
      for (let d = 0; d < dims; d++) out[offset + d] += values[base + d] * weight;
    },
  };
}

export function quantizedNgramTable(q: QuantizedVectors): NgramTable {
  return {
    frozen: true,
    buckets: q.rows,
    dims: q.dims,
    addRow(row, weight, out, offset) {
      const base = row * q.dims;
      const s = q.scales[row] * weight;
      for (let d = 0; d < q.dims; d++) out[offset + d] += q.values[base + d] * s;
    },
  };
}

/** Distinct tokens whose mean n-gram vectors are kept (about 20 MB at 48 dims). */
const MEAN_CACHE_TOKENS = 100_000;

/** Turns token strings into the encoder's input rows; caches per-word work that never changes. */
export class Featurizer {
  private readonly ngramCache = new Map<string, Int32Array>();
  private readonly meanCache = new Map<string, Float32Array>();
  private meanTable: NgramTable | undefined;
  readonly featureDims: number;

  constructor(
    readonly words: WordVectors,
    public ngrams: NgramTable,
  ) {
    this.featureDims = words.dims + SHAPE_FLAGS + ngrams.dims;
  }

  ngramsOf(token: string): Int32Array {
    let ids = this.ngramCache.get(token);
    if (!ids) {
      ids = ngramIds(token, this.ngrams.buckets);
      if (this.ngramCache.size > 500_000) this.ngramCache.clear();
      this.ngramCache.set(token, ids);
    }
    return ids;
  }

  /** Static part (word vector + shape) of each token: [T, words.dims + SHAPE_FLAGS]. */
  staticFeatures(tokens: string[], out: Float32Array, offset: number, rowStride: number): void {
    tokens.forEach((token, t) => {
      const row = this.words.rowOf(token);
      const at = offset + t * rowStride;
      this.words.write(row, out, at);
      shapeFlags(token, row >= 0, t === 0, out, at + this.words.dims);
    });
  }

  /** Mean n-gram vector of each token written at out[offset + t*rowStride ..). */
  ngramFeatures(tokens: string[], out: Float32Array, offset: number, rowStride: number): void {
    const dims = this.ngrams.dims;
    // Means of a frozen table are cached per token (the same sum in the same order, so the rows are identical);
    // a float table is being trained in place, so its means are computed afresh every time.
    if (!this.ngrams.frozen) {
      tokens.forEach((token, t) => {
        const at = offset + t * rowStride;
        out.fill(0, at, at + dims);
        this.addNgramMean(token, out, at);
      });
      return;
    }
    if (this.meanTable !== this.ngrams) {
      this.meanCache.clear();
      this.meanTable = this.ngrams;
    }
    tokens.forEach((token, t) => {
      let mean = this.meanCache.get(token);
      if (!mean) {
        mean = new Float32Array(dims);
        this.addNgramMean(token, mean, 0);
        if (this.meanCache.size >= MEAN_CACHE_TOKENS) this.meanCache.clear();
        this.meanCache.set(token, mean);
      }
      out.set(mean, offset + t * rowStride);
    });
  }

  /** Adds the mean of the token's n-gram rows into out[at..at + dims). */
  private addNgramMean(token: string, out: Float32Array, at: number): void {
    const ids = this.ngramsOf(token);
    const w = 1 / ids.length;
    for (const id of ids) this.ngrams.addRow(id, w, out, at);
  }

  /** Full feature rows of a sentence: [T, featureDims]. */
  features(tokens: string[], out: Float32Array = new Float32Array(tokens.length * this.featureDims), offset = 0): Float32Array {
    this.staticFeatures(tokens, out, offset, this.featureDims);
    this.ngramFeatures(tokens, out, offset + this.words.dims + SHAPE_FLAGS, this.featureDims);
    return out;
  }
}
