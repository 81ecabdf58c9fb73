// Support set -> adapter. BANER's few-shot path:
//   1. cache the frozen lower encoder's states for the support sentences;
//   2. LoRAHub: find weights w for the shipped domain adapters, A = sum w_i A_i, B = sum w_i B_i,
//      minimising the support loss + 0.05 mean|w| with CMA-ES (gradient-free, ~40 evaluations);
//   3. fine-tune a LoRA initialised from that composition on the support loss
//      (span tags + boundary-aware contrastive + prototype classification inside the support set);
//   4. prototypes of the support types (and of non-entities) from the adapted span embeddings.
// Runs in a worker thread in the extension; progress is reported and cancellation is honoured between steps.
import * as tf from '@tensorflow/tfjs-core';
import type { LabeledSentence, TokenSpan } from './types';
import type { AdaptationBase } from './adapters/adaptationBase';
import { ADAPTER_FORMAT, DEFAULT_TARGETS, NOT_AN_ENTITY, composeModules, loraScale, type Adapter, type LoraModule } from './adapters/adapter';
import { encodeFrom, encode, l2Normalize, matMul2d, spanEmbeddings, spanFeatures, type LoraTensors } from './model/encoderTf';
import { encodeSentence, padBatch, selectionTensors, spanSelectionData } from './training/batches';
import { spansToTagIds, decodeSpans, SPAN_TAGS, TAG_O } from './spans/bioes';
import { buildContrastivePairs, boundaryContrastiveLoss } from './spans/boundaryContrastive';
import { minimizeCmaEs } from './adapters/cmaes';
import { CancelledError, type CancelToken } from './cancellation';
import { seededRandom } from './random';
import { normaliseRows } from './types/prototypes';
import { readTypeVectors } from './model/modelDirectory';

export interface SupportSet {
  sentences: LabeledSentence[];
  /** Per sentence, spans the user rejected: not entities in that sentence. */
  rejected?: TokenSpan[][];
}

export type AdaptMethod = 'none' | 'lorahub' | 'full';

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
  /** Which targets LoRAHub composes (the others start from B = 0); default: all targets. */
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
}

export interface AdaptProgress {
  /** 'evaluate' is reported by callers that score the adapter after adapt() returns. */
  phase: 'prepare' | 'lorahub' | 'finetune' | 'prototypes' | 'evaluate';
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
  // Composing the span-tag head only: composing the encoder blocks and span projection too lowered the
  // support loss but hurt dev F1 (WNUT-17 and CrossNER dev, 5-shot, 3 seeds; docs/BENCHMARKS.md).
  lorahubTargets: ['tags.W'],
  negativePrototype: true,
  hiddenDropout: 0.1,
  outsideTagWeight: 1,
  batchSentences: 32,
  seed: 1,
};

interface PreparedBatch {
  size: number;
  time: number;
  mask: tf.Tensor2D;
  /** Output of the last frozen block, [B, T, D]. */
  lower: tf.Tensor3D;
  tagTargets: tf.Tensor2D;
  spanCount: number;
  selection: ReturnType<typeof selectionTensors>;
  classTargets: tf.Tensor2D;
  classPresent: tf.Tensor1D;
  pairs: ReturnType<typeof buildContrastivePairs>;
  goldSpans: TokenSpan[][];
  negatives: TokenSpan[][];
}

function firstAdaptedBlock(targets: string[], blocks: number): number {
  const convs = targets.map((t) => /^conv(\d+)\.W$/.exec(t)).filter((m): m is RegExpExecArray => m !== null).map((m) => Number(m[1]));
  return convs.length > 0 ? Math.min(...convs) : blocks;
}

function checkCancelled(cancel?: CancelToken): void {
  if (cancel?.cancelled) throw new CancelledError('adaptation cancelled');
}

