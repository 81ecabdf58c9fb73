// The encoder and both heads in TensorFlow.js: used to train the CNN model (models/cnn) and its LoRA adapters.
// The same math is exported to ONNX for inference (see exportOnnx.ts); parity is tested.
import * as tf from '@tensorflow/tfjs-core';
import type { EncoderConfig } from './architecture';

export type Weights = Map<string, tf.Tensor>;

/**
 * Plain 2-D matMul whose gradient avoids transposed matMul kernels (10-15x slower on the wasm backend):
 * the backward pass transposes explicitly, then multiplies.
 */
export const matMul2d = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(saved[1]) as tf.Tensor2D),
      tf.matMul(tf.transpose(saved[0]) as tf.Tensor2D, dy as tf.Tensor2D),
    ],
  };
}) as never) as unknown as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/** x [..., in] times W [in, out] plus b [out]. */
export function linear(x: tf.Tensor, W: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const inDim = x.shape[x.shape.length - 1];
  const flat = tf.reshape(x, [-1, inDim]) as tf.Tensor2D;
  const y = tf.add(matMul2d(flat, W as tf.Tensor2D), b);
  return tf.reshape(y, [...x.shape.slice(0, -1), W.shape[1] as number]);
}

/** Layer norm over the last axis: (x - mean) / sqrt(var + eps) * g + b. */
export function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), g), b);
}

/** x [B, T, D] -> [B, T, 3D]: (x[t-d], x[t], x[t+d]) with zeros outside the sequence. */
export function shiftedConcat(x: tf.Tensor3D, d: number): tf.Tensor3D {
  const [B, T, D] = x.shape;
  const p = tf.pad(x, [
    [0, 0],
    [d, d],
    [0, 0],
  ]);
  return tf.concat([tf.slice(p, [0, 0, 0], [B, T, D]), tf.slice(p, [0, d, 0], [B, T, D]), tf.slice(p, [0, 2 * d, 0], [B, T, D])], 2) as tf.Tensor3D;
}

export interface EncoderOutputs {
  /** Hidden states after each convolution block, [B, T, D] each; padding rows are zero. */
  layers: tf.Tensor3D[];
  /** Type-agnostic BIOES logits [B, T, 5]. */
  tagLogits: tf.Tensor3D;
}

export interface ForwardOptions {
  training: boolean;
  inputDropout?: number;
  hiddenDropout?: number;
  seed?: number;
}

/** LoRA deltas on named weight matrices: W x becomes W x + scale * (x A) B. */
export interface LoraTensors {
  scale: number;
  modules: Map<string, { A: tf.Tensor2D; B: tf.Tensor2D }>;
}

/** A dense layer by weight name ("conv2" uses conv2.W, conv2.b), with its LoRA delta when one is given. */
export function dense(x: tf.Tensor, w: Weights, name: string, lora?: LoraTensors): tf.Tensor {
  const y = linear(x, w.get(`${name}.W`)!, w.get(`${name}.b`)!);
  const mod = lora?.modules.get(`${name}.W`);
  if (!mod) return y;
  const inDim = x.shape[x.shape.length - 1];
  const low = matMul2d(matMul2d(tf.reshape(x, [-1, inDim]) as tf.Tensor2D, mod.A), mod.B);
  return tf.add(y, tf.reshape(tf.mul(low, lora!.scale), y.shape));
}

function dropper(opts: ForwardOptions) {
  return (x: tf.Tensor, rate: number | undefined, salt: number) =>
    opts.training && rate ? tf.dropout(x, rate, undefined, opts.seed === undefined ? undefined : opts.seed * 31 + salt) : x;
}

/** features [B, T, F], mask [B, T] (1 = token, 0 = padding). */
export function encode(c: EncoderConfig, w: Weights, features: tf.Tensor3D, mask: tf.Tensor2D, opts: ForwardOptions, lora?: LoraTensors): EncoderOutputs {
  const drop = dropper(opts);
  const h = tf.mul(tf.relu(linear(drop(features, opts.inputDropout, 1), w.get('input.W')!, w.get('input.b')!)), tf.expandDims(mask, 2)) as tf.Tensor3D;
  return encodeFrom(c, w, h, 0, mask, opts, lora);
}

