// Adaptation of the transformer family: the embeddings and the lower layers are frozen, so onnxruntime runs
// them once per batch of support sentences and their output is cached; LoRA adapts the attention and
// feed-forward projections of the top `adaptLayers` layers and the heads, in TF.js. When a LoRA leaves the
// transformer layers alone (LoRAHub composes the heads only), their output is cached too, so each LoRAHub
// evaluation costs only the heads.
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { spanEmbeddings, spanFeatures, type LoraTensors, type SpanSelection, type Weights } from '../model/encoderTf';
import type { NamedArray } from '../model/weightsFile';
import { createSession } from '../model/onnxSessions';
import type { AdaptForward, AdaptModel, FrozenBatch } from '../adapters/adaptModel';
import type { TransformerConfig } from './architecture';
import type { PieceTokenizer } from './pieceTokenizer';
import { pieceBatch } from './transformerRuntime';
import { WORD_FLAGS } from './wordFeatures';
import { batchMatMul, embedPieces, transformerHeads, transformerLayers } from './transformerTf';
import { buildTransformerLowerOnnx } from './transformerOnnx';

export interface TransformerAdaptSettings {
  /** Transformer layers (from the top) whose projections LoRA adapts. */
  adaptLayers: number;
  /** What LoRAHub composes. */
  lorahubTargets: string[];
}

export const HEAD_TARGETS = ['input.W', 'conv0.W', 'tags.W', 'span.W'];
const LAYER_TARGETS = ['q', 'k', 'v', 'o', 'ffn1', 'ffn2'];
export const DEFAULT_TRANSFORMER_ADAPTATION: TransformerAdaptSettings = { adaptLayers: 1, lorahubTargets: HEAD_TARGETS };

interface TransformerFrozen extends FrozenBatch {
  pieces: number;
  /** [B, S, H] states entering the first adapted layer. */
  lower: tf.Tensor3D;
  pieceMask: tf.Tensor2D;
  /** [B, T, S] one-hot rows picking each word's first piece from its own sentence's pieces. */
  wordSelection: tf.Tensor3D;
  flags: tf.Tensor3D;
  /** Outputs of the adapted layers without LoRA: computed on first use. */
  plain?: { words: tf.Tensor3D; contrastive?: tf.Tensor2D };
}

/** Adapted LoRA targets of the transformer's top `layers` layers plus the heads. */
export function transformerTargets(config: TransformerConfig, layers: number): string[] {
  const first = config.layers - layers;
  const out: string[] = [];
  for (let i = first; i < config.layers; i++) for (const p of LAYER_TARGETS) out.push(`l${i}.${p}.W`);
  return [...out, ...HEAD_TARGETS];
}

export class TransformerAdaptModel implements AdaptModel {
  readonly defaultTargets: string[];
  readonly defaultLorahubTargets: string[];
  private readonly first: number;
  private lowerSession?: Promise<ort.InferenceSession>;

  constructor(
    private readonly config: TransformerConfig,
    private readonly weights: Weights,
    private readonly named: Map<string, NamedArray>,
    private readonly tokenizer: PieceTokenizer,
    settings: Partial<TransformerAdaptSettings> = {},
  ) {
    const s = { ...DEFAULT_TRANSFORMER_ADAPTATION, ...settings };
    if (!(s.adaptLayers >= 0 && s.adaptLayers <= config.layers)) throw new Error(`adaptLayers must be in 0..${config.layers}`);
    this.first = config.layers - s.adaptLayers;
    this.defaultTargets = transformerTargets(config, s.adaptLayers);
    this.defaultLorahubTargets = s.lorahubTargets;
  }

  get spanDims(): number {
    return this.config.spanDims;
  }

  get typeScale(): number {
    return this.config.typeScale;
  }

  weightShape(name: string): [number, number] | undefined {
    const m = /^l(\d+)\./.exec(name);
    if (m && Number(m[1]) < this.first) return undefined; // frozen: its input is not recomputed
    const w = this.weights.get(name);
    return w && w.shape.length === 2 && !name.startsWith('emb.') ? [w.shape[0], w.shape[1]] : undefined;
  }

