// Support set -> adapter. BANER's few-shot path, for either model family (adapters/adaptModel.ts):
//   1. the frozen lower part of the model runs once per group of support sentences (its output is cached);
//   2. LoRAHub: weights w for the shipped domain adapters, A = sum w_i A_i, B = sum w_i B_i, minimising the
//      support loss + 0.05 mean|w| with CMA-ES (gradient-free, ~40 evaluations);
//   3. fine-tuning of a LoRA initialised from that composition on the support loss
//      (span tags + boundary-aware contrastive + prototype classification inside the support set);
//   4. prototypes of the support types (and of non-entities) from the adapted span embeddings.
// With method 'auto' the adaptation never trusts itself blindly: k-fold held-out F1 on the support set
// (each fold predicted by an adapter trained without it) chooses between prototypes only and a LoRA fine-tuned
// from zero after 10 or 20 steps (LoRAHub and LoRAHub + fine-tuning too with hubCandidates); a more complex
// method must beat the simpler choice by a margin and win in 95% of paired bootstrap resamples of the held-out
// sentences (adapters/pairedChoice.ts).
// Runs in a worker thread in the extension; progress is reported and cancellation is honoured between steps.
import * as tf from '@tensorflow/tfjs-core';
import type { LabeledSentence, TokenSpan } from './types';
import type { AdaptationBase } from './adapters/adaptationBase';
import { ADAPTER_FORMAT, NOT_AN_ENTITY, composeModules, loraScale, type Adapter, type LoraModule } from './adapters/adapter';
import type { AdaptModel, FrozenBatch } from './adapters/adaptModel';
import { l2Normalize, matMul2d, type LoraTensors, type SpanSelection } from './model/encoderTf';
import { selectionTensors, spanSelectionData } from './training/batches';
import { spansToTagIds, decodeSpans, SPAN_TAGS, TAG_O } from './spans/bioes';
import { buildContrastivePairs, boundaryContrastiveLoss, type ContrastivePairs } from './spans/boundaryContrastive';
import { minimizeCmaEs } from './adapters/cmaes';
import { CancelledError, type CancelToken } from './cancellation';
import { seededRandom, shuffleInPlace } from './random';
import { normaliseRows } from './types/prototypes';
import { readTypeVectors } from './model/modelDirectory';
import { choosePaired } from './adapters/pairedChoice';

/** Paired bootstrap resamples of the held-out sentences behind an 'auto' choice. */
const CHOICE_RESAMPLES = 1000;

export interface SupportSet {
  sentences: LabeledSentence[];
  /** Per sentence, spans the user rejected: not entities in that sentence. */
  rejected?: TokenSpan[][];
  /**
   * Per sentence, the model's suggestions the user has not confirmed: unknown, so left out of every loss and of
   * the held-out scores (neither entity nor non-entity).
   */
  unconfirmed?: TokenSpan[][];
}

/** 'auto' chooses among the other three by held-out F1 on the support set. */
export type AdaptMethod = 'none' | 'lorahub' | 'full' | 'auto';

