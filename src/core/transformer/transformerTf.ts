// The transformer model in TensorFlow.js, for LoRA adaptation in the editor: the same math as the ONNX graph
// (transformerOnnx.ts) and the PyTorch training code (scripts/transformer/model.py). Adaptation caches the
// frozen lower layers and runs only the adapted ones here; every product that carries a gradient avoids
// the transposed matMul kernels, which are 10-15x slower on the wasm backend.
import * as tf from '@tensorflow/tfjs-core';
import { dense, layerNorm, selectRows, shiftedConcat, type LoraTensors, type Weights } from '../model/encoderTf';
import { HEAD_LAYER_NORM_EPS, type TransformerConfig } from './architecture';

export interface TransformerForwardOptions {
  training: boolean;
  dropout?: number;
  seed?: number;
}

/** Batched a [N, m, k] x b [N, k, n], with a gradient made of plain (untransposed) batched products. */
export const batchMatMul = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor3D, tf.transpose(saved[1], [0, 2, 1]) as tf.Tensor3D),
      tf.matMul(tf.transpose(saved[0], [0, 2, 1]) as tf.Tensor3D, dy as tf.Tensor3D),
    ],
  };
}) as never) as unknown as (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D;

function weight(w: Weights, name: string): tf.Tensor {
  const t = w.get(name);
  if (!t) throw new Error(`model weights lack ${name}`);
  return t;
}

/** GELU, exact erf form. */
export function geluErf(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
}

function dropper(opts: TransformerForwardOptions) {
  return (x: tf.Tensor, salt: number) => (opts.training && opts.dropout ? tf.dropout(x, opts.dropout, undefined, opts.seed === undefined ? undefined : opts.seed * 31 + salt) : x);
}

/** Piece embeddings [B, S, H]: piece + position + token type 0, layer-normalised (frozen: no gradient needed). */
export function embedPieces(c: TransformerConfig, w: Weights, ids: Int32Array, batch: number, pieces: number): tf.Tensor3D {
  return tf.tidy(() => {
    const words = tf.gather(weight(w, 'emb.word'), tf.tensor1d(ids, 'int32'));
    const positions = tf.slice(weight(w, 'emb.pos'), [0, 0], [pieces, c.hiddenDims]);
    const x = tf.add(tf.add(tf.reshape(words, [batch, pieces, c.hiddenDims]), positions), weight(w, 'emb.type'));
    return layerNorm(x, weight(w, 'emb.ln.g'), weight(w, 'emb.ln.b'), c.layerNormEps) as tf.Tensor3D;
  });
}

/**
 * Encoder layers from..to-1 on piece states x [B, S, H] (the output of layer from-1, or the embeddings).
 * kept[i] is the output of layer i. LoRA deltas apply to l{i}.q/k/v/o/ffn1/ffn2.W when present.
 */
export function transformerLayers(
  c: TransformerConfig,
  w: Weights,
  x: tf.Tensor3D,
  pieceMask: tf.Tensor2D,
  from: number,
  to: number,
  opts: TransformerForwardOptions,
  lora?: LoraTensors,
): { states: tf.Tensor3D; kept: tf.Tensor3D[] } {
  if (!(from >= 0 && from <= to && to <= c.layers)) throw new Error(`layers ${from}..${to} are not within the model's ${c.layers}`);
  const [B, S, H] = x.shape;
  const heads = c.heads;
  const d = H / heads;
  const drop = dropper(opts);
  // [B, 1, 1, S]: 0 for pieces, -1e4 for padding keys.
  const bias = tf.reshape(tf.mul(tf.sub(1, pieceMask), -1e4), [B, 1, 1, S]);
  const toHeads = (t: tf.Tensor) => tf.reshape(tf.transpose(tf.reshape(t, [B, S, heads, d]), [0, 2, 1, 3]), [B * heads, S, d]) as tf.Tensor3D;
  const kept: tf.Tensor3D[] = [];
  let h: tf.Tensor3D = x;
  for (let i = from; i < to; i++) {
    const q = toHeads(dense(h, w, `l${i}.q`, lora));
    const k = toHeads(dense(h, w, `l${i}.k`, lora));
    const v = toHeads(dense(h, w, `l${i}.v`, lora));
    const scores = tf.add(tf.reshape(tf.mul(batchMatMul(q, tf.transpose(k, [0, 2, 1]) as tf.Tensor3D), 1 / Math.sqrt(d)), [B, heads, S, S]), bias);
    const attention = drop(tf.softmax(scores, -1), 100 + i);
    const context = batchMatMul(tf.reshape(attention, [B * heads, S, S]) as tf.Tensor3D, v);
    const merged = tf.reshape(tf.transpose(tf.reshape(context, [B, heads, S, d]), [0, 2, 1, 3]), [B, S, H]);
    const x1 = layerNorm(tf.add(h, drop(dense(merged, w, `l${i}.o`, lora), 200 + i)), weight(w, `l${i}.ln1.g`), weight(w, `l${i}.ln1.b`), c.layerNormEps);
    const ffn = dense(geluErf(dense(x1, w, `l${i}.ffn1`, lora)), w, `l${i}.ffn2`, lora);
    h = layerNorm(tf.add(x1, drop(ffn, 300 + i)), weight(w, `l${i}.ln2.g`), weight(w, `l${i}.ln2.b`), c.layerNormEps) as tf.Tensor3D;
    kept[i] = h;
  }
  return { states: h, kept };
}

/** One-hot rows [words, rows] picking each word's first piece out of the flattened [B*S] piece states. */
export function wordRowsSelection(wordRows: Int32Array, rows: number): tf.Tensor2D {
  const data = new Float32Array(wordRows.length * rows);
  wordRows.forEach((row, i) => (data[i * rows + row] = 1));
  return tf.tensor2d(data, [wordRows.length, rows]);
}

/** Word states [B, T, H] of piece states [B, S, H]; differentiable in the states. */
export function wordStates(states: tf.Tensor3D, selection: tf.Tensor2D, words: number): tf.Tensor3D {
  const [B, S, H] = states.shape;
  return tf.reshape(selectRows(selection, tf.reshape(states, [B * S, H]) as tf.Tensor2D), [B, words, H]) as tf.Tensor3D;
}

/** The heads: tag logits [B, T, 5], the convolution block's states z [B, T, D], and g = [h | z] [B, T, H + D] (what span features are made of). */
export function transformerHeads(
  c: TransformerConfig,
  w: Weights,
  h: tf.Tensor3D,
  flags: tf.Tensor3D,
  wordMask: tf.Tensor2D,
  opts: TransformerForwardOptions,
  lora?: LoraTensors,
): { tagLogits: tf.Tensor3D; g: tf.Tensor3D; z: tf.Tensor3D } {
  const m = tf.expandDims(wordMask, 2);
  const drop = dropper(opts);
  const u = tf.mul(geluErf(dense(drop(tf.concat([h, flags], 2), 1), w, 'input', lora)), m) as tf.Tensor3D;
  const conv = geluErf(dense(shiftedConcat(u, 1), w, 'conv0', lora));
  const z = tf.mul(layerNorm(tf.add(u, drop(conv, 2)), weight(w, 'conv0.ln.g'), weight(w, 'conv0.ln.b'), HEAD_LAYER_NORM_EPS), m) as tf.Tensor3D;
  const tagLogits = dense(drop(z, 3), w, 'tags', lora) as tf.Tensor3D;
  return { tagLogits, g: tf.mul(tf.concat([h, z], 2), m) as tf.Tensor3D, z };
}

/** Padded inputs of one batch, as the ONNX graph takes them. */
export interface TransformerBatchInput {
  batch: number;
  pieces: number;
  words: number;
  ids: Int32Array;
  pieceMask: Float32Array;
  wordRows: Int32Array;
  wordMask: Float32Array;
  flags: Float32Array;
}

/** The whole model on a batch: tag logits [B, T, 5] and g [B, T, H + D]. */
export function transformerForward(c: TransformerConfig, w: Weights, input: TransformerBatchInput, opts: TransformerForwardOptions, lora?: LoraTensors): { tagLogits: tf.Tensor3D; g: tf.Tensor3D } {
  const { batch, pieces, words } = input;
  const pieceMask = tf.tensor2d(input.pieceMask, [batch, pieces]);
  const x = embedPieces(c, w, input.ids, batch, pieces);
  const { states } = transformerLayers(c, w, x, pieceMask, 0, c.layers, opts, lora);
  const h = wordStates(states, wordRowsSelection(input.wordRows, batch * pieces), words);
  return transformerHeads(c, w, h, tf.tensor3d(input.flags, [batch, words, c.wordFlags]), tf.tensor2d(input.wordMask, [batch, words]), opts, lora);
}
