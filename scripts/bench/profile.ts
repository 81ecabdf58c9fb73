// Section "profile": where the time of highlight(whole text) goes, for the CNN model only (models/cnn: this
// section re-implements that family's batch loop; it runs when `--models` includes cnn). The steps of
// NerEngine.highlight are run here one by one with timers (tokenise + split, featurise, ORT encoder, Viterbi
// decode, span features in JS, ORT span head, typing, window merge), on ORT sessions of the same model files
// and the same batching (lengthBuckets, 4096 padded tokens, windows of 128/32). The sum is checked against
// highlight() itself.
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { NerEngine, classifySpans, type EmbeddedSpan } from '../../src/core/engine';
import { tokenize } from '../../src/core/text/tokenize';
import { splitSentences } from '../../src/core/text/sentences';
import { makeWindows, mergeWindowSpans } from '../../src/core/text/windows';
import { lengthBuckets } from '../../src/core/batching';
import { decodeSpans, SPAN_TAGS, type DetectedSpan } from '../../src/core/spans/bioes';
import { createSession } from '../../src/core/model/onnxSessions';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cnnModelDir, readManifest } from '../../src/core/model/modelDirectory';
import { BUILD_DIR, conllTestCorpus, fmt, log, median, now, seconds, type Section, type SectionContext, type SectionOutput } from './common';
import { modelFlops } from './flops';
import { THREADS } from './throughput';

const STEPS = ['tokenise + split', 'featurise', 'ORT encoder', 'decode (Viterbi)', 'span features (JS)', 'ORT span head', 'typing + merge'] as const;
type Step = (typeof STEPS)[number];

interface Profile {
  times: Record<Step, number>;
  total: number;
  paddedTokens: number;
  modelTokens: number;
  batches: number;
  spans: number;
}

async function profileOnce(engine: NerEngine, encoder: ort.InferenceSession, spanHead: ort.InferenceSession, text: string): Promise<Profile> {
  const times = Object.fromEntries(STEPS.map((s) => [s, 0])) as Record<Step, number>;
  const start = now();
  let t = now();
  const lap = (step: Step) => {
    const n = now();
    times[step] += n - t;
    t = n;
  };
  const tokens = tokenize(text);
  const sentences = splitSentences(text, tokens, { maxTokens: Number.MAX_SAFE_INTEGER });
  const misses = sentences.map((sentence) => {
    const sentenceTokens = tokens.slice(sentence.tokenStart, sentence.tokenEnd);
    return { sentence, tokens: sentenceTokens, windows: makeWindows(sentenceTokens.length, 128, 32) };
  });
  const windowTokens: string[][] = misses.flatMap((m) => m.windows.map((w) => m.tokens.slice(w.start, w.end).map((x) => x.text)));
  lap('tokenise + split');

  const F = engine.featurizer.featureDims;
  const D = engine.manifest.architecture.hiddenDims;
  const types = engine.defaultTypes;
  const P = types.dims;
  const lengths = windowTokens.map((s) => s.length);
  const embedded: EmbeddedSpan[][] = windowTokens.map(() => []);
  let paddedTokens = 0;
  let batches = 0;
  let spans = 0;
  for (const indices of lengthBuckets(lengths, 4096, 512)) {
    batches++;
    const time = Math.max(1, ...indices.map((i) => lengths[i]));
    paddedTokens += time * indices.length;
    const features = new Float32Array(indices.length * time * F);
    const mask = new Float32Array(indices.length * time);
    indices.forEach((i, b) => {
      if (windowTokens[i].length === 0) return;
      engine.featurizer.features(windowTokens[i], features, b * time * F);
      mask.fill(1, b * time, b * time + windowTokens[i].length);
    });
    lap('featurise');
    const out = await encoder.run({
      features: new ort.Tensor('float32', features, [indices.length, time, F]),
      mask: new ort.Tensor('float32', mask, [indices.length, time]),
    });
    const logProbs = out.tag_log_probs.data as Float32Array;
    const hidden = out.hidden.data as Float32Array;
    lap('ORT encoder');
    const detected: Array<DetectedSpan & { b: number }> = [];
    indices.forEach((i, b) => {
      for (const s of decodeSpans(logProbs, windowTokens[i].length, b * time * SPAN_TAGS.length)) detected.push({ ...s, b });
    });
    lap('decode (Viterbi)');
    if (detected.length === 0) continue;
    spans += detected.length;
    const spanFeatures = new Float32Array(detected.length * 3 * D);
    detected.forEach(({ b, start, end }, m) => {
      const row = m * 3 * D;
      spanFeatures.set(hidden.subarray((b * time + start) * D, (b * time + start + 1) * D), row);
      spanFeatures.set(hidden.subarray((b * time + end - 1) * D, (b * time + end) * D), row + D);
      for (let k = start; k < end; k++) {
        const at = (b * time + k) * D;
        for (let d = 0; d < D; d++) spanFeatures[row + 2 * D + d] += hidden[at + d] / (end - start);
      }
    });
    lap('span features (JS)');
    const head = await spanHead.run({ span_features: new ort.Tensor('float32', spanFeatures, [detected.length, 3 * D]) });
    const embeddings = head.span_embeddings.data as Float32Array;
    lap('ORT span head');
    detected.forEach(({ start, end, confidence, b }, m) => {
      embedded[indices[b]].push({ start, end, confidence, embedding: embeddings.slice(m * P, (m + 1) * P) });
    });
    lap('typing + merge');
  }
  const predicted = embedded.map((e) => classifySpans(types, e));
  let next = 0;
  let entities = 0;
  for (const m of misses) {
    const perWindow = m.windows.map(() => predicted[next++]);
    entities += mergeWindowSpans(m.windows, perWindow).length;
  }
  lap('typing + merge');
  if (entities < 0) throw new Error('unreachable');
  return { times, total: now() - start, paddedTokens, modelTokens: lengths.reduce((a, b) => a + b, 0), batches, spans };
}