export interface AdaptOptions {
  name: string;
  method: AdaptMethod;
  /** Domain adapters for LoRAHub (same base model). */
  hub?: Adapter[];
  rank?: number;
  alpha?: number;
  targets?: string[];
  steps?: number;
  learningRate?: number;
  contrastiveWeight?: number;
  prototypeWeight?: number;
  lorahubBudget?: number;
  lorahubL1?: number;
  /** Which targets LoRAHub composes (the others start from B = 0); default: the family's choice. */
  lorahubTargets?: string[];
  /** Learn a prototype of non-entities from wrongly detected and rejected spans. */
  negativePrototype?: boolean;
  hiddenDropout?: number;
  /**
   * Weight of tokens outside entities in the span-tag loss. Below 1 keeps a few support sentences from
   * teaching the detector to stay silent; wrongly detected spans are caught by the non-entity prototype.
   */
  outsideTagWeight?: number;
  batchSentences?: number;
  seed?: number;
  /**
   * Keep the base model's own types that the support set does not label (their vectors from the model's
   * types.json), so that labelling a new type adds it instead of replacing everything the model knew.
   * Off for the few-shot benchmarks, where the support set alone defines the types.
   */
  keepModelTypes?: boolean;
  /** 'auto': number of held-out folds (at most one per labelled sentence). */
  folds?: number;
  /** 'auto': held-out F1 points a method must gain over the simpler one before it is chosen. */
  choiceMargin?: number;
  /**
   * 'auto': share of paired bootstrap resamples of the held-out sentences in which it must also win (0: margin only).
   * 0.95, not 0.9: on the dev splits 0.9 took a LoRA that then lost 1 F1 to prototypes on literature 5-shot; 0.95
   * came within 0.03 of prototypes on every dev cell and kept the other gains (docs/BENCHMARKS.md 0.4).
   */
  choiceConfidence?: number;
  /** 'auto': fine-tuning step counts compared on the held-out folds (early stopping); the largest is the budget. */
  stepChoices?: number[];
  /** 'auto': compare a LoRA fine-tuned from zero (no LoRAHub start) after each of the step choices. */
  plainLoraCandidates?: boolean;
  /**
   * 'auto': also compare LoRAHub and LoRAHub + fine-tuning. Off by default: on the dev splits LoRAHub scored
   * below prototypes in 4 of 6 settings (WNUT-17 by 10-16 points) and, as a candidate, was chosen on lucky
   * folds and lost on test (docs/BENCHMARKS.md 0.4). The methods stay available by name ('lorahub', 'full').
   */
  hubCandidates?: boolean;
}

export interface AdaptProgress {
  /** 'evaluate' is reported by callers that score the adapter after adapt() returns. */
  phase: 'prepare' | 'choose' | 'lorahub' | 'finetune' | 'prototypes' | 'evaluate';
  step: number;
  total: number;
  loss?: number;
}

const DEFAULTS = {
  rank: 8,
  alpha: 16,
  steps: 20,
  learningRate: 1e-3,
  contrastiveWeight: 0.1,
  prototypeWeight: 1,
  lorahubBudget: 40,
  lorahubL1: 0.05,
  negativePrototype: true,
  hiddenDropout: 0.1,
  outsideTagWeight: 1,
  batchSentences: 32,
  seed: 1,
  folds: 3,
  choiceMargin: 1,
  choiceConfidence: 0.95,
  stepChoices: [10, 20],
  plainLoraCandidates: true,
  hubCandidates: false,
};

type Options = typeof DEFAULTS & AdaptOptions & { targets: string[]; lorahubTargets: string[] };

interface Item {
  sentence: LabeledSentence;
  rejected: TokenSpan[];
  unconfirmed: TokenSpan[];
}

/** Whether a token span overlaps any of `spans`. */
function overlapsAny(span: { start: number; end: number }, spans: readonly TokenSpan[]): boolean {
  return spans.some((s) => span.start < s.end && s.start < span.end);
}

/** Support sentences padded together with everything the losses need; `fold` says which held-out fold they are in. */
interface SupportBatch {
  fold: number;
  items: Item[];
  frozen: FrozenBatch;
  /** [B*T, 5] weights of the gold BIOES tags. */
  tagTargets: tf.Tensor2D;
  /** Gold spans, then non-entity spans (wrongly detected by the base model, or rejected), per sentence. */
  spans: TokenSpan[][];
  /** Label of each selected span, in selection order. */
  spanLabels: string[];
  selection?: SpanSelection;
  pairs: ContrastivePairs;
}

function checkCancelled(cancel?: CancelToken): void {
  if (cancel?.cancelled) throw new CancelledError('adaptation cancelled');
}

/** Model, options and progress shared by the steps of one adapt() call. */
class Adaptation {
  readonly scale: number;
  constructor(
    readonly model: AdaptModel,
    readonly o: Options,
    readonly onProgress: (p: AdaptProgress) => void,
    readonly cancel: CancelToken | undefined,
  ) {
    this.scale = loraScale(o);
  }

  toTensors(modules: Map<string, LoraModule>): LoraTensors {
    return {
      scale: this.scale,
      modules: new Map([...modules].map(([name, m]) => [name, { A: tf.tensor2d(m.A, [m.inDim, this.o.rank]), B: tf.tensor2d(m.B, [this.o.rank, m.outDim]) }])),
    };
  }

