// Text in, entities out: tokenise, split, encode (onnxruntime), detect spans (stage 1), type them (stage 2).
// The model family (CNN over word features, or a transformer over sub-word pieces) sits behind ModelRuntime;
// windows, decoding, typing, adapters and the sentence cache are the same for both.
import { sentenceUsefulness, spanDoubts, type SentenceUsefulness, type UsefulnessRule } from './active/usefulness';
import type { CharSpan, TokenSpan } from './types';
import { tokenize } from './text/tokenize';
import { splitSentences } from './text/sentences';
import { paragraphsOf } from './text/paragraphs';
import { mergeWindowSpans, type TokenWindow } from './text/windows';
import { SentenceCache } from './sentenceCache';
import type { Featurizer } from './model/features';
import { readManifest, readTypeVectors, defaultModelDir, type ModelManifest } from './model/modelDirectory';
import { chooseProvider, type ExecutionPreference, type SessionChoice } from './model/onnxSessions';
import { NO_DOCUMENT, type ModelRuntime } from './model/modelRuntime';
import { CnnRuntime } from './model/cnnRuntime';
import type { FixedInputScale } from './transformer/transformerOnnx';
import { TransformerRuntime } from './transformer/transformerRuntime';
import { decodeSpans, SPAN_TAGS, type DetectedSpan } from './spans/bioes';
import { buildPrototypes, classify, normaliseRows, type TypeSpace } from './types/prototypes';
import { NOT_AN_ENTITY, mergeAdapter, type Adapter } from './adapters/adapter';
import { KEEP_OWN_TYPE_ABOVE, nameKey, oneTypePerName } from './spans/oneTypePerName';

export interface EngineOptions {
  preference?: ExecutionPreference;
  /** Intra-op threads of onnxruntime (default: all cores). */
  threads?: number;
  /** Padded tokens per encoder call. */
  batchTokens?: number;
  /**
   * One type per name within each highlighted text (spans/oneTypePerName.ts); default: what the model's
   * manifest records as measured to help on dev (postprocessing.oneTypePerName), else off.
   */
  oneTypePerName?: boolean;
  /** Transformer models: encoder projections run as int8 products (default: what the manifest records as measured). */
  int8MatMul?: readonly string[];
  /**
   * Transformer models: fixed activation scales of the int8 products (activationScales.ts; measured, not shipped:
   * docs/BENCHMARKS.md 0.11). Absent, as for every shipped model: activations are quantised per piece.
   */
  activationScales?: Readonly<Record<string, FixedInputScale>>;
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
  /** Probability of its type (stage 2); score = detection x this. */
  typeProbability?: number;
}

