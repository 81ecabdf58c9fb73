// Stage 2 typing: a span takes the type whose class vector (a prototype, or a trained type head's row)
// is nearest in cosine; probabilities are a softmax over scale * cosine.
import type { TokenSpan } from '../types';

export interface TypeSpace {
  labels: string[];
  dims: number;
  /** [C, dims], each row unit length. */
  vectors: Float32Array;
  scale: number;
}

export function normaliseRows(vectors: Float32Array, dims: number): Float32Array {
  const out = vectors.slice();
  for (let r = 0; r * dims < out.length; r++) {
    let n = 0;
    for (let d = 0; d < dims; d++) n += out[r * dims + d] ** 2;
    n = Math.sqrt(n) || 1;
    for (let d = 0; d < dims; d++) out[r * dims + d] /= n;
  }
  return out;
}

/** Prototypes: the normalised mean embedding of each label's spans. Labels keep first-seen order. */
export function buildPrototypes(embeddings: Float32Array[], labels: string[], dims: number, scale: number): TypeSpace {
  if (embeddings.length === 0) throw new Error('cannot build prototypes from an empty support set');
  const order = [...new Set(labels)];
  const sums = new Float32Array(order.length * dims);
  embeddings.forEach((e, i) => {
    const c = order.indexOf(labels[i]);
    for (let d = 0; d < dims; d++) sums[c * dims + d] += e[d];
  });
  return { labels: order, dims, vectors: normaliseRows(sums, dims), scale };
}

export interface Typed {
  label: string;
  probability: number;
  /** Index of the chosen class vector. */
  index: number;
  /** Probability of the second nearest class (0 with one class): probability - runnerUp is the typing margin. */
  runnerUp: number;
}

/** Classifies one unit-length embedding at embeddings[offset..offset+dims). */
export function classify(space: TypeSpace, embeddings: Float32Array, offset: number): Typed {
  const { labels, dims, vectors, scale } = space;
  const logits = new Float64Array(labels.length);
  let max = -Infinity;
  for (let c = 0; c < labels.length; c++) {
    let dot = 0;
    for (let d = 0; d < dims; d++) dot += embeddings[offset + d] * vectors[c * dims + d];
    logits[c] = scale * dot;
    if (logits[c] > max) max = logits[c];
  }
  let sum = 0;
  let best = 0;
  for (let c = 0; c < labels.length; c++) {
    logits[c] = Math.exp(logits[c] - max);
    sum += logits[c];
    if (logits[c] > logits[best]) best = c;
  }
  let second = 0;
  for (let c = 0; c < labels.length; c++) if (c !== best && logits[c] > second) second = logits[c];
  return { label: labels[best], probability: logits[best] / sum, index: best, runnerUp: second / sum };
}

/** Gold spans of support sentences, flattened with their labels (the input of buildPrototypes). */
export function flattenLabels(spans: TokenSpan[][]): string[] {
  return spans.flatMap((list) => list.map((s) => s.label));
}