  /** Groups sentences (within their fold) and runs the frozen part; negatives come from the base model's detections. */
  async prepare(items: Item[], foldOf: number[], random: () => number): Promise<SupportBatch[]> {
    const { model, o } = this;
    const batches: SupportBatch[] = [];
    const folds = Math.max(...foldOf) + 1;
    for (let fold = 0; fold < folds; fold++) {
      const inFold = items.filter((_, i) => foldOf[i] === fold);
      for (let at = 0; at < inFold.length; at += o.batchSentences) {
        const group = inFold.slice(at, at + o.batchSentences);
        const frozen = await model.prepare(group.map((x) => x.sentence.tokens), o.targets);
        const { size, time } = frozen;
        const logProbs = tf.tidy(() => tf.logSoftmax(model.forward(frozen, undefined, { training: false, seed: 0, dropout: 0 }).tagLogits));
        const lp = logProbs.dataSync() as Float32Array;
        logProbs.dispose();
        const spans = group.map((x, b) => {
          const gold = new Set(x.sentence.spans.map((s) => `${s.start}:${s.end}`));
          const wrong = o.negativePrototype ? decodeSpans(lp, x.sentence.tokens.length, b * time * SPAN_TAGS.length).filter((s) => !gold.has(`${s.start}:${s.end}`) && !overlapsAny(s, x.unconfirmed)) : [];
          const negatives = [...wrong, ...x.rejected].map((s) => ({ start: s.start, end: s.end, label: NOT_AN_ENTITY }));
          return [...x.sentence.spans, ...negatives];
        });
        const tagTargets = new Float32Array(size * time * SPAN_TAGS.length);
        group.forEach((x, b) => {
          // Rejected spans are O tokens already: only gold spans become B/I/E/S.
          spansToTagIds(x.sentence.tokens.length, x.sentence.spans).forEach((tag, t) => (tagTargets[(b * time + t) * SPAN_TAGS.length + tag] = tag === TAG_O ? o.outsideTagWeight : 1));
          // Tokens of unconfirmed suggestions get no target at all: a zero row adds nothing to the loss.
          for (const u of x.unconfirmed) for (let t = u.start; t < u.end; t++) tagTargets.fill(0, (b * time + t) * SPAN_TAGS.length, (b * time + t + 1) * SPAN_TAGS.length);
        });
        const sel = spanSelectionData(spans, time);
        batches.push({
          fold,
          items: group,
          frozen,
          tagTargets: tf.tensor2d(tagTargets, [size * time, SPAN_TAGS.length]),
          spans,
          spanLabels: spans.flat().map((s) => s.label),
          selection: sel.count > 0 ? selectionTensors(sel, size * time) : undefined,
          pairs: buildContrastivePairs(
            group.map((x) => x.sentence.spans),
            group.map((x) => x.sentence.tokens.length),
            time,
            2,
            random,
            group.map((x) => x.unconfirmed),
          ),
        });
      }
    }
    return batches;
  }

