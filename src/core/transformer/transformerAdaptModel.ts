// Adaptation of the transformer family. LoRA adapts the heads, and optionally the attention and feed-forward
// projections of the top transformer layers (targets l{i}.q.W ...). Layers below the lowest adapted one are
// frozen: onnxruntime runs them once per batch of support sentences and their output is cached. By default
// only the heads adapt: a transformer layer in TF.js costs about 0.4 s per step for a 5-shot support set on
// this machine's cores, and it did not help on the dev splits (docs/BENCHMARKS.md).
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
  /** Transformer layers (from the top) whose projections fine-tuning adapts by default. */
  adaptLayers: number;
  /** What LoRAHub composes. */
  lorahubTargets: string[];
}

export const HEAD_TARGETS = ['input.W', 'conv0.W', 'tags.W', 'span.W'];
const LAYER_TARGETS = ['q', 'k', 'v', 'o', 'ffn1', 'ffn2'];
export const DEFAULT_TRANSFORMER_ADAPTATION: TransformerAdaptSettings = { adaptLayers: 0, lorahubTargets: HEAD_TARGETS };

interface TransformerFrozen extends FrozenBatch {
  pieces: number;
  /** The lowest layer this batch recomputes (the layers count when none: the heads read `lower` directly). */
  first: number;
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
  /** Frozen-part sessions by the number of layers they run. */
  private readonly lowerSessions = new Map<number, Promise<ort.InferenceSession>>();

  constructor(
    private readonly config: TransformerConfig,
    private readonly weights: Weights,
    private readonly named: Map<string, NamedArray>,
    private readonly tokenizer: PieceTokenizer,
    settings: Partial<TransformerAdaptSettings> = {},
  ) {
    const s = { ...DEFAULT_TRANSFORMER_ADAPTATION, ...settings };
    if (!(s.adaptLayers >= 0 && s.adaptLayers < config.layers)) throw new Error(`adaptLayers must be in 0..${config.layers - 1}`);
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
    const w = this.named.get(name);
    return w && w.shape.length === 2 && !name.startsWith('emb.') ? [w.shape[0], w.shape[1]] : undefined;
  }

  /** Piece states after `layers` layers, by onnxruntime (several times faster than TF.js here). */
  private async lowerStates(layers: number, ids: BigInt64Array, pieceMask: Float32Array, size: number, pieces: number): Promise<Float32Array> {
    let session = this.lowerSessions.get(layers);
    if (!session) {
      session = createSession(buildTransformerLowerOnnx(this.config, this.named, layers), { provider: 'cpu', reason: 'adaptation' }, 1);
      this.lowerSessions.set(layers, session);
    }
    const out = await (await session).run({ ids: new ort.Tensor('int64', ids, [size, pieces]), piece_mask: new ort.Tensor('float32', pieceMask, [size, pieces]) });
    return out.layer_states.data as Float32Array;
  }

  async prepare(sentences: string[][], targets: string[]): Promise<FrozenBatch> {
    // Layers from the lowest adapted one up are recomputed at every step; those below run once, here.
    const adapted = targets.map((t) => /^l(\d+)\./.exec(t)).filter((m): m is RegExpExecArray => m !== null).map((m) => Number(m[1]));
    const first = adapted.length > 0 ? Math.min(...adapted) : this.config.layers;
    const batch = pieceBatch(
      this.tokenizer,
      sentences,
      sentences.map((s) => this.tokenizer.pieceWords(s)),
    );
    const { size, pieces, words } = batch;
    const H = this.config.hiddenDims;
    const lower =
      first > 0
        ? tf.tensor3d(await this.lowerStates(first, batch.ids, batch.pieceMask, size, pieces), [size, pieces, H])
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
      first,
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
    const { states, kept } = transformerLayers(this.config, this.weights, b.lower, b.pieceMask, b.first, this.config.layers, { training: options.training, dropout: options.dropout, seed: options.seed }, lora);
    const words = batchMatMul(b.wordSelection, states);
    const firstAdapted = kept[b.first];
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
    const { tagLogits, g, z } = transformerHeads(this.config, this.weights, upper.words, b.flags, b.mask, { training: options.training, dropout: options.dropout, seed: options.seed }, lora);
    return {
      tagLogits: tf.reshape(tagLogits, [b.size * b.time, this.config.spanTags]) as tf.Tensor2D,
      words: g,
      // The boundary-aware contrastive loss reads the first adapted layer: a transformer layer when LoRA
      // adapts one, else the heads' convolution states (a frozen layer would give it nothing to move).
      contrastive: touchesLayers ? upper.contrastive : (tf.reshape(z, [b.size * b.time, this.config.headDims]) as tf.Tensor2D),
    };
  }

  spanEmbeddings(words: tf.Tensor3D, selection: SpanSelection, lora: LoraTensors | undefined): tf.Tensor2D {
    return spanEmbeddings(this.weights, spanFeatures(words, selection), lora);
  }
}