  /** Piece states entering the first adapted layer, by onnxruntime (several times faster than TF.js here). */
  private async lowerStates(ids: BigInt64Array, pieceMask: Float32Array, size: number, pieces: number): Promise<Float32Array> {
    this.lowerSession ??= createSession(buildTransformerLowerOnnx(this.config, this.named, this.first), { provider: 'cpu', reason: 'adaptation' }, 1);
    const session = await this.lowerSession;
    const out = await session.run({ ids: new ort.Tensor('int64', ids, [size, pieces]), piece_mask: new ort.Tensor('float32', pieceMask, [size, pieces]) });
    return out.layer_states.data as Float32Array;
  }

  async prepare(sentences: string[][]): Promise<FrozenBatch> {
    const batch = pieceBatch(
      this.tokenizer,
      sentences,
      sentences.map((s) => this.tokenizer.pieceWords(s)),
    );
    const { size, pieces, words } = batch;
    const H = this.config.hiddenDims;
    const lower =
      this.first > 0
        ? tf.tensor3d(await this.lowerStates(batch.ids, batch.pieceMask, size, pieces), [size, pieces, H])
        : embedPieces(this.config, this.weights, Int32Array.from(batch.ids, (v) => Number(v)), size, pieces);
    const selection = new Float32Array(size * words * pieces);
    for (let b = 0; b < size; b++) {
      for (let t = 0; t < sentences[b].length; t++) selection[(b * words + t) * pieces + Number(batch.wordRows[b * words + t]) - b * pieces] = 1;
    }
    const pieceMask = tf.tensor2d(batch.pieceMask, [size, pieces]);
    const mask = tf.tensor2d(batch.wordMask, [size, words]);
    const wordSelection = tf.tensor3d(selection, [size, words, pieces]);
    const flags = tf.tensor3d(batch.flags, [size, words, WORD_FLAGS]);
    const frozen: TransformerFrozen = {
      size,
      time: words,
      lengths: sentences.map((s) => s.length),
      mask,
      pieces,
      lower,
      pieceMask,
      wordSelection,
      flags,
      dispose: () => {
        tf.dispose([mask, lower, pieceMask, wordSelection, flags]);
        if (frozen.plain) tf.dispose([frozen.plain.words, frozen.plain.contrastive].filter(Boolean) as tf.Tensor[]);
      },
    };
    return frozen;
  }

  /** Word states [B, T, H] after the adapted layers, and the first adapted layer's word states for the contrastive loss. */
  private upper(b: TransformerFrozen, lora: LoraTensors | undefined, options: { training: boolean; seed: number; dropout: number }): { words: tf.Tensor3D; contrastive?: tf.Tensor2D } {
    const { states, kept } = transformerLayers(this.config, this.weights, b.lower, b.pieceMask, this.first, this.config.layers, { training: options.training, dropout: options.dropout, seed: options.seed }, lora);
    const words = batchMatMul(b.wordSelection, states);
    const firstAdapted = kept[this.first];
    const contrastive = firstAdapted ? (tf.reshape(batchMatMul(b.wordSelection, firstAdapted), [b.size * b.time, this.config.hiddenDims]) as tf.Tensor2D) : undefined;
    return { words, contrastive };
  }

  forward(batch: FrozenBatch, lora: LoraTensors | undefined, options: { training: boolean; seed: number; dropout: number }): AdaptForward {
    const b = batch as TransformerFrozen;
    const touchesLayers = !!lora && [...lora.modules.keys()].some((name) => /^l\d+\./.test(name));
    let upper: { words: tf.Tensor3D; contrastive?: tf.Tensor2D };
    // The frozen layers' dropout is left out when no LoRA touches them: nothing there learns from it.
    if (!touchesLayers) {
      if (!b.plain) {
        // Kept beyond any enclosing tidy(): the batch owns these until it is disposed.
        const plain = tf.tidy(() => this.upper(b, undefined, options));
        tf.keep(plain.words);
        if (plain.contrastive) tf.keep(plain.contrastive);
        b.plain = plain;
      }
      upper = b.plain;
    } else upper = this.upper(b, lora, options);
    const { tagLogits, g } = transformerHeads(this.config, this.weights, upper.words, b.flags, b.mask, { training: options.training, dropout: options.dropout, seed: options.seed }, lora);
    return {
      tagLogits: tf.reshape(tagLogits, [b.size * b.time, this.config.spanTags]) as tf.Tensor2D,
      words: g,
      contrastive: upper.contrastive,
    };
  }

  spanEmbeddings(words: tf.Tensor3D, selection: SpanSelection, lora: LoraTensors | undefined): tf.Tensor2D {
    return spanEmbeddings(this.weights, spanFeatures(words, selection), lora);
  }
}