  /** The support loss of one batch under the given LoRA tensors. */
  batchLoss(batch: SupportBatch, lora: LoraTensors | undefined, training: boolean, seed: number): tf.Scalar {
    const { model, o } = this;
    const out = model.forward(batch.frozen, lora, { training, seed, dropout: o.hiddenDropout });
    let loss = tf.div(tf.neg(tf.sum(tf.mul(batch.tagTargets, tf.logSoftmax(out.tagLogits)))), tf.sum(batch.frozen.mask)) as tf.Scalar;
    if (batch.selection && o.prototypeWeight > 0) {
      const classes = [...new Set(batch.spanLabels)];
      const Yd = new Float32Array(batch.spanLabels.length * classes.length);
      batch.spanLabels.forEach((label, m) => (Yd[m * classes.length + classes.indexOf(label)] = 1));
      const emb = model.spanEmbeddings(out.words, batch.selection, lora); // [M, P]
      // Episodes inside the batch: each span is classified against prototypes (normalised class means)
      // built without itself, so a class's only example teaches nothing about itself.
      const Y = tf.tensor2d(Yd, [batch.spanLabels.length, classes.length]); // [M, C]
      const sums = matMul2d(tf.transpose(Y) as tf.Tensor2D, emb); // [C, P]
      const counts = tf.sum(Y, 0); // [C]
      const ownCount = tf.sum(tf.mul(Y, counts), 1); // [M]
      const others = tf.mul(matMul2d(emb, tf.transpose(l2Normalize(sums)) as tf.Tensor2D), tf.sub(1, Y)); // [M, C]
      const ownProto = l2Normalize(tf.sub(matMul2d(Y, sums), emb)); // [M, P] own class without this span
      const own = tf.mul(tf.expandDims(tf.sum(tf.mul(emb, ownProto), 1), 1), Y);
      const typeLogits = tf.mul(tf.add(others, own), model.typeScale);
      const usable = tf.cast(tf.greater(ownCount, 1), 'float32'); // spans whose class has another example
      const perSpan = tf.neg(tf.sum(tf.mul(Y, tf.logSoftmax(typeLogits)), 1));
      const protoLoss = tf.div(tf.sum(tf.mul(perSpan, usable)), tf.maximum(tf.sum(usable), 1));
      loss = tf.add(loss, tf.mul(protoLoss, o.prototypeWeight));
    }
    if (o.contrastiveWeight > 0 && batch.pairs.entities > 0 && out.contrastive) {
      loss = tf.add(loss, tf.mul(boundaryContrastiveLoss(out.contrastive, batch.pairs, 0.2), o.contrastiveWeight));
    }
    return loss as tf.Scalar;
  }

  /** Mean support loss over batches (weighted by sentences). */
  supportLoss(batches: SupportBatch[], lora: LoraTensors | undefined): number {
    const sentences = batches.reduce((n, b) => n + b.items.length, 0);
    return tf.tidy(() => batches.reduce((sum, b) => sum + this.batchLoss(b, lora, false, 0).dataSync()[0] * b.items.length, 0) / Math.max(1, sentences));
  }

  /** LoRAHub over the domain adapters: the composed modules (only lorahubTargets), or none without a hub. */
  async lorahub(batches: SupportBatch[], hub: Adapter[], record: Record<string, unknown>): Promise<Map<string, LoraModule>> {
    const { o } = this;
    if (hub.length === 0) return new Map();
    const hubModules = hub.map((a) => a.modules);
    const keep = (mix: Map<string, LoraModule>) => {
      for (const name of [...mix.keys()]) if (!o.lorahubTargets.includes(name)) mix.delete(name);
      return mix;
    };
    let evaluations = 0;
    const objective = (w: Float64Array) => {
      const composed = this.toTensors(keep(composeModules(hubModules, w)));
      const loss = this.supportLoss(batches, composed);
      for (const m of composed.modules.values()) tf.dispose([m.A, m.B]);
      const l1 = w.reduce((s, x) => s + Math.abs(x), 0) / w.length;
      this.onProgress({ phase: 'lorahub', step: ++evaluations, total: o.lorahubBudget, loss });
      return loss + o.lorahubL1 * l1;
    };
    const result = await minimizeCmaEs(objective, { dims: hub.length, budget: o.lorahubBudget, seed: o.seed, lower: -1.5, upper: 1.5, sigma0: 0.5, isCancelled: () => !!this.cancel?.cancelled });
    record.lorahub = { weights: Object.fromEntries(hub.map((a, i) => [a.config.name, Number(result.best[i].toFixed(4))])), objective: result.bestValue, evaluations: result.evaluations };
    return keep(composeModules(hubModules, result.best));
  }

