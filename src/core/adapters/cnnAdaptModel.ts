// Adaptation of the CNN family: the input layer and the lower convolution blocks are frozen (their output is
// cached per batch), LoRA adapts the upper blocks, the span-tag head and the span projection.
import * as tf from '@tensorflow/tfjs-core';
import type { EncoderConfig } from '../model/architecture';
import type { Featurizer } from '../model/features';
import { encode, encodeFrom, spanEmbeddings, spanFeatures, type LoraTensors, type SpanSelection, type Weights } from '../model/encoderTf';
import { encodeSentence, padBatch } from '../training/batches';
import type { AdaptForward, AdaptModel, FrozenBatch } from './adaptModel';

/** The upper encoder blocks, the span-tag head and the span projection. */
export const CNN_TARGETS = ['conv2.W', 'conv3.W', 'tags.W', 'span.W'];
/** The layer the boundary-aware contrastive loss reads (the model was trained with it there). */
const CONTRASTIVE_LAYER = 2;

interface CnnFrozen extends FrozenBatch {
  /** Output of the last frozen block, [B, T, D]. */
  lower: tf.Tensor3D;
}

export class CnnAdaptModel implements AdaptModel {
  readonly defaultTargets = CNN_TARGETS;
  // Composing the span-tag head only: composing the encoder blocks and span projection too lowered the
  // support loss but hurt dev F1 (WNUT-17 and CrossNER dev, 5-shot, 3 seeds; docs/BENCHMARKS.md).
  readonly defaultLorahubTargets = ['tags.W'];
  private readonly first: number;

  constructor(
    private readonly config: EncoderConfig,
    private readonly weights: Weights,
    private readonly featurizer: Featurizer,
    targets: string[] = CNN_TARGETS,
  ) {
    const convs = targets.map((t) => /^conv(\d+)\.W$/.exec(t)).filter((m): m is RegExpExecArray => m !== null).map((m) => Number(m[1]));
    this.first = convs.length > 0 ? Math.min(...convs) : config.dilations.length;
    if (this.first < 1) throw new Error('LoRA targets must leave the first encoder block frozen (its output is cached)');
  }

  get spanDims(): number {
    return this.config.spanDims;
  }

  get typeScale(): number {
    return this.config.typeScale;
  }

  weightShape(name: string): [number, number] | undefined {
    const w = this.weights.get(name);
    return w && w.shape.length === 2 ? [w.shape[0], w.shape[1]] : undefined;
  }

  async prepare(sentences: string[][], _targets: string[]): Promise<FrozenBatch> {
    const padded = padBatch(
      this.featurizer,
      sentences.map((tokens) => encodeSentence(this.featurizer, tokens, [])),
    );
    const { size, time } = padded;
    const mask = tf.tensor2d(padded.mask, [size, time]);
    const lower = tf.tidy(() => {
      const x = tf.tensor3d(padded.features, [size, time, this.config.featureDims]);
      return encode(this.config, this.weights, x, mask, { training: false }).layers[this.first - 1];
    });
    const frozen: CnnFrozen = { size, time, lengths: padded.lengths, mask, lower, dispose: () => tf.dispose([mask, lower]) };
    return frozen;
  }

  forward(batch: FrozenBatch, lora: LoraTensors | undefined, options: { training: boolean; seed: number; dropout: number }): AdaptForward {
    const b = batch as CnnFrozen;
    const c = this.config;
    const out = encodeFrom(c, this.weights, b.lower, this.first, b.mask, { training: options.training, hiddenDropout: options.dropout, seed: options.seed }, lora);
    const N = b.size * b.time;
    const contrastive = out.layers[CONTRASTIVE_LAYER];
    return {
      tagLogits: tf.reshape(out.tagLogits, [N, c.spanTags]) as tf.Tensor2D,
      words: out.layers[c.dilations.length - 1],
      contrastive: contrastive ? (tf.reshape(contrastive, [N, c.hiddenDims]) as tf.Tensor2D) : undefined,
    };
  }

  spanEmbeddings(words: tf.Tensor3D, selection: SpanSelection, lora: LoraTensors | undefined): tf.Tensor2D {
    return spanEmbeddings(this.weights, spanFeatures(words, selection), lora);
  }
}
