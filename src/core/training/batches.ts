// Padded batches of sentences for the TF.js encoder: features, masks, tag targets, span selections.
import * as tf from '@tensorflow/tfjs-core';
import type { TokenSpan } from '../types';
import type { Featurizer } from '../model/features';
import type { SpanSelection } from '../model/encoderTf';
import { SHAPE_FLAGS } from '../model/features';
export { lengthBuckets } from '../batching';

/** A sentence with everything that does not change during training computed once. */
export interface EncodedSentence {
  tokens: string[];
  spans: TokenSpan[];
  /** [T, wordDims + SHAPE_FLAGS] */
  staticFeatures: Float32Array;
}

export function encodeSentence(featurizer: Featurizer, tokens: string[], spans: TokenSpan[]): EncodedSentence {
  const width = featurizer.words.dims + SHAPE_FLAGS;
  const staticFeatures = new Float32Array(tokens.length * width);
  featurizer.staticFeatures(tokens, staticFeatures, 0, width);
  return { tokens, spans, staticFeatures };
}

export interface PaddedBatch {
  size: number;
  time: number;
  lengths: number[];
  /** [B, T, F] full features (static + n-gram part filled by the caller's table). */
  features: Float32Array;
  /** [B, T] */
  mask: Float32Array;
}

/** Pads sentences into one feature block; n-gram features come from the featurizer's current table. */
export function padBatch(featurizer: Featurizer, sentences: EncodedSentence[]): PaddedBatch {
  const size = sentences.length;
  const time = Math.max(1, ...sentences.map((s) => s.tokens.length));
  const F = featurizer.featureDims;
  const staticWidth = featurizer.words.dims + SHAPE_FLAGS;
  const features = new Float32Array(size * time * F);
  const mask = new Float32Array(size * time);
  sentences.forEach((s, b) => {
    for (let t = 0; t < s.tokens.length; t++) {
      features.set(s.staticFeatures.subarray(t * staticWidth, (t + 1) * staticWidth), (b * time + t) * F);
      mask[b * time + t] = 1;
    }
    featurizer.ngramFeatures(s.tokens, features, b * time * F + staticWidth, F);
  });
  return { size, time, lengths: sentences.map((s) => s.tokens.length), features, mask };
}

/** Selection matrices [M, B*T] for spans given per sentence of a padded batch. */
export function spanSelectionData(spans: Array<Array<{ start: number; end: number }>>, time: number): {
  count: number;
  start: Float32Array;
  end: Float32Array;
  mean: Float32Array;
} {
  const N = spans.length * time;
  const flat: Array<{ b: number; start: number; end: number }> = [];
  spans.forEach((list, b) => list.forEach((s) => flat.push({ b, start: s.start, end: s.end })));
  const M = flat.length;
  const start = new Float32Array(M * N);
  const end = new Float32Array(M * N);
  const mean = new Float32Array(M * N);
  flat.forEach(({ b, start: s, end: e }, m) => {
    start[m * N + b * time + s] = 1;
    end[m * N + b * time + e - 1] = 1;
    for (let t = s; t < e; t++) mean[m * N + b * time + t] = 1 / (e - s);
  });
  return { count: M, start, end, mean };
}

export function selectionTensors(data: ReturnType<typeof spanSelectionData>, N: number): SpanSelection {
  const M = data.count;
  return {
    start: tf.tensor2d(data.start, [M, N]),
    end: tf.tensor2d(data.end, [M, N]),
    mean: tf.tensor2d(data.mean, [M, N]),
  };
}