  /**
   * Fine-tunes a LoRA initialised from `start` (or from B = 0) for `steps` steps over all batches;
   * `atStep` sees the modules after each step (for held-out early stopping).
   */
  async finetune(
    batches: SupportBatch[],
    start: Map<string, LoraModule>,
    steps: number,
    random: () => number,
    atStep?: (step: number, modules: () => Map<string, LoraModule>) => void,
  ): Promise<{ modules: Map<string, LoraModule>; loss: number }> {
    const { o, model } = this;
    const vars = new Map<string, { A: tf.Variable; B: tf.Variable }>();
    for (const target of o.targets) {
      const shape = model.weightShape(target);
      if (!shape) throw new Error(`the base model has no weight ${target} to adapt`);
      const [inDim, outDim] = shape;
      const composed = start.get(target);
      const limit = 1 / Math.sqrt(inDim);
      const A = composed?.A ?? Float32Array.from({ length: inDim * o.rank }, () => (random() * 2 - 1) * limit);
      const B = composed?.B ?? new Float32Array(o.rank * outDim);
      vars.set(target, { A: tf.variable(tf.tensor2d(A, [inDim, o.rank])), B: tf.variable(tf.tensor2d(B, [o.rank, outDim])) });
    }
    const lora: LoraTensors = { scale: this.scale, modules: vars as unknown as LoraTensors['modules'] };
    const snapshot = () => new Map([...vars].map(([name, v]) => [name, { inDim: v.A.shape[0], outDim: v.B.shape[1] as number, A: v.A.dataSync() as Float32Array, B: v.B.dataSync() as Float32Array }]));
    const optimizer = tf.train.adam(o.learningRate);
    const varList = [...vars.values()].flatMap((v) => [v.A, v.B]);
    const sentences = batches.reduce((n, b) => n + b.items.length, 0);
    let lastLoss = 0;
    try {
      for (let step = 0; step < steps; step++) {
        checkCancelled(this.cancel);
        // Full-batch steps: the support set is small, and every sentence counts at every step.
        const cost = optimizer.minimize(
          () => batches.reduce((sum: tf.Scalar, b, k) => tf.add(sum, tf.mul(this.batchLoss(b, lora, true, o.seed * 7919 + step * 31 + k), b.items.length / sentences)) as tf.Scalar, tf.scalar(0)),
          true,
          varList,
        );
        lastLoss = cost!.dataSync()[0];
        cost!.dispose();
        this.onProgress({ phase: 'finetune', step: step + 1, total: steps, loss: lastLoss });
        atStep?.(step + 1, snapshot);
        if (step % 5 === 4) await new Promise((r) => setImmediate(r)); // let a cancel message in
      }
      return { modules: snapshot(), loss: lastLoss };
    } finally {
      tf.dispose(varList);
      optimizer.dispose();
    }
  }

  /** Normalised class means of the batches' spans (gold types and non-entities) under the modules. */
  prototypes(batches: SupportBatch[], modules: Map<string, LoraModule>): { labels: string[]; vectors: Float32Array } {
    const P = this.model.spanDims;
    const labels = [...new Set(batches.flatMap((b) => b.spanLabels))];
    // Types first, the non-entity prototype last (it is not a type the user sees).
    labels.sort((a, b) => Number(a === NOT_AN_ENTITY) - Number(b === NOT_AN_ENTITY));
    const sums = new Float32Array(labels.length * P);
    const lora = modules.size > 0 ? this.toTensors(modules) : undefined;
    for (const batch of batches) {
      if (!batch.selection) continue;
      const emb = tf.tidy(() => this.model.spanEmbeddings(this.model.forward(batch.frozen, lora, { training: false, seed: 0, dropout: 0 }).words, batch.selection!, lora));
      const e = emb.dataSync() as Float32Array;
      emb.dispose();
      batch.spanLabels.forEach((label, m) => {
        const c = labels.indexOf(label);
        for (let d = 0; d < P; d++) sums[c * P + d] += e[m * P + d];
      });
    }
    if (lora) for (const m of lora.modules.values()) tf.dispose([m.A, m.B]);
    return { labels, vectors: normaliseRows(sums, P) };
  }

