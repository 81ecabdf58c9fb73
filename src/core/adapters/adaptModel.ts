// What adaptation needs from a model family: the frozen lower part run once per group of support sentences,
// the adapted upper part (with LoRA) run at every step, and span embeddings. adapt.ts builds losses, LoRAHub,
// fine-tuning and the held-out choice on top of it, the same for the CNN and the transformer.
import type * as tf from '@tensorflow/tfjs-core';
import type { LoraTensors, SpanSelection } from '../model/encoderTf';

/** Support sentences padded together, with the frozen part of the model computed once. */
export interface FrozenBatch {
  size: number;
  /** Padded words per sentence. */
  time: number;
  lengths: number[];
  /** [B, T] 1 for words, 0 for padding. */
  mask: tf.Tensor2D;
  dispose(): void;
}

export interface AdaptForward {
  /** [B*T, 5] BIOES logits. */
  tagLogits: tf.Tensor2D;
  /** [B, T, G] per-word states that span features are made of. */
  words: tf.Tensor3D;
  /** [B*T, D] states the boundary-aware contrastive loss applies to (an adapted intermediate layer). */
  contrastive?: tf.Tensor2D;
}

export interface AdaptModel {
  readonly spanDims: number;
  readonly typeScale: number;
  /** LoRA targets fine-tuning adapts by default, and the subset LoRAHub composes. */
  readonly defaultTargets: string[];
  readonly defaultLorahubTargets: string[];
  /** [in, out] of a weight LoRA can target; undefined when the model has no such adaptable weight. */
  weightShape(name: string): [number, number] | undefined;
  /** `targets`: the LoRA targets this adaptation may train (what must stay recomputable). */
  prepare(sentences: string[][], targets: string[]): Promise<FrozenBatch>;
  forward(batch: FrozenBatch, lora: LoraTensors | undefined, options: { training: boolean; seed: number; dropout: number }): AdaptForward;
  spanEmbeddings(words: tf.Tensor3D, selection: SpanSelection, lora: LoraTensors | undefined): tf.Tensor2D;
}