/** An entity of a cached sentence, offsets relative to the sentence's first character. */
type SentenceEntity = Omit<Entity, 'text'>;

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

  /** Whether highlight() harmonises the types of repeated names (see EngineOptions.oneTypePerName). */
  oneTypePerName: boolean;
  /** A mention at least this sure of its own type keeps it (chosen on dev with the model). */
  readonly keepOwnTypeAbove: number;

  private constructor(
    readonly dir: string,
    readonly manifest: ModelManifest,
    readonly runtime: ModelRuntime,
    oneTypePerName?: boolean,
  ) {
    const measured = (manifest.postprocessing as { oneTypePerName?: { enabled?: boolean; keepAbove?: number } } | undefined)?.oneTypePerName;
    this.oneTypePerName = oneTypePerName ?? measured?.enabled ?? false;
    this.keepOwnTypeAbove = measured?.keepAbove ?? KEEP_OWN_TYPE_ABOVE;
    const t = readTypeVectors(dir);
    const vectors = Float32Array.from(t.typing === 'prototypes' ? t.prototypes : t.typeHead);
    this.defaultTypes = { labels: t.labels, dims: runtime.spanDims, vectors: normaliseRows(vectors, runtime.spanDims), scale: Number(manifest.architecture.typeScale) };
    this.types = this.defaultTypes;
  }

  static async load(dir: string = defaultModelDir(), options: EngineOptions = {}): Promise<NerEngine> {
    const manifest = readManifest(dir);
    const choice = chooseProvider(options.preference ?? 'auto');
    const threads = options.threads ?? 0;
    const runtime =
      manifest.family === 'transformer'
        ? await TransformerRuntime.load(dir, manifest, choice, threads, options.batchTokens, { products: options.int8MatMul, activationScales: options.activationScales })
        : await CnnRuntime.load(dir, manifest, choice, threads, options.batchTokens);
    return new NerEngine(dir, manifest, runtime, options.oneTypePerName);
  }

  get execution(): SessionChoice {
    return this.runtime.execution;
  }

  /** The CNN model's word featurizer (benchmarks and parity tests of that family). */
  get featurizer(): Featurizer {
    if (!(this.runtime instanceof CnnRuntime)) throw new Error(`the ${this.runtime.family} model has no word featurizer`);
    return this.runtime.featurizer;
  }

  /** Entity types the engine assigns (the non-entity prototype is not a type). */
  get labels(): string[] {
    return this.types.labels.filter((l) => l !== NOT_AN_ENTITY);
  }

  private adapterName?: string;

  get activeAdapter(): string | undefined {
    return this.adapterName;
  }

  /**
   * Runs with an adapter from now on: its LoRA deltas merged into the weights (new ONNX sessions built in
   * memory) and its types; undefined returns to the base model and its own types.
   */
  async useAdapter(adapter: Adapter | undefined): Promise<void> {
    const weights = this.runtime.baseWeights();
    await this.runtime.useWeights(adapter && adapter.modules.size > 0 ? mergeAdapter(weights, adapter) : weights);
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

  /** The type space in use (prototypes of the active adapter or support set, or the model's own types). */
  get typeSpace(): TypeSpace {
    return this.types;
  }

  /** Prototypes from labelled sentences: the few-shot type space of a support set. */
  async prototypesFrom(sentences: string[][], spans: TokenSpan[][]): Promise<TypeSpace> {
    const embeddings = (await this.embedSpans(sentences, spans)).flat();
    return buildPrototypes(embeddings, spans.flatMap((l) => l.map((s) => s.label)), this.types.dims, this.defaultTypes.scale);
  }

  /** Span embeddings [M, P] for spans of a batch, through the span head. */
  private async spanEmbeddings(hidden: Float32Array, time: number, spans: Array<{ b: number; start: number; end: number }>): Promise<Float32Array> {
    const D = this.runtime.hiddenDims;
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
    return this.runtime.embedSpanFeatures(features, spans.length);
  }

  /**
   * Each sentence's windows, the windows' words as one flat list for the runtime, and each window's document (a
   * sentence cut into windows is encoded alone: its windows overlap).
   */
  private windowed(sentences: string[][], documents?: readonly number[]): { windows: TokenWindow[][]; words: string[][]; first: number[]; windowDocuments?: number[] } {
    const windows = sentences.map((s) => this.runtime.windows(s));
    const words: string[][] = [];
    const first: number[] = [];
    const windowDocuments: number[] = [];
    windows.forEach((list, i) => {
      first.push(words.length);
      for (const w of list) {
        words.push(sentences[i].slice(w.start, w.end));
        windowDocuments.push(list.length === 1 ? (documents?.[i] ?? NO_DOCUMENT) : NO_DOCUMENT);
      }
    });
    return { windows, words, first, windowDocuments: documents && windowDocuments };
  }

  /**
   * Stage 1 over tokenised sentences of any length: detected spans with their (unit-length) embeddings, not yet
   * typed. `documents` (one per sentence; consecutive sentences with the same one are neighbours in a document)
   * lets a model trained with document context encode each sentence with its neighbours.
   */
  async detectAndEmbed(sentences: string[][], documents?: readonly number[]): Promise<EmbeddedSpan[][]> {
    if (documents !== undefined && documents.length !== sentences.length) throw new RangeError(`${documents.length} documents for ${sentences.length} sentences`);
    const { windows, words, first, windowDocuments } = this.windowed(sentences, documents);
    const perWindow: EmbeddedSpan[][] = words.map(() => []);
    const P = this.types.dims;
    await this.runtime.forEachBatch(words, async ({ indices, logProbs, hidden, time }) => {
      const detected: Array<DetectedSpan & { b: number }> = [];
      indices.forEach((i, b) => {
        for (const s of decodeSpans(logProbs, words[i].length, b * time * SPAN_TAGS.length)) detected.push({ ...s, b });
      });
      if (detected.length === 0) return;
      const embeddings = await this.spanEmbeddings(hidden, time, detected);
      detected.forEach(({ start, end, confidence, b }, m) => {
        perWindow[indices[b]].push({ start, end, confidence, embedding: embeddings.slice(m * P, (m + 1) * P) });
      });
    }, windowDocuments);
    return windows.map((list, i) => {
      if (list.length === 1) return perWindow[first[i]];
      // Spans of overlapping windows: each from the window whose keep region holds its start.
      const merged = mergeWindowSpans(
        list,
        list.map((_, k) => perWindow[first[i] + k].map((s) => ({ ...s, label: '', score: s.confidence }))),
      );
      return merged.map(({ start, end, confidence, embedding }) => ({ start, end, confidence, embedding }));
    });
  }

  /** How useful labelling each tokenised sentence would be (active learning; see core/active/usefulness). */
  async usefulness(sentences: string[][], rule?: UsefulnessRule): Promise<SentenceUsefulness[]> {
    return (await this.detectAndEmbed(sentences)).map((spans) => sentenceUsefulness(spanDoubts(this.types, spans), rule));
  }

  /** Stage 1 + 2 over tokenised sentences (documents: as in detectAndEmbed). */
  async predictTokens(sentences: string[][], documents?: readonly number[]): Promise<ScoredTokenSpan[][]> {
    return (await this.detectAndEmbed(sentences, documents)).map((spans) => classifySpans(this.types, spans));
  }

  /** Unit-length span embeddings of given spans, per sentence; a long sentence's span is embedded in the window that holds it best. */
  async embedSpans(sentences: string[][], spans: TokenSpan[][]): Promise<Float32Array[][]> {
    const { windows, words, first } = this.windowed(sentences);
    // Each span goes to the window that contains it with the most context around it.
    const wanted: Array<Array<{ span: number; start: number; end: number }>> = words.map(() => []);
    spans.forEach((list, i) =>
      list.forEach((span, k) => {
        let best = 0;
        let bestMargin = -Infinity;
        windows[i].forEach((w, j) => {
          const margin = Math.min(span.start - w.start, w.end - span.end);
          if (margin > bestMargin) {
            bestMargin = margin;
            best = j;
          }
        });
        const w = windows[i][best];
        wanted[first[i] + best].push({ span: k, start: Math.max(0, span.start - w.start), end: Math.min(w.end - w.start, span.end - w.start) });
      }),
    );
    const result: Float32Array[][] = spans.map((list) => new Array<Float32Array>(list.length));
    const owner: number[] = [];
    windows.forEach((list, i) => list.forEach(() => owner.push(i)));
    const P = this.types.dims;
    await this.runtime.forEachBatch(words, async ({ indices, hidden, time }) => {
      const batchSpans = indices.flatMap((w, b) => wanted[w].map((s) => ({ b, start: s.start, end: s.end })));
      if (batchSpans.length === 0) return;
      const embeddings = await this.spanEmbeddings(hidden, time, batchSpans);
      let m = 0;
      for (const w of indices) for (const s of wanted[w]) result[owner[w]][s.span] = embeddings.slice(m * P, (m++ + 1) * P);
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
    const words = sentences.map((s) => tokens.slice(s.tokenStart, s.tokenEnd).map((t) => t.text));
    // A model trained with document context encodes the sentences of a paragraph together: a sentence's result
    // then depends on its pack, so the pack's text is part of its cache key.
    const packs = this.runtime.documentPacks?.(words, paragraphsOf(text, sentences)) ?? words.map((_, i) => [i]);
    const keys = new Array<string>(sentences.length);
    for (const pack of packs) {
      const texts = pack.map((i) => text.slice(sentences[i].start, sentences[i].end));
      pack.forEach((i, k) => (keys[i] = pack.length === 1 ? texts[0] : `${texts.join('\u0000')}\u0001${k}`));
    }
    const found: Array<SentenceEntity[] | undefined> = keys.map((key) => this.sentenceCache.get(key));
    // A pack runs whole when any of its sentences is new, each pack as a document of its own (so it packs the same).
    const missing = packs.filter((pack) => pack.some((i) => !found[i]));
    const misses = missing.flat();
    const predicted = await this.predictTokens(
      misses.map((i) => words[i]),
      missing.flatMap((pack, p) => pack.map(() => p)),
    );
    misses.forEach((index, k) => {
      const sentenceTokens = tokens.slice(sentences[index].tokenStart, sentences[index].tokenEnd);
      const base = sentences[index].start;
      const spans = predicted[k].map((span) => ({
        start: sentenceTokens[span.start].start - base,
        end: sentenceTokens[span.end - 1].end - base,
        label: span.label,
        score: span.score,
        typeProbability: span.typeProbability,
      }));
      found[index] = spans;
      this.sentenceCache.set(keys[index], spans);
    });
    const threshold = options.threshold ?? 0;
    const entities: Entity[] = [];
    sentences.forEach((sentence, index) => {
      for (const span of found[index]!) {
        if (!(span.score >= threshold)) continue; // a NaN score (a damaged type vector) never passes
        const start = sentence.start + span.start;
        const end = sentence.start + span.end;
        entities.push({ start, end, text: text.slice(start, end), label: span.label, score: span.score, typeProbability: span.typeProbability });
      }
    });
    const kept = dropOverlaps(entities);
    if (!this.oneTypePerName) return kept;
    return oneTypePerName(
      kept.map((e) => ({ ...e, typeProbability: e.typeProbability ?? 1 })),
      (e) => nameKey(e.text),
      this.keepOwnTypeAbove,
    ).map((e, i) => (e.label === kept[i].label ? kept[i] : { ...e, score: (kept[i].score / (kept[i].typeProbability ?? 1)) * e.typeProbability }));
  }

  /** Whether the model encodes the sentences of a paragraph together (trained with document context). */
  get documentContext(): boolean {
    return this.runtime instanceof TransformerRuntime && this.runtime.documentContextPieces > 0;
  }

  /** Forgets cached sentence results (after a warm-up run, or for benchmarks that must not be served by the cache). */
  clearCache(): void {
    this.sentenceCache.clear();
  }

  /** Sentences highlighted so far and not evicted (for tests and benchmarks). */
  get cachedSentences(): number {
    return this.sentenceCache.size;
  }

  async dispose(): Promise<void> {
    await this.runtime.dispose();
  }
}

/**
 * Window merging can leave overlapping spans; keep the higher-scoring one of each overlapping pair (greedily,
 * best first). Only spans in one run of transitively overlapping spans can affect each other, so the greedy
 * pass runs per run: O(n log n) over a document instead of quadratic.
 */
export function dropOverlaps<T extends { start: number; end: number; score: number }>(entities: readonly T[]): T[] {
  const sorted = [...entities].sort((a, b) => a.start - b.start || a.end - b.end);
  const kept: T[] = [];
  let run: T[] = [];
  let runEnd = -Infinity;
  const flush = () => {
    if (run.length === 1) kept.push(run[0]);
    else if (run.length > 1) {
      const chosen: T[] = [];
      for (const e of [...run].sort((a, b) => b.score - a.score)) if (!chosen.some((k) => e.start < k.end && k.start < e.end)) chosen.push(e);
      kept.push(...chosen.sort((a, b) => a.start - b.start));
    }
    run = [];
  };
  for (const e of sorted) {
    if (e.start >= runEnd) {
      flush();
      runEnd = -Infinity;
    }
    run.push(e);
    runEnd = Math.max(runEnd, e.end);
  }
  flush();
  return kept;
}