  /** Typed spans the adapted model predicts for a batch's sentences, typed by the given prototypes. */
  predict(batch: SupportBatch, modules: Map<string, LoraModule>, types: { labels: string[]; vectors: Float32Array }): TokenSpan[][] {
    const { model } = this;
    const P = model.spanDims;
    const lora = modules.size > 0 ? this.toTensors(modules) : undefined;
    try {
      return tf.tidy(() => {
        const out = model.forward(batch.frozen, lora, { training: false, seed: 0, dropout: 0 });
        const lp = tf.logSoftmax(out.tagLogits).dataSync() as Float32Array;
        const { time, size } = batch.frozen;
        const detected = batch.items.map((x, b) => decodeSpans(lp, x.sentence.tokens.length, b * time * SPAN_TAGS.length));
        const count = detected.reduce((n, d) => n + d.length, 0);
        if (count === 0 || types.labels.length === 0) return detected.map(() => []);
        const sel = selectionTensors(spanSelectionData(detected, time), size * time);
        const emb = model.spanEmbeddings(out.words, sel, lora).dataSync() as Float32Array;
        let m = 0;
        return detected.map((list) =>
          list.flatMap((span) => {
            let best = 0;
            let bestScore = -Infinity;
            for (let c = 0; c < types.labels.length; c++) {
              let dot = 0;
              for (let d = 0; d < P; d++) dot += emb[m * P + d] * types.vectors[c * P + d];
              if (dot > bestScore) {
                bestScore = dot;
                best = c;
              }
            }
            m++;
            const label = types.labels[best];
            return label === NOT_AN_ENTITY ? [] : [{ start: span.start, end: span.end, label }];
          }),
        );
      });
    } finally {
      if (lora) for (const mod of lora.modules.values()) tf.dispose([mod.A, mod.B]);
    }
  }
}

/** Assigns labelled sentences to k folds, spreading each type's sentences over the folds (seeded). */
export function assignFolds(sentences: LabeledSentence[], folds: number, seed: number): number[] {
  const order = shuffleInPlace(
    sentences.map((_, i) => i),
    seededRandom(seed * 104729 + 7),
  );
  // Rarest type first, so that a type's few sentences land in different folds.
  const frequency = new Map<string, number>();
  for (const s of sentences) for (const sp of s.spans) frequency.set(sp.label, (frequency.get(sp.label) ?? 0) + 1);
  const rarest = (i: number) => Math.min(Infinity, ...sentences[i].spans.map((s) => frequency.get(s.label) ?? Infinity));
  order.sort((a, b) => rarest(a) - rarest(b));
  const foldOf = new Array<number>(sentences.length);
  order.forEach((i, k) => (foldOf[i] = k % folds));
  return foldOf;
}

export interface HeldOutChoice {
  /** `fromHub: false`: a LoRA fine-tuned from zero, without the LoRAHub composition. */
  chosen: { method: Exclude<AdaptMethod, 'auto'>; steps: number; fromHub?: boolean };
  /** Held-out micro-F1 (percent) of each candidate, e.g. {"none": 41.2, "lorahub": 40.8, "full@10": 43.0}. */
  scores: Record<string, number>;
  /** Share of paired bootstrap resamples of the held-out sentences in which a candidate beat the choice before it. */
  wins?: Record<string, number>;
  folds: number;
  margin: number;
  confidence?: number;
}

