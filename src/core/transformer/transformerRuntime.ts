// The transformer family at inference: words -> pieces (the model's own tokenizer), the encoder and heads as
// an ONNX graph built in memory from the shipped weights (so an adapter's merged weights take the same path),
// and the span head.
import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import { leastPaddedBuckets } from '../batching';
import type { TokenWindow } from '../text/windows';
import type { ModelManifest } from '../model/modelDirectory';
import { createSessions, type SessionChoice } from '../model/onnxSessions';
import { loadWeights, type NamedArray } from '../model/weightsFile';
import type { EncodedBatch, ModelRuntime } from '../model/modelRuntime';
import type { TransformerConfig } from './architecture';
import { PieceTokenizer, type PiecedWords } from './pieceTokenizer';
import { makePieceWindows, WINDOW_OVERLAP, WINDOW_PIECES } from './pieceWindows';
import { documentPacks as packDocuments } from './documentPacks';
import { WORD_FLAGS, wordFlags } from './wordFeatures';
import { buildTransformerHeadsOnnx, buildTransformerSpanHeadOnnx, buildTransformerWordStatesOnnx, type FixedInputScale } from './transformerOnnx';

/**
 * Padded pieces per encoder call. Small batches keep a layer's activations in the CPU caches: on 2 cores, 512
 * highlighted the 55 visible lines of a long document in 97 ms against 175 ms at 4096, and a 1,500-line text
 * in 2.7 s against 3.1 s (scratch sweep of 128..4096, docs/BENCHMARKS.md 0.5).
 */
export const BATCH_PIECES = 512;

/**
 * What one more encoder call costs, in padded pieces, when sentences are split into batches with the least
 * padding: the 22 visible lines of the editor bench (394 pieces) ran 8-12% faster in 4 batches of 474 cells
 * than in the 2 batches of 744 cells greedy filling made (64 and 128 alike; docs/BENCHMARKS.md 0.11).
 */
const BATCH_COST_PIECES = 64;

/** Weights of the heads (everything else is the encoder, which heads-only adapters leave unchanged). */
const HEAD_WEIGHT = /^(input|conv0|tags|span)\./;

export function transformerFiles(manifest: ModelManifest): { weights: string; tokenizer: string } {
  return { weights: String(manifest.weightsFile ?? 'weights.bin'), tokenizer: String(manifest.tokenizer ?? 'tokenizer.json') };
}

/**
 * Padded encoder inputs of sentences that each fit in one window. Each pack (indices into `sentences`) is one
 * encoder input holding its sentences one after another (document context); the heads' inputs stay per sentence,
 * in pack order. Without packs every sentence is encoded alone.
 */
export interface PieceBatch {
  /** Encoder inputs (packs). */
  size: number;
  pieces: number;
  /** Sentences: rows of the heads' inputs, in pack order. */
  sentences: number;
  words: number;
  ids: BigInt64Array;
  pieceMask: Float32Array;
  /** Row of each word's first piece in the flattened [size * pieces] states (padding words: row 0). */
  wordRows: BigInt64Array;
  wordMask: Float32Array;
  flags: Float32Array;
}

export function pieceBatch(tokenizer: PieceTokenizer, sentences: ReadonlyArray<readonly string[]>, pieced: readonly PiecedWords[], packs: ReadonlyArray<readonly number[]> = sentences.map((_, i) => [i])): PieceBatch {
  const size = packs.length;
  const packPieces = packs.map((pack) => pack.reduce((n, i) => n + pieced[i].ids.length, 0));
  const pieces = Math.max(...packPieces) + 2;
  const order = packs.flat();
  const rows = order.length;
  const words = Math.max(1, ...order.map((i) => sentences[i].length));
  const ids = new BigInt64Array(size * pieces).fill(BigInt(tokenizer.special.pad));
  const pieceMask = new Float32Array(size * pieces);
  const wordRows = new BigInt64Array(rows * words);
  const wordMask = new Float32Array(rows * words);
  const flags = new Float32Array(rows * words * WORD_FLAGS);
  let row = 0;
  packs.forEach((pack, b) => {
    const at = b * pieces;
    ids[at] = BigInt(tokenizer.special.cls);
    let offset = 1;
    for (const i of pack) {
      const p = pieced[i];
      for (let k = 0; k < p.ids.length; k++) ids[at + offset + k] = BigInt(p.ids[k]);
      for (let t = 0; t < sentences[i].length; t++) wordRows[row * words + t] = BigInt(at + offset + p.wordStart[t]);
      wordMask.fill(1, row * words, row * words + sentences[i].length);
      wordFlags(tokenizer, sentences[i], flags, row * words * WORD_FLAGS);
      offset += p.ids.length;
      row++;
    }
    ids[at + offset] = BigInt(tokenizer.special.sep);
    pieceMask.fill(1, at, at + offset + 1);
  });
  return { size, pieces, sentences: rows, words, ids, pieceMask, wordRows, wordMask, flags };
}

