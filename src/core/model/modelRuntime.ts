// What the engine needs from a model family: windows a long sentence fits in, the encoder over batches of
// sentences (per-word tag log-probabilities and hidden states), the span head, and the weights that
// adapters are merged into. The CNN over word features and the transformer over sub-word pieces both
// provide it; everything above (decoding, typing, adapters, caching) is shared.
import type { TokenWindow } from '../text/windows';
import type { NamedArray } from './weightsFile';
import type { SessionChoice } from './onnxSessions';

export type ModelFamily = 'cnn' | 'transformer';

/** A sentence's document when it has none: it is encoded alone. */
export const NO_DOCUMENT = -1;

/** One encoder call: rows b of the batch are sentences[indices[b]], padded to `time` words. */
export interface EncodedBatch {
  indices: number[];
  /** [B, time, 5] BIOES log-probabilities. */
  logProbs: Float32Array;
  /** [B, time, hiddenDims] per-word states that span features are made of. */
  hidden: Float32Array;
  time: number;
}

export interface ModelRuntime {
  readonly family: ModelFamily;
  /** Width of the per-word states in EncodedBatch.hidden; span features are 3x this. */
  readonly hiddenDims: number;
  readonly spanDims: number;
  readonly execution: SessionChoice;
  /** Windows that cover a sentence of these words, each small enough for one encoder call. */
  windows(words: readonly string[]): TokenWindow[];
  /**
   * Runs the encoder over sentences that each fit in one window. `documents` (one per sentence; consecutive
   * sentences with the same one are neighbours, negative: none) lets a family trained with document context encode
   * neighbours together; the others ignore it.
   */
  forEachBatch(sentences: readonly string[][], fn: (batch: EncodedBatch) => Promise<void>, documents?: readonly number[]): Promise<void>;
  /**
   * Where the model was trained with document context: which sentences it encodes together (packs of indices, in
   * order), given each sentence's document. Absent: every sentence alone.
   */
  documentPacks?(sentences: readonly string[][], documents: readonly number[]): number[][];
  /** Unit-length span embeddings [count, spanDims] of span features [count, 3 * hiddenDims]. */
  embedSpanFeatures(features: Float32Array, count: number): Promise<Float32Array>;
  /** The base weights by name (what adapters' deltas are added to). */
  baseWeights(): Map<string, NamedArray>;
  /** Runs with these weights from now on (an adapter merged into the base ones). */
  useWeights(weights: Map<string, NamedArray>): Promise<void>;
  /** Where the family can: keep the encoder's states of each sentence seen while adapters leave the encoder unchanged. */
  cacheEncoderStates?(): Promise<void>;
  dispose(): Promise<void>;
}