export async function adapt(
  base: AdaptationBase,
  support: SupportSet,
  options: AdaptOptions,
  onProgress: (p: AdaptProgress) => void = () => {},
  cancel?: CancelToken,
): Promise<Adapter> {
  const model = base.adaptModel;
  const o: Options = {
    ...DEFAULTS,
    ...options,
    targets: options.targets ?? model.defaultTargets,
    lorahubTargets: options.lorahubTargets ?? model.defaultLorahubTargets,
  };
  const started = Date.now();
  const items: Item[] = support.sentences
    .map((s, i) => ({ sentence: s, rejected: support.rejected?.[i] ?? [], unconfirmed: support.unconfirmed?.[i] ?? [] }))
    .filter((x) => x.sentence.tokens.length > 0);
  const types = [...new Set(items.flatMap((x) => x.sentence.spans.map((s) => s.label)))];
  if (types.length === 0) throw new Error('the support set has no labelled entity: label at least one span first');
  if (types.includes(NOT_AN_ENTITY)) throw new Error(`"${NOT_AN_ENTITY}" is reserved for non-entities; rename that type`);
  for (const t of o.targets) if (!model.weightShape(t)) throw new Error(`the base model has no weight ${t} to adapt`);
  const random = seededRandom(o.seed);
  const run = new Adaptation(model, o, onProgress, cancel);
  onProgress({ phase: 'prepare', step: 0, total: 1 });

  const labelled = items.filter((x) => x.sentence.spans.length > 0).length;
  const folds = o.method === 'auto' ? Math.min(o.folds, labelled) : 1;
  const foldOf = folds > 1 ? assignFolds(items.map((x) => x.sentence), folds, o.seed) : items.map(() => 0);
  const batches = await run.prepare(items, foldOf, random);
  // A hub adapter takes part when it has every module LoRAHub composes (fine-tuning targets beyond those start at B = 0).
  const hub = (o.hub ?? []).filter((a) => o.lorahubTargets.every((t) => a.modules.has(t)) && a.config.rank === o.rank);

  const training: Record<string, unknown> = {
    method: o.method,
    supportSentences: items.length,
    mentions: Object.fromEntries(types.map((t) => [t, items.reduce((n, x) => n + x.sentence.spans.filter((s) => s.label === t).length, 0)])),
    rejected: items.reduce((n, x) => n + x.rejected.length, 0),
    unconfirmed: items.reduce((n, x) => n + x.unconfirmed.length, 0),
    options: { rank: o.rank, alpha: o.alpha, steps: o.steps, learningRate: o.learningRate, contrastiveWeight: o.contrastiveWeight, prototypeWeight: o.prototypeWeight, seed: o.seed, targets: o.targets },
    baseLoss: run.supportLoss(batches, undefined),
  };

  try {
    let method: Exclude<AdaptMethod, 'auto'> = o.method === 'auto' ? 'none' : o.method;
    let steps = o.steps;
    let fromHub = true;
    if (o.method === 'auto') {
      if (folds < 2) {
        // One labelled sentence: nothing to hold out, so nothing shows that adapting would help.
        training.choice = { chosen: { method: 'none', steps: 0 }, scores: {}, folds, margin: o.choiceMargin, note: 'needs labels in two or more sentences' };
      } else {
        const choice = await chooseByHeldOut(run, batches, folds, hub, random);
        training.choice = choice;
        method = choice.chosen.method;
        steps = choice.chosen.steps;
        fromHub = choice.chosen.fromHub !== false;
      }
      checkCancelled(cancel);
    }

    let modules: Map<string, LoraModule> = new Map();
    if (method !== 'none' && fromHub) modules = await run.lorahub(batches, hub, training);
    checkCancelled(cancel);
    if (method === 'full' && steps > 0) {
      const tuned = await run.finetune(batches, modules, steps, random);
      modules = tuned.modules;
      training.finalLoss = tuned.loss;
    }
    checkCancelled(cancel);

    onProgress({ phase: 'prototypes', step: 0, total: 1 });
    training.adaptedLoss = run.supportLoss(batches, modules.size > 0 ? run.toTensors(modules) : undefined);
    const own = run.prototypes(batches, modules);
    training.chosenMethod = method === 'full' && !fromHub ? 'lora' : method;
    training.seconds = Number(((Date.now() - started) / 1000).toFixed(2));
    onProgress({ phase: 'prototypes', step: 1, total: 1 });
    const P = model.spanDims;
    const typeLabels = [...own.labels];
    let typeVectors = own.vectors;
    if (options.keepModelTypes) {
      const modelTypes = readTypeVectors(base.dir);
      // Prototypes (mean span embeddings), not the trained type head: they compare on equal terms with the support's.
      const vectors = modelTypes.prototypes.length > 0 ? modelTypes.prototypes : modelTypes.typeHead;
      const inherited = modelTypes.labels.map((label, i) => ({ label, i })).filter(({ label }) => !own.labels.includes(label) && label !== NOT_AN_ENTITY);
      if (inherited.length > 0) {
        const extra = new Float32Array(inherited.length * P);
        inherited.forEach(({ i }, k) => extra.set(vectors.slice(i * P, (i + 1) * P), k * P));
        const all = new Float32Array(typeVectors.length + extra.length);
        all.set(typeVectors);
        all.set(normaliseRows(extra, P), typeVectors.length);
        typeVectors = all;
        typeLabels.push(...inherited.map((x) => x.label));
        training.inheritedTypes = inherited.map((x) => x.label);
      }
    }
    return {
      config: {
        format: ADAPTER_FORMAT,
        name: o.name,
        baseModel: { id: base.manifest.id, hash: base.hash },
        rank: o.rank,
        alpha: o.alpha,
        targets: modules.size > 0 ? [...modules.keys()] : [],
        types,
        created: new Date().toISOString(),
        training,
      },
      modules,
      types: { labels: typeLabels, vectors: typeVectors },
    };
  } finally {
    for (const b of batches) {
      b.frozen.dispose();
      tf.dispose([b.tagTargets, b.selection?.start, b.selection?.end, b.selection?.mean].filter(Boolean) as tf.Tensor[]);
    }
  }
}