type CreateSession = typeof ort.InferenceSession.create;

/**
 * Runs `load` (which creates ORT sessions) with session.intra_op.allow_spinning forced on ('1', ORT's default)
 * or off ('0': intra-op threads sleep as soon as an op is done; what the engine sets). InferenceSession.create
 * is wrapped while the sessions are created, so that both can be compared in one run.
 */
async function creatingSessions<T>(spinning: boolean, load: () => Promise<T>): Promise<T> {
  const target = ort.InferenceSession as unknown as { create: CreateSession };
  const original = target.create;
  const wrapped = (model: string | Uint8Array, options?: ort.InferenceSession.SessionOptions) =>
    original.call(ort.InferenceSession, model as Uint8Array, { ...options, extra: { ...(options?.extra ?? {}), session: { intra_op: { allow_spinning: spinning ? '1' : '0' } } } });
  target.create = wrapped as CreateSession;
  try {
    return await load();
  } finally {
    target.create = original;
  }
}

const architectureOf = (dir: string) => readManifest(dir).architecture;

const CONFIGS = [
  ...THREADS.map((threads) => ({ threads, spinning: true })),
  { threads: 2, spinning: false },
];

/** Share of ORT kernel time per op type inside the encoder (ORT's own profiler), on one [32, 128] batch. */
async function encoderOps(dir: string, threads: number, spinning: boolean, runs = 20): Promise<{ runMs: number; ops: Array<{ op: string; us: number; share: number }> }> {
  mkdirSync(BUILD_DIR, { recursive: true });
  const prefix = join(BUILD_DIR, `ort-profile-${threads}-${spinning ? 'spin' : 'nospin'}`);
  const session = await creatingSessions(spinning, () =>
    ort.InferenceSession.create(join(dir, 'encoder.onnx'), { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', enableProfiling: true, profileFilePrefix: prefix }),
  );
  const [B, T, F] = [32, 128, 162];
  const features = new Float32Array(B * T * F);
  for (let i = 0; i < features.length; i++) features[i] = ((i * 7919) % 1000) / 1000 - 0.5;
  const feeds = { features: new ort.Tensor('float32', features, [B, T, F]), mask: new ort.Tensor('float32', new Float32Array(B * T).fill(1), [B, T]) };
  for (let i = 0; i < runs; i++) await session.run(feeds);
  session.endProfiling();
  await session.release();
  const file = readdirSync(BUILD_DIR).find((f) => join(BUILD_DIR, f).startsWith(prefix) && f.endsWith('.json'));
  if (!file) throw new Error('ORT wrote no profile');
  const events = JSON.parse(readFileSync(join(BUILD_DIR, file), 'utf8')) as Array<{ cat: string; name: string; dur: number; args?: { op_name?: string } }>;
  rmSync(join(BUILD_DIR, file));
  const byOp = new Map<string, number>();
  for (const e of events) if (e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.args?.op_name) byOp.set(e.args.op_name, (byOp.get(e.args.op_name) ?? 0) + e.dur);
  const total = [...byOp.values()].reduce((a, b) => a + b, 0);
  const modelRuns = events.filter((e) => e.name === 'model_run').map((e) => e.dur);
  return {
    runMs: median(modelRuns) / 1000,
    ops: [...byOp].sort((a, b) => b[1] - a[1]).map(([op, us]) => ({ op, us: us / runs, share: us / total })),
  };
}

/** The model this section profiles: its steps are the CNN family's (featurise, dilated-conv encoder). */
const PROFILED_MODEL = 'cnn';

export const profile: Section = {
  name: 'profile',
  title: 'Where highlight() spends its time: the CNN model (whole CoNLL-2003 test text)',
  async run(ctx: SectionContext): Promise<SectionOutput> {
    if (!ctx.models.some((m) => m.name === PROFILED_MODEL)) {
      log(`profile: skipped (it profiles the ${PROFILED_MODEL} model only, which --models leaves out)`);
      return { tables: [], data: { skipped: `profiles the ${PROFILED_MODEL} model only; not among --models` } };
    }
    const modelDir = cnnModelDir();
    const corpus = await conllTestCorpus(ctx.documents);
    const perThreads: Array<{ dir: string; threads: number; spinning: boolean; steps: Record<Step, number>; totalMs: number; highlightMs: number; profile: Profile; encoderGflops: number }> = [];
    for (const { threads, spinning } of CONFIGS) {
      log(`profile: ${threads} thread(s), spinning ${spinning ? 'on' : 'off'} x ${ctx.runs}`);
      const choice = { provider: 'cpu', reason: 'benchmark' };
      const { engine, encoder, spanHead } = await creatingSessions(spinning, async () => {
        const engine = await NerEngine.load(modelDir, { threads, preference: 'cpu' });
        const encoder = await createSession(join(engine.dir, 'encoder.onnx'), choice, threads);
        const spanHead = await createSession(join(engine.dir, 'span-head.onnx'), choice, threads);
        return { engine, encoder, spanHead };
      });
      try {
        await profileOnce(engine, encoder, spanHead, corpus.text); // warm-up
        await engine.highlight(corpus.text);
        const profiles: Profile[] = [];
        const highlight: number[] = [];
        for (let r = 0; r < ctx.runs; r++) {
          profiles.push(await profileOnce(engine, encoder, spanHead, corpus.text));
          engine.useTypes(undefined); // clears the sentence cache
          highlight.push(1000 * (await seconds(() => engine.highlight(corpus.text))));
        }
        const steps = Object.fromEntries(STEPS.map((s) => [s, median(profiles.map((p) => p.times[s]))])) as Record<Step, number>;
        const p = profiles[0];
        const flops = modelFlops(engine.manifest.architecture, 0);
        const encoderGflops = (flops.encoderPerToken * p.paddedTokens) / (steps['ORT encoder'] / 1000) / 1e9;
        perThreads.push({ dir: engine.dir, threads, spinning, steps, totalMs: median(profiles.map((x) => x.total)), highlightMs: median(highlight), profile: p, encoderGflops });
      } finally {
        await encoder.release();
        await spanHead.release();
        await engine.dispose();
      }
    }
    // What the spinning of ORT's intra-op threads costs: the same calls with spinning off.
    const spinRows: Array<Array<string | number>> = [];
    const spinData: Array<{ threads: number; spinning: boolean; wholeText: number; perDocument: number }> = [];
    for (const threads of THREADS) {
      for (const spinning of [true, false]) {
        log(`profile: ${threads} thread(s), ORT spinning ${spinning ? 'on' : 'off'}, highlight() x ${ctx.runs}`);
        const engine = await creatingSessions(spinning, () => NerEngine.load(modelDir, { threads, preference: 'cpu' }));
        try {
          await engine.highlight(corpus.text);
          const whole: number[] = [];
          const docs: number[] = [];
          for (let r = 0; r < ctx.runs; r++) {
            engine.useTypes(undefined);
            whole.push(await seconds(() => engine.highlight(corpus.text)));
            docs.push(
              await seconds(async () => {
                for (const d of corpus.documentTexts) {
                  engine.useTypes(undefined);
                  await engine.highlight(d);
                }
              }),
            );
          }
          const row = { threads, spinning, wholeText: corpus.tokens / median(whole), perDocument: corpus.tokens / median(docs) };
          spinData.push(row);
          spinRows.push([threads, spinning ? 'on (ORT default)' : 'off (what the engine sets)', fmt(row.wholeText), fmt(row.perDocument)]);
        } finally {
          await engine.dispose();
        }
      }
    }
    log('profile: ORT op profile of the encoder');
    const opConfigs = [
      { threads: 1, spinning: true },
      { threads: 2, spinning: false },
    ];
    const opProfiles: Array<{ threads: number; spinning: boolean } & Awaited<ReturnType<typeof encoderOps>>> = [];
    for (const c of opConfigs) opProfiles.push({ ...c, ...(await encoderOps(perThreads[0].dir, c.threads, c.spinning)) });
    const opNames = [...new Set(opProfiles.flatMap((p) => p.ops.map((o) => o.op)))];
    const opGroup = (op: string) => (op === 'MatMul' ? 'MatMul (dense products)' : ['Pad', 'Slice', 'Concat'].includes(op) ? 'Pad + Slice + Concat (dilated-conv inputs)' : ['ReduceMean', 'Sub', 'Div', 'Sqrt'].includes(op) ? 'ReduceMean + Sub + Div + Sqrt (layer norm)' : ['Add', 'Mul'].includes(op) ? 'Add + Mul (bias, residual, layer norm, mask)' : 'other (Relu, LogSoftmax, Identity, Unsqueeze)');
    const groups = [...new Set(opNames.map(opGroup))];
    const opRows = groups.map((g) => [g, ...opProfiles.flatMap((p) => {
      const us = p.ops.filter((o) => opGroup(o.op) === g).reduce((n, o) => n + o.us, 0);
      const share = p.ops.filter((o) => opGroup(o.op) === g).reduce((n, o) => n + o.share, 0);
      return [fmt(us / 1000, 2), `${fmt(100 * share, 1)}%`];
    })]);
    opRows.push(['one encoder run (model_run)', ...opProfiles.flatMap((p) => [fmt(p.runMs, 2), ''])]);
    const name = (x: { threads: number; spinning: boolean }) => `${x.threads} thr${x.spinning ? '' : ' no-spin'}`;
    const header = ['step', ...perThreads.flatMap((x) => [`${name(x)} ms`, `${name(x)} %`])];
    const rows = STEPS.map((s) => [s, ...perThreads.flatMap((x) => [fmt(x.steps[s], 1), `${fmt((100 * x.steps[s]) / x.totalMs, 1)}%`])]);
    rows.push(['sum of steps', ...perThreads.flatMap((x) => [fmt(x.totalMs, 1), '100%'])]);
    rows.push(['highlight() itself', ...perThreads.flatMap((x) => [fmt(x.highlightMs, 1), `${fmt((100 * x.highlightMs) / x.totalMs, 0)}%`])]);
    const p = perThreads[0].profile;
    return {
      tables: [
        {
          title: `The CNN model (models/cnn): profile of highlight(whole text), ${corpus.name}, ${fmt(corpus.tokens)} tokens; median of ${ctx.runs}`,
          header,
          rows,
          notes: [
            'the CNN model only: the transformer runs a different batch loop (pieces, one ONNX graph for encoder and heads)',
            `${p.batches} encoder batches, ${fmt(p.modelTokens)} tokens in windows, ${fmt(p.paddedTokens)} padded cells (${fmt((100 * (p.paddedTokens - p.modelTokens)) / p.modelTokens, 1)}% padding), ${fmt(p.spans)} detected spans`,
            '"no-spin": ORT sessions with session.intra_op.allow_spinning = 0 (what src/core/model/onnxSessions.ts sets since this profile)',
            ...perThreads.map((x) => `ORT encoder alone, ${name(x)}: ${fmt(x.encoderGflops, 1)} GFLOP/s on the dense products (padded cells counted), ${fmt((corpus.tokens / x.steps['ORT encoder']) * 1000)} tokens/s`),
          ],
        },
        {
          title: 'Inside the CNN model\'s ORT encoder: kernel time per op type on one [32 sentences, 128 tokens] batch (ORT profiler, mean of 20 runs)',
          header: ['op types', ...opProfiles.flatMap((p) => [`${name(p)} ms`, `${name(p)} %`])],
          rows: opRows,
          notes: [`MatMul alone runs at ${opProfiles.map((p) => `${fmt((modelFlops(architectureOf(perThreads[0].dir), 0).encoderPerToken * 32 * 128) / (p.ops.find((o) => o.op === 'MatMul')!.us / 1e6) / 1e9, 0)} GFLOP/s (${name(p)})`).join(', ')}: the dense products are at the machine's MatMul rate; the rest is memory-bound element-wise work`],
        },
        {
          title: `ORT intra-op spinning, the CNN model: highlight() tokens/s with allow_spinning on (default) and off; median of ${ctx.runs}`,
          header: ['ORT threads', 'spinning', 'whole text tokens/s', 'per document tokens/s'],
          rows: spinRows,
          notes: [
            'with 2 threads each ORT session (encoder, span head) keeps a pool thread that spins after every run; on 2 cores it takes the core the JS thread (featurising, decoding) and the other session need',
          ],
        },
      ],
      data: { model: PROFILED_MODEL, corpus: corpus.name, tokens: corpus.tokens, perThreads, spinning: spinData, encoderOps: opProfiles },
    };
  },
};
