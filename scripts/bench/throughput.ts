// Section "throughput": tokens/s of NerEngine.highlight (tokenise, split, encode, detect, embed and type spans)
// on the CoNLL-2003 test text with onnxruntime-node on the CPU, for each chosen model side by side, next to
// the arithmetic limit (model FLOPs per token from the architecture; GFLOP/s of a 1024^3 MatMul and GOP/s of
// a 1024^3 MatMulInteger in the same run).
import { NerEngine } from '../../src/core/engine';
import { tokenize } from '../../src/core/text/tokenize';
import { splitSentences } from '../../src/core/text/sentences';
import type { TransformerConfig } from '../../src/core/transformer/architecture';
import { INT8_PROJECTIONS } from '../../src/core/transformer/transformerOnnx';
import type { TransformerRuntime } from '../../src/core/transformer/transformerRuntime';
import { conllTestCorpus, fmt, log, median, seconds, type BenchModel, type BenchModelName, type Corpus, type Section, type SectionContext, type SectionOutput, type TargetCheck } from './common';
import { int8FlopsPerWord, matMulGflops, matMulIntegerGops, modelFlops, pieceShape, transformerFlops, type FlopCount, type MatMulResult, type PieceShape, type TransformerFlopCount } from './flops';

export const THREADS = [1, 2];

type Mode = 'whole text' | 'per document' | 'one sentence per call';

interface ModeResult {
  model: BenchModelName;
  threads: number;
  mode: Mode;
  calls: number;
  runs: number[];
  tokensPerSecond: number;
  msPerCall: number;
}

/** A model's arithmetic per CoNLL token, and the part of it that runs (or could run) as int8 products. */
interface ModelArithmetic {
  model: BenchModelName;
  flopsPerToken: number;
  /** Products that run as int8 in this model as loaded (the transformer's runtime.int8MatMul). */
  int8: readonly string[];
  int8PerToken: number;
  /** All encoder projections: what int8 would cover if it were on for every one (undefined: no int8 path). */
  allProjectionsPerToken?: number;
  spans: number;
  cnn?: FlopCount;
  transformer?: TransformerFlopCount & { shape: PieceShape };
  loadMs: Record<number, number>;
}

/** The sentences of a text as highlight() splits them, as word lists (what the model runs). */
function engineSentences(text: string): string[][] {
  const tokens = tokenize(text);
  return splitSentences(text, tokens, { maxTokens: Number.MAX_SAFE_INTEGER }).map((s) => tokens.slice(s.tokenStart, s.tokenEnd).map((t) => t.text));
}

/** FLOPs per CoNLL token of the loaded model on this text (spans detected once, pieces counted for the transformer). */
async function arithmetic(model: BenchModel, engine: NerEngine, corpus: Corpus): Promise<Omit<ModelArithmetic, 'loadMs'>> {
  const sentences = engineSentences(corpus.text);
  const spans = (await engine.detectAndEmbed(sentences)).reduce((n, s) => n + s.length, 0);
  if (engine.runtime.family !== 'transformer') {
    const cnn = modelFlops(engine.manifest.architecture, spans / corpus.tokens);
    return { model: model.name, flopsPerToken: cnn.perToken, int8: [], int8PerToken: 0, spans, cnn };
  }
  const runtime = engine.runtime as TransformerRuntime;
  const shape = pieceShape(runtime, sentences);
  const f = transformerFlops(engine.manifest.architecture as unknown as TransformerConfig, shape, spans / shape.words);
  // Per word of the windows -> per CoNLL token (tokens/s counts CoNLL tokens).
  const perToken = (perWord: number) => (perWord * shape.words) / corpus.tokens;
  return {
    model: model.name,
    flopsPerToken: perToken(f.perWord),
    int8: runtime.int8.products,
    int8PerToken: perToken(int8FlopsPerWord(f, runtime.int8.products)),
    allProjectionsPerToken: perToken(int8FlopsPerWord(f, INT8_PROJECTIONS)),
    spans,
    transformer: { ...f, shape },
  };
}

/** Tokens/s the arithmetic allows: `int8Flops` of the FLOPs at the int8 rate, the rest at the float32 rate. */
function limit(flops: number, int8Flops: number, rates: { float32: number; int8: number }): number {
  return 1 / (int8Flops / rates.int8 + (flops - int8Flops) / rates.float32);
}

