// BANER's boundary-aware contrastive loss on the encoder's hidden states.
// For each gold entity [s, e): the anchor is the entity's mean hidden state; the positives are its own
// boundary tokens h_s and h_(e-1); the negatives are the boundary-shifted positions just outside it
// (s-1, s-2, e, e+1) and a few random non-entity tokens of the same sentence. All vectors are
// L2-normalised; each (positive, negative) pair costs BPR-style -log sigmoid((a.p - a.n) / tau).
import * as tf from '@tensorflow/tfjs-core';
import type { TokenSpan } from '../types';
import { l2Normalize, selectRows, matMul2d } from '../model/encoderTf';

export const SHIFTED_NEGATIVES = 4;

export interface ContrastivePairs {
  entities: number;
  negatives: number; // K per entity
  /** [M, N] rows averaging each entity's tokens (N = batch * time). */
  anchor: Float32Array;
  /** [M, 2, N] one-hot: first and last token. */
  positive: Float32Array;
  /** [M, K, N] one-hot negatives (all-zero rows where invalid). */
  negative: Float32Array;
  /** [M, K] 1 where the negative exists. */
  valid: Float32Array;
}

/**
 * Builds the selection tensors for a padded batch (sentence b, token t -> row b * time + t).
 * `random` returns floats in [0, 1) (seeded by the caller for reproducibility). `unknown[b]`: spans of sentence
 * b whose tokens may or may not be entities (unconfirmed suggestions): never drawn as random non-entities.
 */
export function buildContrastivePairs(
  spans: TokenSpan[][],
  lengths: number[],
  time: number,
  randomNegatives: number,
  random: () => number,
  unknown: ReadonlyArray<readonly TokenSpan[]> = [],
): ContrastivePairs {
  const K = SHIFTED_NEGATIVES + randomNegatives;
  const N = spans.length * time;
  const entities: Array<{ b: number; s: number; e: number }> = [];
  spans.forEach((list, b) => list.forEach(({ start, end }) => entities.push({ b, s: start, e: end })));
  const M = entities.length;
  const anchor = new Float32Array(M * N);
  const positive = new Float32Array(M * 2 * N);
  const negative = new Float32Array(M * K * N);
  const valid = new Float32Array(M * K);
  entities.forEach(({ b, s, e }, m) => {
    const row = (t: number) => b * time + t;
    for (let t = s; t < e; t++) anchor[m * N + row(t)] = 1 / (e - s);
    positive[(m * 2 + 0) * N + row(s)] = 1;
    positive[(m * 2 + 1) * N + row(e - 1)] = 1;
    const setNegative = (k: number, t: number) => {
      negative[(m * K + k) * N + row(t)] = 1;
      valid[m * K + k] = 1;
    };
    [s - 1, s - 2, e, e + 1].forEach((t, k) => {
      if (t >= 0 && t < lengths[b]) setNegative(k, t);
    });
    const outside: number[] = [];
    const inEntity = new Uint8Array(lengths[b]);
    for (const span of [...spans[b], ...(unknown[b] ?? [])]) for (let t = span.start; t < span.end; t++) inEntity[t] = 1;
    for (let t = 0; t < lengths[b]; t++) if (!inEntity[t] && (t < s - 2 || t > e + 1)) outside.push(t);
    for (let k = 0; k < randomNegatives && outside.length > 0; k++) {
      const pick = Math.floor(random() * outside.length);
      setNegative(SHIFTED_NEGATIVES + k, outside[pick]);
      outside.splice(pick, 1);
    }
  });
  return { entities: M, negatives: K, anchor, positive, negative, valid };
}

/** Mean BPR loss over valid (positive, negative) pairs; hidden is [N, D]. Returns a scalar. */
export function boundaryContrastiveLoss(hidden: tf.Tensor2D, pairs: ContrastivePairs, tau: number): tf.Scalar {
  const { entities: M, negatives: K } = pairs;
  const N = hidden.shape[0];
  if (M === 0) return tf.scalar(0);
  const z = l2Normalize(hidden) as tf.Tensor2D; // [N, D]
  const a = l2Normalize(selectRows(tf.tensor2d(pairs.anchor, [M, N]), hidden)) as tf.Tensor2D; // [M, D]
  const sim = tf.expandDims(matMul2d(a, tf.transpose(z) as tf.Tensor2D), 1); // [M, 1, N]
  const sPos = tf.sum(tf.mul(sim, tf.tensor3d(pairs.positive, [M, 2, N])), -1); // [M, 2]
  const sNeg = tf.sum(tf.mul(sim, tf.tensor3d(pairs.negative, [M, K, N])), -1); // [M, K]
  const diff = tf.div(tf.sub(tf.expandDims(sNeg, 1), tf.expandDims(sPos, 2)), tau); // [M, 2, K]
  const valid = tf.expandDims(tf.tensor2d(pairs.valid, [M, K]), 1); // [M, 1, K]
  const count = Math.max(1, 2 * pairs.valid.reduce((x, y) => x + y, 0));
  return tf.div(tf.sum(tf.mul(tf.softplus(diff), valid)), count) as tf.Scalar;
}
