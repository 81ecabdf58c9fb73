// The CNN family at inference: word features (GloVe, shape flags, character n-grams) in plain JS, the
// dilated-CNN encoder and the span head as ONNX sessions.
import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lengthBuckets } from '../batching';
import { makeWindows, type TokenWindow } from '../text/windows';
import { WordVectors, decodeVectors } from './wordVectors';
import { Featurizer, quantizedNgramTable } from './features';
import type { ModelManifest } from './modelDirectory';
import type { EncoderConfig } from './architecture';
import { createSessions, type SessionChoice } from './onnxSessions';
import { loadWeights, type NamedArray } from './weightsFile';
import { buildEncoderOnnx, buildSpanHeadOnnx } from './exportOnnx';
import type { EncodedBatch, ModelRuntime } from './modelRuntime';

const WINDOW_TOKENS = 128;
const WINDOW_OVERLAP = 32;

export class CnnRuntime implements ModelRuntime {
  readonly family = 'cnn' as const;
  private weights?: Map<string, NamedArray>;

  private constructor(
    private readonly dir: string,
    private readonly config: EncoderConfig,
    readonly featurizer: Featurizer,
    private encoder: ort.InferenceSession,
    private spanHead: ort.InferenceSession,
    readonly execution: SessionChoice,
    private readonly threads: number,
    private readonly batchTokens: number,
  ) {}

  static async load(dir: string, manifest: ModelManifest, choice: SessionChoice, threads: number, batchTokens = 4096): Promise<CnnRuntime> {
    const config = manifest.architecture as EncoderConfig;
    const words = WordVectors.load(dir);
    const ngrams = quantizedNgramTable(decodeVectors(readFileSync(join(dir, 'ngram-vectors.bin'))));
    const featurizer = new Featurizer(words, ngrams);
    if (featurizer.featureDims !== config.featureDims) {
      throw new Error(`model ${dir}: features have ${featurizer.featureDims} dims, the encoder expects ${config.featureDims}`);
    }
    const [encoder, spanHead] = await createSessions([() => join(dir, 'encoder.onnx'), () => join(dir, 'span-head.onnx')], choice, threads);
    return new CnnRuntime(dir, config, featurizer, encoder, spanHead, choice, threads, batchTokens);
  }

  get hiddenDims(): number {
    return this.config.hiddenDims;
  }

  get spanDims(): number {
    return this.config.spanDims;
  }

  windows(words: readonly string[]): TokenWindow[] {
    return makeWindows(words.length, WINDOW_TOKENS, WINDOW_OVERLAP);
  }

  async forEachBatch(sentences: readonly string[][], fn: (batch: EncodedBatch) => Promise<void>): Promise<void> {
    const F = this.featurizer.featureDims;
    const lengths = sentences.map((s) => s.length);
    for (const indices of lengthBuckets(lengths, this.batchTokens, 512)) {
      const time = Math.max(1, ...indices.map((i) => lengths[i]));
      const features = new Float32Array(indices.length * time * F);
      const mask = new Float32Array(indices.length * time);
      indices.forEach((i, b) => {
        if (sentences[i].length === 0) return;
        this.featurizer.features(sentences[i], features, b * time * F);
        mask.fill(1, b * time, b * time + sentences[i].length);
      });
      const out = await this.encoder.run({
        features: new ort.Tensor('float32', features, [indices.length, time, F]),
        mask: new ort.Tensor('float32', mask, [indices.length, time]),
      });
      await fn({ indices, logProbs: out.tag_log_probs.data as Float32Array, hidden: out.hidden.data as Float32Array, time });
    }
  }

  async embedSpanFeatures(features: Float32Array, count: number): Promise<Float32Array> {
    const out = await this.spanHead.run({ span_features: new ort.Tensor('float32', features, [count, 3 * this.hiddenDims]) });
    return out.span_embeddings.data as Float32Array;
  }

  baseWeights(): Map<string, NamedArray> {
    return (this.weights ??= loadWeights(join(this.dir, 'encoder-weights.bin')));
  }

  async useWeights(weights: Map<string, NamedArray>): Promise<void> {
    // Both new sessions or neither: on a failure the runtime keeps the sessions it had.
    const [encoder, spanHead] = await createSessions([() => buildEncoderOnnx(this.config, weights), () => buildSpanHeadOnnx(this.config, weights)], this.execution, this.threads);
    const previous = [this.encoder, this.spanHead];
    this.encoder = encoder;
    this.spanHead = spanHead;
    await Promise.all(previous.map((s) => s.release()));
  }

  async dispose(): Promise<void> {
    await Promise.all([this.encoder.release(), this.spanHead.release()]);
  }
}
