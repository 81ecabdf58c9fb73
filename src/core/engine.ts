// Text in, entities out: tokenise, split, encode (onnxruntime), detect spans (stage 1), type them (stage 2).
import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CharSpan, Token, TokenSpan } from './types';
import { tokenize } from './text/tokenize';
import { splitSentences } from './text/sentences';
import { makeWindows, mergeWindowSpans } from './text/windows';
import { lengthBuckets } from './batching';
import { SentenceCache } from './sentenceCache';
import { WordVectors, decodeVectors } from './model/wordVectors';
import { Featurizer, quantizedNgramTable } from './model/features';
import { readManifest, readTypeVectors, defaultModelDir, type ModelManifest } from './model/modelDirectory';
import { chooseProvider, createSession, type ExecutionPreference, type SessionChoice } from './model/onnxSessions';
import { decodeSpans, SPAN_TAGS, type DetectedSpan } from './spans/bioes';
import { buildPrototypes, classify, normaliseRows, type TypeSpace } from './types/prototypes';
import { NOT_AN_ENTITY, mergeAdapter, type Adapter } from './adapters/adapter';
import { loadWeights, type NamedArray } from './model/weightsFile';
import { buildEncoderOnnx, buildSpanHeadOnnx } from './model/exportOnnx';

export interface EngineOptions {
  preference?: ExecutionPreference;
  /** Intra-op threads of onnxruntime (default: all cores). */
  threads?: number;
  /** Padded tokens per encoder call. */
  batchTokens?: number;
}

/** A typed span in token indices, with its scores. */
export interface ScoredTokenSpan extends TokenSpan {
  /** detection confidence x type probability */
  score: number;
  detection: number;
  typeProbability: number;
}

/** An entity in character offsets of the input text. */
export interface Entity extends CharSpan {
  text: string;
  score: number;
}

/** An entity of a cached sentence, offsets relative to the sentence's first character. */
type SentenceEntity = Omit<Entity, 'text'>;

const WINDOW_TOKENS = 128;
const WINDOW_OVERLAP = 32;

/** A detected span (token indices) with its detection confidence and span embedding. */
export interface EmbeddedSpan {
  start: number;
  end: number;
  confidence: number;
  embedding: Float32Array;
}

/** Stage 2: types detected spans by the nearest prototype; spans nearest to the non-entity prototype are dropped. */
export function classifySpans(types: TypeSpace, spans: readonly EmbeddedSpan[]): ScoredTokenSpan[] {
  const typedSpans: ScoredTokenSpan[] = [];
  for (const span of spans) {
    const typed = classify(types, span.embedding, 0);
    if (typed.label === NOT_AN_ENTITY) continue;
    typedSpans.push({
      start: span.start,
      end: span.end,
      label: typed.label,
      score: span.confidence * typed.probability,
      detection: span.confidence,
      typeProbability: typed.probability,
    });
  }
  return typedSpans;
}

export class NerEngine {
  private types: TypeSpace;
  readonly defaultTypes: TypeSpace;
  private readonly sentenceCache = new SentenceCache<SentenceEntity[]>();

  private constructor(
    readonly dir: string,
    readonly manifest: ModelManifest,
    readonly featurizer: Featurizer,
    private encoder: ort.InferenceSession,
    private spanHead: ort.InferenceSession,
    readonly execution: SessionChoice,
    private readonly batchTokens: number,
    private readonly threads: number,
  ) {
    const t = readTypeVectors(dir);
    const a = manifest.architecture;
    const vectors = Float32Array.from(t.typing === 'prototypes' ? t.prototypes : t.typeHead);
    this.defaultTypes = { labels: t.labels, dims: a.spanDims, vectors: normaliseRows(vectors, a.spanDims), scale: a.typeScale };
    this.types = this.defaultTypes;
  }

  static async load(dir: string = defaultModelDir(), options: EngineOptions = {}): Promise<NerEngine> {
    const manifest = readManifest(dir);
    const words = WordVectors.load(dir);
    const ngrams = quantizedNgramTable(decodeVectors(readFileSync(join(dir, 'ngram-vectors.bin'))));
    const featurizer = new Featurizer(words, ngrams);
    if (featurizer.featureDims !== manifest.architecture.featureDims) {
      throw new Error(`model ${dir}: features have ${featurizer.featureDims} dims, the encoder expects ${manifest.architecture.featureDims}`);
    }
    const choice = chooseProvider(options.preference ?? 'auto');
    const threads = options.threads ?? 0;
    const encoder = await createSession(join(dir, 'encoder.onnx'), choice, threads);
    const spanHead = await createSession(join(dir, 'span-head.onnx'), choice, threads);
    return new NerEngine(dir, manifest, featurizer, encoder, spanHead, choice, options.batchTokens ?? 4096, threads);
  }