/**
 * The model runs as three sessions: the encoder (pieces -> word states), the heads (word states -> span tags and
 * hidden features) and the span head. An adapter of the heads (the default) leaves the encoder's weights as
 * they are, so switching adapters rebuilds the two small head sessions only: rebuilding the encoder every time
 * grew the extension host by about 1 GiB over 15 adapter switches (the native allocator keeps what the released
 * sessions freed), and took longer.
 */
interface Sessions {
  wordStates: ort.InferenceSession;
  heads: ort.InferenceSession;
  spanHead: ort.InferenceSession;
  /** The encoder weights the word-state session was built from (compared by identity: adapters copy only what they change). */
  encoderWeights: Map<string, NamedArray>;
}

/** Which encoder projections run as int8, and their fixed activation scales (absent: scaled per piece). */
export interface Int8Settings {
  products: readonly string[];
  activationScales?: Readonly<Record<string, FixedInputScale>>;
}

const sentenceKey = (words: readonly string[]) => words.join('\u0000');

export class TransformerRuntime implements ModelRuntime {
  readonly family = 'transformer' as const;
  /**
   * Encoder word states per sentence, kept while the encoder's weights stay the same: with heads-only adapters,
   * scoring one text under many adapters (the few-shot benchmark) runs the encoder once. Off by default: the
   * editor sees each sentence once per model and would only pay the memory.
   */
  private states?: Map<string, Float32Array>;

  private constructor(
    private readonly config: TransformerConfig,
    readonly tokenizer: PieceTokenizer,
    private weights: Map<string, NamedArray>,
    private sessions: Sessions,
    readonly execution: SessionChoice,
    private readonly threads: number,
    private readonly batchPieces: number,
    /** Encoder projections run as int8 products, and their fixed activation scales (absent: per piece). */
    readonly int8: Int8Settings,
    /** Pieces per encoder input when sentences of one document are packed together (0: each sentence alone). */
    readonly documentContextPieces: number,
  ) {}

  static async load(dir: string, manifest: ModelManifest, choice: SessionChoice, threads: number, batchPieces = BATCH_PIECES, int8: Partial<Int8Settings> = {}): Promise<TransformerRuntime> {
    const config = manifest.architecture as unknown as TransformerConfig;
    // Integer products where the model's evaluation found them to cost less than 0.5 F1 on dev.
    const recorded = (manifest.runtime as { int8MatMul?: string[] } | undefined)?.int8MatMul;
    const products: Int8Settings = { products: int8.products ?? recorded ?? [], activationScales: int8.activationScales };
    const files = transformerFiles(manifest);
    const tokenizer = PieceTokenizer.fromFile(join(dir, files.tokenizer));
    if (tokenizer.vocabSize !== config.vocabSize) throw new Error(`model ${dir}: the tokenizer has ${tokenizer.vocabSize} pieces, the encoder ${config.vocabSize}`);
    const weights = loadWeights(join(dir, files.weights));
    const sessions = await TransformerRuntime.sessions(config, weights, choice, threads, products, undefined);
    // Models trained with document context record the pack size they were trained with.
    const context = Number((manifest.runtime as { documentContextPieces?: number } | undefined)?.documentContextPieces ?? 0);
    if (!(Number.isInteger(context) && context >= 0 && context <= WINDOW_PIECES)) throw new Error(`model ${dir}: runtime.documentContextPieces must be an integer in 0..${WINDOW_PIECES}, got ${context}`);
    return new TransformerRuntime(config, tokenizer, weights, sessions, choice, threads, batchPieces, products, context);
  }

  /** Sessions for `weights`; the encoder session of `keep` is reused when its weights are the same arrays. */
  private static async sessions(config: TransformerConfig, weights: Map<string, NamedArray>, choice: SessionChoice, threads: number, int8: Int8Settings, keep: Sessions | undefined): Promise<Sessions> {
    const encoderWeights = new Map([...weights].filter(([name]) => !HEAD_WEIGHT.test(name)));
    const sameEncoder = keep !== undefined && keep.encoderWeights.size === encoderWeights.size && [...keep.encoderWeights].every(([name, array]) => encoderWeights.get(name) === array);
    const graphs = [() => buildTransformerHeadsOnnx(config, weights), () => buildTransformerSpanHeadOnnx(config, weights)];
    if (!sameEncoder) graphs.unshift(() => buildTransformerWordStatesOnnx(config, weights, { int8: int8.products, activationScales: int8.activationScales }));
    const created = await createSessions(graphs, choice, threads);
    const [wordStates, heads, spanHead] = sameEncoder ? [keep.wordStates, ...created] : created;
    return { wordStates, heads, spanHead, encoderWeights: sameEncoder ? keep.encoderWeights : encoderWeights };
  }

  get hiddenDims(): number {
    return this.config.hiddenDims + this.config.headDims;
  }

  get spanDims(): number {
    return this.config.spanDims;
  }

  windows(words: readonly string[]): TokenWindow[] {
    return makePieceWindows(
      words.map((w) => this.tokenizer.piecesOf(w).length),
      WINDOW_PIECES,
      WINDOW_OVERLAP,
    );
  }