/**
 * The encoder from block `first` on, given the hidden states entering it (the output of block first-1,
 * or of the input layer for first = 0). Lower blocks are frozen under LoRA, so adaptation caches their
 * output once and runs only this part. layers[l] is set for l >= first.
 */
export function encodeFrom(c: EncoderConfig, w: Weights, hidden: tf.Tensor3D, first: number, mask: tf.Tensor2D, opts: ForwardOptions, lora?: LoraTensors): EncoderOutputs {
  const m = tf.expandDims(mask, 2);
  const drop = dropper(opts);
  let h = hidden;
  const layers: tf.Tensor3D[] = [];
  for (let l = first; l < c.dilations.length; l++) {
    const u = tf.relu(dense(shiftedConcat(h, c.dilations[l]), w, `conv${l}`, lora));
    const sum = tf.add(h, drop(u, opts.hiddenDropout, 10 + l));
    h = tf.mul(layerNorm(sum, w.get(`conv${l}.ln.g`)!, w.get(`conv${l}.ln.b`)!, c.layerNormEps), m) as tf.Tensor3D;
    layers[l] = h;
  }
  const tagLogits = dense(drop(h, opts.hiddenDropout, 99), w, 'tags', lora) as tf.Tensor3D;
  return { layers, tagLogits };
}

/** Row selections over the flattened [B*T] token axis that make span features. */
export interface SpanSelection {
  /** [M, B*T] one-hot rows at each span's first token. */
  start: tf.Tensor2D;
  /** [M, B*T] one-hot rows at each span's last token. */
  end: tf.Tensor2D;
  /** [M, B*T] rows averaging each span's tokens. */
  mean: tf.Tensor2D;
}

/** Selection matrix S [M, N] applied to H [N, D], differentiable in H only. */
export const selectRows = tf.customGrad(((s: tf.Tensor, h: tf.Tensor, save: tf.GradSaveFunc) => {
  save([s]);
  return {
    value: tf.matMul(s as tf.Tensor2D, h as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.zerosLike(saved[0]), tf.matMul(tf.transpose(saved[0]) as tf.Tensor2D, dy as tf.Tensor2D)],
  };
}) as never) as unknown as (s: tf.Tensor2D, h: tf.Tensor2D) => tf.Tensor2D;

/** Span features [M, 3D] = [h_start | h_end | mean(h)] from the final hidden states [B, T, D]. */
export function spanFeatures(hidden: tf.Tensor3D, sel: SpanSelection): tf.Tensor2D {
  const flat = tf.reshape(hidden, [-1, hidden.shape[2]]) as tf.Tensor2D;
  return tf.concat([selectRows(sel.start, flat), selectRows(sel.end, flat), selectRows(sel.mean, flat)], 1) as tf.Tensor2D;
}

/** L2-normalised span embeddings [M, P] (stage 2's representation). */
export function spanEmbeddings(w: Weights, features: tf.Tensor2D, lora?: LoraTensors): tf.Tensor2D {
  return l2Normalize(dense(features, w, 'span', lora)) as tf.Tensor2D;
}

export function l2Normalize(x: tf.Tensor, eps = 1e-6): tf.Tensor {
  return tf.div(x, tf.sqrt(tf.add(tf.sum(tf.square(x), -1, true), eps)));
}

/** Cosine-softmax type logits: scale * <e, normalise(classVectors)>, e already unit length. */
export function typeLogits(embeddings: tf.Tensor2D, classVectors: tf.Tensor2D, scale: number): tf.Tensor2D {
  const protos = l2Normalize(classVectors) as tf.Tensor2D;
  return tf.mul(matMul2d(embeddings, tf.transpose(protos) as tf.Tensor2D), scale) as tf.Tensor2D;
}