async function measureModel(model: BenchModel, corpus: Corpus, ctx: SectionContext, results: ModeResult[]): Promise<ModelArithmetic> {
  const sentenceTexts = corpus.sentences.map((s) => s.tokens.join(' '));
  const loadMs: Record<number, number> = {};
  let counted: Omit<ModelArithmetic, 'loadMs'> | undefined;
  for (const threads of THREADS) {
    const t0 = performance.now();
    const engine = await NerEngine.load(model.dir, { threads, preference: 'cpu' });
    loadMs[threads] = performance.now() - t0;
    try {
      if (!counted) {
        log(`throughput: ${model.name}: spans and pieces of the text`);
        counted = await arithmetic(model, engine, corpus);
      }
      await engine.highlight(corpus.text); // warm-up: ORT, the n-gram or piece cache
      // The sentence cache would answer repeated sentences without the model: cleared before every call.
      const call = async (text: string) => {
        engine.useTypes(undefined);
        await engine.highlight(text);
      };
      const modes: Array<[Mode, string[]]> = [
        ['whole text', [corpus.text]],
        ['per document', corpus.documentTexts],
        ['one sentence per call', sentenceTexts],
      ];
      for (const [mode, texts] of modes) {
        log(`throughput: ${model.name}: ${threads} thread(s): ${mode} x ${ctx.runs}`);
        const runs: number[] = [];
        for (let r = 0; r < ctx.runs; r++) {
          runs.push(
            await seconds(async () => {
              for (const t of texts) await call(t);
            }),
          );
        }
        const s = median(runs);
        results.push({ model: model.name, threads, mode, calls: texts.length, runs, tokensPerSecond: corpus.tokens / s, msPerCall: (1000 * s) / texts.length });
      }
    } finally {
      await engine.dispose();
    }
  }
  return { ...counted!, loadMs };
}

/** `asLoaded`: the limit with the model's own int8 products at the int8 rate, per thread count. */
function arithmeticNotes(a: ModelArithmetic, asLoaded: (threads: number) => number): string[] {
  if (a.cnn) {
    const f = a.cnn;
    return [`${a.model}: FLOPs per token ${fmt(f.perToken)} = encoder ${fmt(f.encoderPerToken)} + span head ${fmt(f.spanHeadPerSpan)} x ${fmt(f.spansPerToken, 3)} detected spans/token; no int8 products`];
  }
  const f = a.transformer!;
  const share = (x: number) => `${fmt((100 * x) / a.flopsPerToken, 1)}%`;
  return [
    `${a.model}: FLOPs per word ${fmt(f.perWord)} = ${fmt(f.piecesPerWord, 3)} pieces/word x (projections ${fmt(f.projectionsPerPiece)} + attention ${fmt(f.attentionPerPiece)} per piece) + heads ${fmt(f.headsPerWord)} + span head ${fmt(f.spanHeadPerSpan)} x ${fmt(f.spansPerWord, 3)} detected spans/word; per CoNLL token ${fmt(a.flopsPerToken)} (${fmt(f.shape.words)} words in ${fmt(f.shape.windows)} windows)`,
    `${a.model}: projections per piece, all layers: ${Object.entries(f.projectionPerPiece).map(([p, x]) => `${p} ${fmt(x)}`).join(', ')}; attention 2 x 2 x S x H per layer with S = ${fmt(f.attentionWindowPieces, 1)} pieces (window length averaged over pieces, as attention costs S^2 per window; the mean over windows is ${fmt(f.meanWindowPieces, 1)}); pieces counted with [CLS] and [SEP]`,
    a.int8.length > 0
      ? `${a.model}: int8 products as loaded (manifest runtime.int8MatMul): ${a.int8.join(', ')} = ${share(a.int8PerToken)} of the FLOPs, limit as loaded ${THREADS.map((t) => `${fmt(asLoaded(t))} tokens/s (${t} thread(s))`).join(', ')}; "limit int8" puts all six encoder projections (${share(a.allProjectionsPerToken!)}) at the int8 rate, the rest at the float32 rate`
      : `${a.model}: no products run as int8 (manifest runtime.int8MatMul is absent or empty), so the float32 limit is the one that applies; "limit int8" is what the six encoder projections (${share(a.allProjectionsPerToken!)} of the FLOPs) would allow at the int8 rate, the rest at the float32 rate`,
  ];
}

