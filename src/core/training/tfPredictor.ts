// Prediction with the TF.js model (training-time evaluation and the ONNX parity reference).
import * as tf from '@tensorflow/tfjs-core';
import type { TokenSpan } from '../types';
import type { EncoderConfig } from '../model/architecture';
import type { Featurizer } from '../model/features';
import { encode, spanEmbeddings, spanFeatures, typeLogits, type Weights } from '../model/encoderTf';
import { decodeSpans, SPAN_TAGS } from '../spans/bioes';
import { lengthBuckets } from '../batching';
import { padBatch, selectionTensors, spanSelectionData, type EncodedSentence } from './batches';

export interface TfModel {
  config: EncoderConfig;
  weights: Weights;
  labels: string[];
  /** [C, P] class vectors: the type head's weights or prototypes. */
  classVectors: tf.Tensor2D;
}

export interface TypedSpan extends TokenSpan {
  confidence: number;
  typeProbability: number;
}

/** Runs fn over length-bucketed batches; fn gets the batch's sentence indices and its final hidden states. */
async function forEachBatch(
  model: TfModel,
  featurizer: Featurizer,
  sentences: EncodedSentence[],
  batchTokens: number,
  fn: (indices: number[], hidden: tf.Tensor3D, tagLogProbs: Float32Array, time: number) => Promise<void>,
): Promise<void> {
  const batches = lengthBuckets(
    sentences.map((s) => s.tokens.length),
    batchTokens,
    256,
  );
  for (const indices of batches) {
    const batch = padBatch(
      featurizer,
      indices.map((i) => sentences[i]),
    );
    const [hidden, logProbs] = tf.tidy(() => {
      const out = encode(model.config, model.weights, tf.tensor3d(batch.features, [batch.size, batch.time, featurizer.featureDims]), tf.tensor2d(batch.mask, [batch.size, batch.time]), {
        training: false,
      });
      return [out.layers[out.layers.length - 1], tf.logSoftmax(out.tagLogits)];
    });
    const lp = (await logProbs.data()) as Float32Array;
    logProbs.dispose();
    try {
      await fn(indices, hidden as tf.Tensor3D, lp, batch.time);
    } finally {
      hidden.dispose();
    }
  }
}

/** Span embeddings [M, P] of the given spans of one batch. */
function embedBatchSpans(model: TfModel, hidden: tf.Tensor3D, spans: TokenSpan[][], time: number): tf.Tensor2D {
  const data = spanSelectionData(spans, time);
  return tf.tidy(() => spanEmbeddings(model.weights, spanFeatures(hidden, selectionTensors(data, hidden.shape[0] * time))));
}

/** Stage 1 + stage 2 over sentences: typed spans per sentence. */
export async function predictSentences(model: TfModel, featurizer: Featurizer, sentences: EncodedSentence[], batchTokens = 4000): Promise<TypedSpan[][]> {
  const result: TypedSpan[][] = sentences.map(() => []);
  await forEachBatch(model, featurizer, sentences, batchTokens, async (indices, hidden, lp, time) => {
    const detected = indices.map((i, b) => decodeSpans(lp, sentences[i].tokens.length, b * time * SPAN_TAGS.length));
    const total = detected.reduce((n, d) => n + d.length, 0);
    if (total === 0) return;
    const probs = tf.tidy(() => tf.softmax(typeLogits(embedBatchSpans(model, hidden, detected.map((d) => d.map((s) => ({ ...s, label: '' }))), time), model.classVectors, model.config.typeScale)));
    const p = (await probs.data()) as Float32Array;
    probs.dispose();
    const C = model.labels.length;
    let m = 0;
    detected.forEach((list, b) => {
      for (const span of list) {
        let best = 0;
        for (let c = 1; c < C; c++) if (p[m * C + c] > p[m * C + best]) best = c;
        result[indices[b]].push({ start: span.start, end: span.end, label: model.labels[best], confidence: span.confidence, typeProbability: p[m * C + best] });
        m++;
      }
    });
  });
  return result;
}

/** Embeddings of each sentence's given spans, in sentence then span order: [sum of spans, P]. */
export async function embedSpans(model: TfModel, featurizer: Featurizer, sentences: EncodedSentence[], spans: TokenSpan[][], batchTokens = 4000): Promise<Float32Array[][]> {
  const result: Float32Array[][] = sentences.map(() => []);
  const P = model.config.spanDims;
  await forEachBatch(model, featurizer, sentences, batchTokens, async (indices, hidden, _lp, time) => {
    const batchSpans = indices.map((i) => spans[i]);
    if (batchSpans.every((s) => s.length === 0)) return;
    const emb = embedBatchSpans(model, hidden, batchSpans, time);
    const e = (await emb.data()) as Float32Array;
    emb.dispose();
    let m = 0;
    batchSpans.forEach((list, b) => {
      for (let k = 0; k < list.length; k++, m++) result[indices[b]].push(e.slice(m * P, (m + 1) * P));
    });
  });
  return result;
}