  /** Entity types the engine assigns (the non-entity prototype is not a type). */
  get labels(): string[] {
    return this.types.labels.filter((l) => l !== NOT_AN_ENTITY);
  }

  private baseWeights?: Map<string, NamedArray>;
  private adapterName?: string;

  get activeAdapter(): string | undefined {
    return this.adapterName;
  }

  /**
   * Runs with an adapter from now on: its LoRA deltas merged into the weights (new ONNX sessions built in
   * memory) and its types; undefined returns to the base model and its own types.
   */
  async useAdapter(adapter: Adapter | undefined): Promise<void> {
    const weights = (this.baseWeights ??= loadWeights(join(this.dir, 'encoder-weights.bin')));
    const merged = adapter && adapter.modules.size > 0 ? mergeAdapter(weights, adapter) : weights;
    const choice = this.execution;
    const encoder = await createSession(buildEncoderOnnx(this.manifest.architecture, merged), choice, this.threads);
    const spanHead = await createSession(buildSpanHeadOnnx(this.manifest.architecture, merged), choice, this.threads);
    await this.encoder.release();
    await this.spanHead.release();
    this.encoder = encoder;
    this.spanHead = spanHead;
    this.adapterName = adapter?.config.name;
    this.sentenceCache.clear();
    this.types = adapter
      ? { labels: adapter.types.labels, dims: this.defaultTypes.dims, vectors: normaliseRows(adapter.types.vectors, this.defaultTypes.dims), scale: this.defaultTypes.scale }
      : this.defaultTypes;
  }

  /** Types the engine assigns from now on (e.g. prototypes of a support set); undefined restores the model's own. */
  useTypes(types: TypeSpace | undefined): void {
    this.types = types ?? this.defaultTypes;
    this.sentenceCache.clear();
  }

  /** Prototypes from labelled sentences: the few-shot type space of a support set. */
  async prototypesFrom(sentences: string[][], spans: TokenSpan[][]): Promise<TypeSpace> {
    const embeddings = (await this.embedSpans(sentences, spans)).flat();
    return buildPrototypes(embeddings, spans.flatMap((l) => l.map((s) => s.label)), this.types.dims, this.defaultTypes.scale);
  }