export const throughput: Section = {
  name: 'throughput',
  title: 'Highlight throughput per model (onnxruntime-node, CPU)',
  async run(ctx: SectionContext): Promise<SectionOutput> {
    const corpus = await conllTestCorpus(ctx.documents);
    const ourTokens = tokenize(corpus.text).length;
    const matmul: MatMulResult[] = [];
    for (const threads of THREADS) {
      log(`throughput: ${threads} thread(s): MatMul and MatMulInteger 1024^3`);
      matmul.push(await matMulGflops(threads), await matMulIntegerGops(threads));
    }
    const results: ModeResult[] = [];
    const models: ModelArithmetic[] = [];
    for (const model of ctx.models) models.push(await measureModel(model, corpus, ctx, results));

    // The limit is what the machine can do: the best run of each product (noise from other work only slows runs down).
    const rates = (threads: number) => {
      const best = (kind: MatMulResult['kind']) => matmul.find((m) => m.threads === threads && m.kind === kind)!.bestGflops * 1e9;
      return { float32: best('float32'), int8: best('int8') };
    };
    const arithmeticOf = (name: BenchModelName) => models.find((m) => m.model === name)!;
    const limits = (r: { model: BenchModelName; threads: number }) => {
      const a = arithmeticOf(r.model);
      const rate = rates(r.threads);
      return {
        float32: limit(a.flopsPerToken, 0, rate),
        asLoaded: limit(a.flopsPerToken, a.int8PerToken, rate),
        int8: a.allProjectionsPerToken === undefined ? undefined : limit(a.flopsPerToken, a.allProjectionsPerToken, rate),
      };
    };
    const rows = results.map((r) => {
      const l = limits(r);
      return [r.model, r.threads, r.mode, fmt(r.tokensPerSecond), fmt(r.msPerCall, 2), fmt(l.float32), `${fmt(l.float32 / r.tokensPerSecond, 1)}x`, l.int8 === undefined ? '-' : fmt(l.int8), l.int8 === undefined ? '-' : `${fmt(l.int8 / r.tokensPerSecond, 1)}x`];
    });

    const targets: TargetCheck[] = [];
    for (const model of ctx.models) {
      const wanted = model.targets.throughput;
      if (!wanted) continue; // reported in the table only
      const best2 = Math.max(...results.filter((r) => r.model === model.name && r.threads === 2 && r.mode !== 'one sentence per call').map((r) => r.tokensPerSecond));
      const limit2 = limits({ model: model.name, threads: 2 }).asLoaded;
      const ratio2 = limit2 / best2;
      targets.push(
        { target: `${model.name}: batched throughput >= ${fmt(wanted.minTokensPerSecond)} tokens/s (2 threads)`, measured: `${fmt(best2)} tokens/s`, met: best2 >= wanted.minTokensPerSecond },
        { target: `${model.name}: batched throughput within ${wanted.maxLimitRatio}x of the arithmetic limit (2 threads)`, measured: `limit ${fmt(limit2)} tokens/s = ${fmt(ratio2, 1)}x the measured`, met: ratio2 <= wanted.maxLimitRatio },
      );
    }
    return {
      tables: [
        {
          title: `Highlight throughput: ${corpus.name}, ${fmt(corpus.tokens)} CoNLL tokens (${fmt(ourTokens)} by our tokenizer), ${corpus.sentences.length} sentences, ${corpus.documents.length} documents; median of ${ctx.runs}`,
          header: ['model', 'ORT threads', 'mode', 'tokens/s', 'ms/call', 'limit f32 tokens/s', 'limit f32 / measured', 'limit int8 tokens/s', 'limit int8 / measured'],
          rows,
          notes: [
            'limit f32 = best float32 MatMul GFLOP/s / model FLOPs per CoNLL token; limit int8 = the encoder projections at the best MatMulInteger GOP/s, the rest at the float32 rate (transformer only)',
            ...models.flatMap((a) => arithmeticNotes(a, (threads) => limits({ model: a.model, threads }).asLoaded)),
            ...matmul.map((m) => `${m.kind === 'float32' ? 'MatMul float32' : 'MatMulInteger uint8 x int8 constant -> int32'} ${m.size.join('x')} (one-node ONNX graph), ${m.threads} thread(s): best ${fmt(m.bestGflops, 1)} ${m.kind === 'float32' ? 'GFLOP/s' : 'GOP/s'}, median ${fmt(m.gflops, 1)} (${m.runs} runs)`),
            `model load (both ORT sessions): ${models.map((a) => `${a.model} ${THREADS.map((t) => `${t} thread(s) ${fmt(a.loadMs[t])} ms`).join(', ')}`).join('; ')}; the sentence cache is cleared before every call`,
          ],
        },
      ],
      data: {
        corpus: { name: corpus.name, conllTokens: corpus.tokens, ourTokens, sentences: corpus.sentences.length, documents: corpus.documents.length, characters: corpus.text.length },
        arithmetic: models.map((a) => ({ ...a, limits: Object.fromEntries(THREADS.map((t) => [t, limits({ model: a.model, threads: t })])) })),
        matmul,
        results,
      },
      targets,
    };
  },
};