  documentPacks(sentences: readonly string[][], documents: readonly number[]): number[][] {
    if (this.documentContextPieces === 0) return sentences.map((_, i) => [i]);
    return packDocuments(
      sentences.map((s) => s.reduce((n, w) => n + this.tokenizer.piecesOf(w).length, 0)),
      documents,
      this.documentContextPieces,
    );
  }

  async forEachBatch(sentences: readonly string[][], fn: (batch: EncodedBatch) => Promise<void>, documents?: readonly number[]): Promise<void> {
    const pieced = sentences.map((s) => this.tokenizer.pieceWords(s));
    for (const p of pieced) {
      if (p.ids.length > WINDOW_PIECES) throw new Error(`a window of ${p.ids.length} pieces exceeds ${WINDOW_PIECES}: window sentences first`);
    }
    // Sentences of one document share encoder inputs when the model was trained that way; else each is alone.
    const packs = packDocuments(
      pieced.map((p) => p.ids.length),
      this.documentContextPieces > 0 ? documents : undefined,
      this.documentContextPieces || WINDOW_PIECES,
    );
    const lengths = packs.map((pack) => pack.reduce((n, i) => n + pieced[i].ids.length, 0) + 2);
    for (const chosen of leastPaddedBuckets(lengths, this.batchPieces, 256, BATCH_COST_PIECES)) {
      const batchPacks = chosen.map((k) => packs[k]);
      const indices = batchPacks.flat();
      const batch = pieceBatch(this.tokenizer, sentences, pieced, batchPacks);
      const wordStates = await this.wordStates(batch, indices.map((i) => sentences[i]), batchPacks.every((pack) => pack.length === 1));
      const out = await this.sessions.heads.run({
        word_states: new ort.Tensor('float32', wordStates, [batch.sentences, batch.words, this.config.hiddenDims]),
        word_mask: new ort.Tensor('float32', batch.wordMask, [batch.sentences, batch.words]),
        flags: new ort.Tensor('float32', batch.flags, [batch.sentences, batch.words, WORD_FLAGS]),
      });
      await fn({ indices, logProbs: out.tag_log_probs.data as Float32Array, hidden: out.hidden.data as Float32Array, time: batch.words });
    }
  }

  /** Keeps each sentence's encoder word states while the encoder's weights do not change (see `states`). */
  async cacheEncoderStates(): Promise<void> {
    this.states ??= new Map();
  }

  /** Sentences whose encoder states are kept (0 when the cache is off). */
  get cachedSentences(): number {
    return this.states?.size ?? 0;
  }

  /**
   * [sentences, words, hidden] encoder states of a batch: from the encoder, or from the cache when every sentence is
   * in it. Only sentences encoded alone are cached: a packed sentence's states depend on its neighbours.
   */
  private async wordStates(batch: PieceBatch, sentences: ReadonlyArray<readonly string[]>, alone: boolean): Promise<Float32Array> {
    const H = this.config.hiddenDims;
    const cache = alone ? this.states : undefined;
    if (!cache || sentences.some((s) => !cache.has(sentenceKey(s)))) {
      const out = await this.sessions.wordStates.run({
        ids: new ort.Tensor('int64', batch.ids, [batch.size, batch.pieces]),
        piece_mask: new ort.Tensor('float32', batch.pieceMask, [batch.size, batch.pieces]),
        word_rows: new ort.Tensor('int64', batch.wordRows, [batch.sentences * batch.words]),
        word_mask: new ort.Tensor('float32', batch.wordMask, [batch.sentences, batch.words]),
      });
      const all = out.word_states.data as Float32Array;
      if (!cache) return all;
      sentences.forEach((s, b) => cache.set(sentenceKey(s), all.slice(b * batch.words * H, (b * batch.words + s.length) * H)));
    }
    const wordStates = new Float32Array(batch.sentences * batch.words * H);
    sentences.forEach((s, b) => wordStates.set(cache.get(sentenceKey(s))!, b * batch.words * H));
    return wordStates;
  }

  async embedSpanFeatures(features: Float32Array, count: number): Promise<Float32Array> {
    const out = await this.sessions.spanHead.run({ span_features: new ort.Tensor('float32', features, [count, 3 * this.hiddenDims]) });
    return out.span_embeddings.data as Float32Array;
  }

  baseWeights(): Map<string, NamedArray> {
    return this.weights;
  }

  async useWeights(weights: Map<string, NamedArray>): Promise<void> {
    const previous = this.sessions;
    const next = await TransformerRuntime.sessions(this.config, weights, this.execution, this.threads, this.int8, previous);
    this.sessions = next;
    if (next.wordStates !== previous.wordStates) {
      this.states?.clear(); // states of another encoder
      await previous.wordStates.release();
    }
    await Promise.all([previous.heads.release(), previous.spanHead.release()]);
  }

  async dispose(): Promise<void> {
    const { wordStates, heads, spanHead } = this.sessions;
    this.states = undefined;
    await Promise.all([wordStates, heads, spanHead].map((session) => session.release()));
  }
}