export async function adapt(
  base: AdaptationBase,
  support: SupportSet,
  options: AdaptOptions,
  onProgress: (p: AdaptProgress) => void = () => {},
  cancel?: CancelToken,
): Promise<Adapter> {
  const o = { ...DEFAULTS, ...options, targets: options.targets ?? DEFAULT_TARGETS };
  const started = Date.now();
  const c = base.config;
  const labelled = support.sentences.map((s, i) => ({ sentence: s, rejected: support.rejected?.[i] ?? [] })).filter((x) => x.sentence.tokens.length > 0);
  const types = [...new Set(labelled.flatMap((x) => x.sentence.spans.map((s) => s.label)))];
  if (types.length === 0) throw new Error('the support set has no labelled entity: label at least one span first');
  if (types.includes(NOT_AN_ENTITY)) throw new Error(`"${NOT_AN_ENTITY}" is reserved for non-entities; rename that type`);
  const first = firstAdaptedBlock(o.targets, c.dilations.length);
  if (first < 1) throw new Error('LoRA targets must leave the first encoder block frozen (its output is cached)');
  const random = seededRandom(o.seed);
  onProgress({ phase: 'prepare', step: 0, total: 1 });

  // 1. Batches with the frozen part computed once; negatives = spans the base model detects that are not gold.
  const batches: PreparedBatch[] = [];
  let classes = [...types];
  const pending: Array<{ items: typeof labelled; negatives: TokenSpan[][] }> = [];
  for (let at = 0; at < labelled.length; at += o.batchSentences) {
    const items = labelled.slice(at, at + o.batchSentences);
    const encoded = items.map((x) => encodeSentence(base.featurizer, x.sentence.tokens, x.sentence.spans));
    const padded = padBatch(base.featurizer, encoded);
    const { size, time } = padded;
    const mask = tf.tensor2d(padded.mask, [size, time]);
    const { lower, logProbs } = tf.tidy(() => {
      const x = tf.tensor3d(padded.features, [size, time, c.featureDims]);
      const full = encode(c, base.weights, x, mask, { training: false });
      return { lower: full.layers[first - 1], logProbs: tf.logSoftmax(full.tagLogits) };
    });
    const lp = logProbs.dataSync() as Float32Array;
    logProbs.dispose();
    const negatives = items.map((x, b) => {
      const gold = new Set(x.sentence.spans.map((s) => `${s.start}:${s.end}`));
      const wrong = o.negativePrototype ? decodeSpans(lp, x.sentence.tokens.length, b * time * SPAN_TAGS.length).filter((s) => !gold.has(`${s.start}:${s.end}`)) : [];
      return [...wrong, ...x.rejected].map((s) => ({ start: s.start, end: s.end, label: NOT_AN_ENTITY }));
    });
    pending.push({ items, negatives });
    batches.push({ size, time, mask, lower: lower as tf.Tensor3D } as PreparedBatch);
  }
  if (pending.some((p) => p.negatives.some((n) => n.length > 0))) classes = [...types, NOT_AN_ENTITY];
  pending.forEach(({ items, negatives }, k) => {
    const batch = batches[k];
    const { size, time } = batch;
    const tagTargets = new Float32Array(size * time * SPAN_TAGS.length);
    items.forEach((x, b) => {
      // Rejected spans are O tokens already: only gold spans become B/I/E/S.
      spansToTagIds(x.sentence.tokens.length, x.sentence.spans).forEach((tag, t) => (tagTargets[(b * time + t) * SPAN_TAGS.length + tag] = tag === TAG_O ? o.outsideTagWeight : 1));
    });
    const goldSpans = items.map((x) => x.sentence.spans);
    const allSpans = goldSpans.map((g, b) => [...g, ...negatives[b]]);
    const sel = spanSelectionData(allSpans, time);
    const classTargets = new Float32Array(sel.count * classes.length);
    const present = new Float32Array(classes.length);
    let m = 0;
    for (const list of allSpans) {
      for (const span of list) {
        const ci = classes.indexOf(span.label);
        classTargets[m++ * classes.length + ci] = 1;
        present[ci] = 1;
      }
    }
    Object.assign(batch, {
      tagTargets: tf.tensor2d(tagTargets, [size * time, SPAN_TAGS.length]),
      spanCount: sel.count,
      selection: selectionTensors(sel, size * time),
      classTargets: tf.tensor2d(classTargets, [sel.count, classes.length]),
      classPresent: tf.tensor1d(present),
      pairs: buildContrastivePairs(goldSpans, items.map((x) => x.sentence.tokens.length), time, 2, random),
      goldSpans,
      negatives,
    });
  });

  const scale = loraScale(o);
  const toTensors = (modules: Map<string, LoraModule>): LoraTensors => ({
    scale,
    modules: new Map([...modules].map(([name, m]) => [name, { A: tf.tensor2d(m.A, [m.inDim, o.rank]), B: tf.tensor2d(m.B, [o.rank, m.outDim]) }])),
  });

  /** The support loss of one batch under the given LoRA tensors. */
  const batchLoss = (batch: PreparedBatch, lora: LoraTensors | undefined, training: boolean, seed: number): tf.Scalar => {
    const out = encodeFrom(c, base.weights, batch.lower, first, batch.mask, { training, hiddenDropout: o.hiddenDropout, seed }, lora);
    const N = batch.size * batch.time;
    const logits = tf.reshape(out.tagLogits, [N, SPAN_TAGS.length]);
    let loss = tf.div(tf.neg(tf.sum(tf.mul(batch.tagTargets, tf.logSoftmax(logits)))), tf.sum(batch.mask)) as tf.Scalar;
    const last = out.layers[c.dilations.length - 1];
    if (batch.spanCount > 0 && o.prototypeWeight > 0) {
      const emb = spanEmbeddings(base.weights, spanFeatures(last, batch.selection), lora); // [M, P]
      // Episodes inside the support set: each span is classified against prototypes (normalised class
      // means) built without itself, so a class's only example teaches nothing about itself.
      const Y = batch.classTargets; // [M, C]
      const sums = matMul2d(tf.transpose(Y) as tf.Tensor2D, emb); // [C, P]
      const counts = tf.sum(Y, 0); // [C]
      const ownCount = tf.sum(tf.mul(Y, counts), 1); // [M]
      const others = tf.mul(matMul2d(emb, tf.transpose(l2Normalize(sums)) as tf.Tensor2D), tf.sub(1, Y)); // [M, C] cos to other classes
      const ownProto = l2Normalize(tf.sub(matMul2d(Y, sums), emb)); // [M, P] own class without this span
      const own = tf.mul(tf.expandDims(tf.sum(tf.mul(emb, ownProto), 1), 1), Y);
      const absent = tf.mul(tf.sub(batch.classPresent, 1), 1e4); // classes missing from this batch never win
      const typeLogits = tf.add(tf.mul(tf.add(others, own), c.typeScale), absent);
      const usable = tf.cast(tf.greater(ownCount, 1), 'float32'); // spans whose class has another example
      const perSpan = tf.neg(tf.sum(tf.mul(Y, tf.logSoftmax(typeLogits)), 1));
      const protoLoss = tf.div(tf.sum(tf.mul(perSpan, usable)), tf.maximum(tf.sum(usable), 1));
      loss = tf.add(loss, tf.mul(protoLoss, o.prototypeWeight));
    }
    if (o.contrastiveWeight > 0 && batch.pairs.entities > 0 && out.layers[2] !== undefined) {
      const h = tf.reshape(out.layers[2], [N, c.hiddenDims]) as tf.Tensor2D;
      loss = tf.add(loss, tf.mul(boundaryContrastiveLoss(h, batch.pairs, 0.2), o.contrastiveWeight));
    }
    return loss as tf.Scalar;
  };
  const supportLoss = (lora: LoraTensors | undefined): number =>
    tf.tidy(() => batches.reduce((sum, b) => sum + batchLoss(b, lora, false, 0).dataSync()[0] * b.size, 0) / labelled.length);

  const training: Record<string, unknown> = {
    method: o.method,
    supportSentences: labelled.length,
    mentions: Object.fromEntries(types.map((t) => [t, labelled.reduce((n, x) => n + x.sentence.spans.filter((s) => s.label === t).length, 0)])),
    rejected: labelled.reduce((n, x) => n + x.rejected.length, 0),
    options: { rank: o.rank, alpha: o.alpha, steps: o.steps, learningRate: o.learningRate, contrastiveWeight: o.contrastiveWeight, prototypeWeight: o.prototypeWeight, seed: o.seed },
    baseLoss: supportLoss(undefined),
  };

  let modules: Map<string, LoraModule> = new Map();
  try {
    // 2. LoRAHub over the domain adapters.
    const hub = (o.hub ?? []).filter((a) => o.targets.every((t) => a.modules.has(t)) && a.config.rank === o.rank);
    if (o.method !== 'none' && hub.length > 0) {
      const hubModules = hub.map((a) => a.modules);
      let evaluations = 0;
      const objective = (w: Float64Array) => {
        const mix = composeModules(hubModules, w);
        if (o.lorahubTargets) for (const name of [...mix.keys()]) if (!o.lorahubTargets.includes(name)) mix.delete(name);
        const composed = toTensors(mix);
        const loss = supportLoss(composed);
        for (const m of composed.modules.values()) tf.dispose([m.A, m.B]);
        const l1 = w.reduce((s, x) => s + Math.abs(x), 0) / w.length;
        onProgress({ phase: 'lorahub', step: ++evaluations, total: o.lorahubBudget, loss });
        return loss + o.lorahubL1 * l1;
      };
      const result = await minimizeCmaEs(objective, { dims: hub.length, budget: o.lorahubBudget, seed: o.seed, lower: -1.5, upper: 1.5, sigma0: 0.5, isCancelled: () => !!cancel?.cancelled });
      modules = composeModules(hubModules, result.best);
      if (o.lorahubTargets) for (const name of [...modules.keys()]) if (!o.lorahubTargets.includes(name)) modules.delete(name);
      training.lorahub = { weights: Object.fromEntries(hub.map((a, i) => [a.config.name, Number(result.best[i].toFixed(4))])), objective: result.bestValue, evaluations: result.evaluations };
    }
    checkCancelled(cancel);

    // 3. Fine-tune a LoRA from the composition (or from B = 0).
    if (o.method === 'full' && o.steps > 0) {
      const vars = new Map<string, { A: tf.Variable; B: tf.Variable }>();
      for (const target of o.targets) {
        const w = base.named.get(target);
        if (!w) throw new Error(`the base model has no weight ${target} to adapt`);
        const [inDim, outDim] = w.shape;
        const composed = modules.get(target);
        const limit = 1 / Math.sqrt(inDim);
        const A = composed?.A ?? Float32Array.from({ length: inDim * o.rank }, () => (random() * 2 - 1) * limit);
        const B = composed?.B ?? new Float32Array(o.rank * outDim);
        vars.set(target, { A: tf.variable(tf.tensor2d(A, [inDim, o.rank])), B: tf.variable(tf.tensor2d(B, [o.rank, outDim])) });
      }
      const lora: LoraTensors = { scale, modules: vars as unknown as LoraTensors['modules'] };
      const optimizer = tf.train.adam(o.learningRate);
      const varList = [...vars.values()].flatMap((v) => [v.A, v.B]);
      let lastLoss = 0;
      for (let step = 0; step < o.steps; step++) {
        checkCancelled(cancel);
        const batch = batches[step % batches.length];
        const cost = optimizer.minimize(() => batchLoss(batch, lora, true, o.seed * 7919 + step), true, varList);
        lastLoss = cost!.dataSync()[0];
        cost!.dispose();
        onProgress({ phase: 'finetune', step: step + 1, total: o.steps, loss: lastLoss });
        if (step % 10 === 9) await new Promise((r) => setImmediate(r)); // let a cancel message in
      }
      modules = new Map(
        [...vars].map(([name, v]) => [name, { inDim: v.A.shape[0], outDim: v.B.shape[1] as number, A: v.A.dataSync() as Float32Array, B: v.B.dataSync() as Float32Array }]),
      );
      tf.dispose(varList);
      optimizer.dispose();
      training.finalLoss = lastLoss;
    }
    checkCancelled(cancel);

    // 4. Prototypes with the adapted span embeddings.
    onProgress({ phase: 'prototypes', step: 0, total: 1 });
    const loraT = modules.size > 0 ? toTensors(modules) : undefined;
    training.adaptedLoss = supportLoss(loraT);
    const P = c.spanDims;
    const sums = new Float32Array(classes.length * P);
    for (const batch of batches) {
      if (batch.spanCount === 0) continue;
      const emb = tf.tidy(() => {
        const out = encodeFrom(c, base.weights, batch.lower, first, batch.mask, { training: false }, loraT);
        return spanEmbeddings(base.weights, spanFeatures(out.layers[c.dilations.length - 1], batch.selection), loraT);
      });
      const e = emb.dataSync() as Float32Array;
      const y = batch.classTargets.dataSync() as Float32Array;
      emb.dispose();
      for (let m = 0; m < batch.spanCount; m++) {
        const ci = y.subarray(m * classes.length, (m + 1) * classes.length).indexOf(1);
        for (let d = 0; d < P; d++) sums[ci * P + d] += e[m * P + d];
      }
    }
    if (loraT) for (const m of loraT.modules.values()) tf.dispose([m.A, m.B]);
    training.seconds = Number(((Date.now() - started) / 1000).toFixed(2));
    onProgress({ phase: 'prototypes', step: 1, total: 1 });
    const typeLabels = [...classes];
    let typeVectors = normaliseRows(sums, P);
    if (options.keepModelTypes) {
      const own = readTypeVectors(base.dir);
      // Prototypes (mean span embeddings), not the trained type head: they compare on equal terms with the support's.
      const vectors = own.prototypes.length > 0 ? own.prototypes : own.typeHead;
      const inherited = own.labels.map((label, i) => ({ label, i })).filter(({ label }) => !classes.includes(label) && label !== NOT_AN_ENTITY);
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
    for (const b of batches) tf.dispose([b.mask, b.lower, b.tagTargets, b.classTargets, b.classPresent, b.selection?.start, b.selection?.end, b.selection?.mean].filter(Boolean) as tf.Tensor[]);
  }
}