/**
 * k-fold held-out F1 of prototypes only, LoRAHub, and LoRAHub + fine-tuning after each of the step choices:
 * every fold's sentences are predicted by prototypes and adapters built from the other folds only.
 * The simplest method wins unless a more complex one is better by the margin.
 */
async function chooseByHeldOut(run: Adaptation, batches: SupportBatch[], folds: number, hub: Adapter[], random: () => number): Promise<HeldOutChoice> {
  const { o } = run;
  const stepChoices = [...new Set(o.stepChoices.filter((s) => s > 0 && s <= Math.max(o.steps, ...o.stepChoices)))].sort((a, b) => a - b);
  const budget = stepChoices.length > 0 ? stepChoices[stepChoices.length - 1] : 0;
  const gold: TokenSpan[][] = [];
  const predicted = new Map<string, TokenSpan[][]>();
  const add = (key: string, spans: TokenSpan[][]) => predicted.set(key, [...(predicted.get(key) ?? []), ...spans]);
  const silent = () => {};
  for (let fold = 0; fold < folds; fold++) {
    checkCancelled(run.cancel);
    run.onProgress({ phase: 'choose', step: fold, total: folds });
    const train = batches.filter((b) => b.fold !== fold);
    const held = batches.filter((b) => b.fold === fold);
    for (const b of held) gold.push(...b.items.map((x) => x.sentence.spans));
    // What is predicted over an unconfirmed suggestion is neither right nor wrong: it is not scored.
    const predictAll = (modules: Map<string, LoraModule>) => {
      const types = run.prototypes(train, modules);
      return held.flatMap((b) => run.predict(b, modules, types).map((spans, i) => spans.filter((s) => !overlapsAny(s, b.items[i].unconfirmed))));
    };
    add('none', predictAll(new Map()));
    // Inner runs report nothing: their progress is the fold count.
    const inner = new Adaptation(run.model, o, silent, run.cancel);
    if (o.hubCandidates && hub.length > 0) {
      const composed = await inner.lorahub(train, hub, {});
      add('lorahub', predictAll(composed));
      if (budget > 0) {
        const snapshots = new Map<number, Map<string, LoraModule>>();
        await inner.finetune(train, composed, budget, random, (step, modules) => {
          if (stepChoices.includes(step)) snapshots.set(step, modules());
        });
        for (const [step, modules] of snapshots) add(`full@${step}`, predictAll(modules));
      }
    }
    if (o.plainLoraCandidates && budget > 0) {
      const plain = new Map<number, Map<string, LoraModule>>();
      await inner.finetune(train, new Map(), budget, random, (step, modules) => {
        if (stepChoices.includes(step)) plain.set(step, modules());
      });
      for (const [step, modules] of plain) add(`lora@${step}`, predictAll(modules));
    }
  }
  run.onProgress({ phase: 'choose', step: folds, total: folds });
  // Candidates from simplest to most complex; each must beat the current choice by the margin, reliably.
  const methods = new Map<string, HeldOutChoice['chosen']>([['none', { method: 'none', steps: 0 }]]);
  if (predicted.has('lorahub')) methods.set('lorahub', { method: 'lorahub', steps: 0 });
  for (const step of stepChoices) if (predicted.has(`lora@${step}`)) methods.set(`lora@${step}`, { method: 'full', steps: step, fromHub: false });
  for (const step of stepChoices) if (predicted.has(`full@${step}`)) methods.set(`full@${step}`, { method: 'full', steps: step });
  const choice = choosePaired(gold, predicted, [...methods.keys()], { margin: o.choiceMargin, confidence: o.choiceConfidence, resamples: CHOICE_RESAMPLES, seed: o.seed });
  return { chosen: methods.get(choice.chosen)!, scores: choice.scores, wins: choice.wins, folds, margin: o.choiceMargin, confidence: o.choiceConfidence };
}