  /** Runs the encoder over batches; fn receives each batch's sentence indices and outputs. */
  private async forEachBatch(
    sentences: string[][],
    fn: (indices: number[], logProbs: Float32Array, hidden: Float32Array, time: number) => Promise<void>,
  ): Promise<void> {
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
      await fn(indices, out.tag_log_probs.data as Float32Array, out.hidden.data as Float32Array, time);
    }
  }

  /** Span embeddings [M, P] for spans of a batch, through the span head. */
  private async spanEmbeddings(hidden: Float32Array, time: number, spans: Array<{ b: number; start: number; end: number }>): Promise<Float32Array> {
    const D = this.manifest.architecture.hiddenDims;
    const features = new Float32Array(spans.length * 3 * D);
    spans.forEach(({ b, start, end }, m) => {
      const row = m * 3 * D;
      features.set(hidden.subarray((b * time + start) * D, (b * time + start + 1) * D), row);
      features.set(hidden.subarray((b * time + end - 1) * D, (b * time + end) * D), row + D);
      for (let t = start; t < end; t++) {
        const at = (b * time + t) * D;
        for (let d = 0; d < D; d++) features[row + 2 * D + d] += hidden[at + d] / (end - start);
      }
    });
    const out = await this.spanHead.run({ span_features: new ort.Tensor('float32', features, [spans.length, 3 * D]) });
    return out.span_embeddings.data as Float32Array;
  }

  /** Stage 1 over tokenised sentences: detected spans with their (unit-length) embeddings, not yet typed. */
  async detectAndEmbed(sentences: string[][]): Promise<EmbeddedSpan[][]> {
    const result: EmbeddedSpan[][] = sentences.map(() => []);
    const P = this.types.dims;
    await this.forEachBatch(sentences, async (indices, logProbs, hidden, time) => {
      const detected: Array<DetectedSpan & { b: number }> = [];
      indices.forEach((i, b) => {
        for (const s of decodeSpans(logProbs, sentences[i].length, b * time * SPAN_TAGS.length)) detected.push({ ...s, b });
      });
      if (detected.length === 0) return;
      const embeddings = await this.spanEmbeddings(hidden, time, detected);
      detected.forEach(({ start, end, confidence, b }, m) => {
        result[indices[b]].push({ start, end, confidence, embedding: embeddings.slice(m * P, (m + 1) * P) });
      });
    });
    return result;
  }

  /** Stage 1 + 2 over tokenised sentences. */
  async predictTokens(sentences: string[][]): Promise<ScoredTokenSpan[][]> {
    return (await this.detectAndEmbed(sentences)).map((spans) => classifySpans(this.types, spans));
  }

  /** Unit-length span embeddings of given spans, per sentence. */
  async embedSpans(sentences: string[][], spans: TokenSpan[][]): Promise<Float32Array[][]> {
    const result: Float32Array[][] = sentences.map(() => []);
    const P = this.types.dims;
    await this.forEachBatch(sentences, async (indices, _logProbs, hidden, time) => {
      const wanted = indices.flatMap((i, b) => spans[i].map((s) => ({ b, start: s.start, end: s.end })));
      if (wanted.length === 0) return;
      const embeddings = await this.spanEmbeddings(hidden, time, wanted);
      let m = 0;
      for (const i of indices) for (let k = 0; k < spans[i].length; k++, m++) result[i].push(embeddings.slice(m * P, (m + 1) * P));
    });
    return result;
  }

  /**
   * Entities of a text in character offsets; long sentences run in overlapping windows. Sentences seen
   * before (same text, same model, adapter and types) come from a cache instead of the model.
   */
  async highlight(text: string, options: { threshold?: number } = {}): Promise<Entity[]> {
    const tokens = tokenize(text);
    const sentences = splitSentences(text, tokens, { maxTokens: Number.MAX_SAFE_INTEGER });
    const found: Array<SentenceEntity[] | undefined> = sentences.map((s) => this.sentenceCache.get(text.slice(s.start, s.end)));
    const misses: Array<{ index: number; tokens: Token[]; windows: ReturnType<typeof makeWindows> }> = [];
    const windowTokens: string[][] = [];
    sentences.forEach((sentence, index) => {
      if (found[index]) return;
      const sentenceTokens = tokens.slice(sentence.tokenStart, sentence.tokenEnd);
      const windows = makeWindows(sentenceTokens.length, WINDOW_TOKENS, WINDOW_OVERLAP);
      misses.push({ index, tokens: sentenceTokens, windows });
      for (const w of windows) windowTokens.push(sentenceTokens.slice(w.start, w.end).map((t) => t.text));
    });
    const predicted = await this.predictTokens(windowTokens);
    let next = 0;
    for (const { index, tokens: sentenceTokens, windows } of misses) {
      const perWindow = windows.map(() => predicted[next++]);
      const base = sentences[index].start;
      const spans = mergeWindowSpans(windows, perWindow).map((span) => ({
        start: sentenceTokens[span.start].start - base,
        end: sentenceTokens[span.end - 1].end - base,
        label: span.label,
        score: span.score,
      }));
      found[index] = spans;
      this.sentenceCache.set(text.slice(base, sentences[index].end), spans);
    }
    const threshold = options.threshold ?? 0;
    const entities: Entity[] = [];
    sentences.forEach((sentence, index) => {
      for (const span of found[index]!) {
        if (span.score < threshold) continue;
        const start = sentence.start + span.start;
        const end = sentence.start + span.end;
        entities.push({ start, end, text: text.slice(start, end), label: span.label, score: span.score });
      }
    });
    return dropOverlaps(entities);
  }

  /** Sentences highlighted so far and not evicted (for tests and benchmarks). */
  get cachedSentences(): number {
    return this.sentenceCache.size;
  }

  async dispose(): Promise<void> {
    await this.encoder.release();
    await this.spanHead.release();
  }
}

/** Window merging can leave overlapping spans; keep the higher-scoring one of each overlapping pair. */
function dropOverlaps(entities: Entity[]): Entity[] {
  const byScore = [...entities].sort((a, b) => b.score - a.score);
  const kept: Entity[] = [];
  for (const e of byScore) if (!kept.some((k) => e.start < k.end && k.start < e.end)) kept.push(e);
  return kept.sort((a, b) => a.start - b.start);
}
