// Section "throughput": tokens/s of NerEngine.highlight (tokenise, split, featurise, encode, detect, embed and
// type spans) on the CoNLL-2003 test text with onnxruntime-node on the CPU, next to the arithmetic limit
// (model FLOPs per token from the architecture, GFLOP/s of a 1024^3 MatMul in the same run).
import { NerEngine } from '../../src/core/engine';
import { tokenize } from '../../src/core/text/tokenize';
import { BENCH_MODEL_DIR, conllTestCorpus, fmt, log, median, seconds, type Section, type SectionContext, type SectionOutput, type TargetCheck } from './common';
import { matMulGflops, modelFlops, type MatMulResult } from './flops';

export const THREADS = [1, 2];

type Mode = 'whole text' | 'per document' | 'one sentence per call';

interface ModeResult {
  threads: number;
  mode: Mode;
  calls: number;
  runs: number[];
  tokensPerSecond: number;
  msPerCall: number;
}

export const throughput: Section = {
  name: 'throughput',
  title: 'Highlight throughput (onnxruntime-node, CPU)',
  async run(ctx: SectionContext): Promise<SectionOutput> {
    const corpus = await conllTestCorpus();
    const sentenceTexts = corpus.sentences.map((s) => s.tokens.join(' '));
    const ourTokens = tokenize(corpus.text).length;
    const results: ModeResult[] = [];
    const matmul: MatMulResult[] = [];
    let spansPerToken = 0;
    const loadMs: Record<number, number> = {};
    let architecture: NerEngine['manifest']['architecture'] | undefined;

    for (const threads of THREADS) {
      log(`throughput: ${threads} thread(s): MatMul 1024^3`);
      matmul.push(await matMulGflops(threads));
      const t0 = performance.now();
      const engine = await NerEngine.load(BENCH_MODEL_DIR, { threads, preference: 'cpu' });
      loadMs[threads] = performance.now() - t0;
      architecture = engine.manifest.architecture;
      try {
        if (spansPerToken === 0) {
          const detected = await engine.detectAndEmbed(corpus.sentences.map((s) => s.tokens));
          spansPerToken = detected.reduce((n, s) => n + s.length, 0) / corpus.tokens;
        }
        await engine.highlight(corpus.text); // warm-up: ORT, the n-gram cache
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
          log(`throughput: ${threads} thread(s): ${mode} x ${ctx.runs}`);
          const runs: number[] = [];
          for (let r = 0; r < ctx.runs; r++) {
            runs.push(
              await seconds(async () => {
                for (const t of texts) await call(t);
              }),
            );
          }
          const s = median(runs);
          results.push({ threads, mode, calls: texts.length, runs, tokensPerSecond: corpus.tokens / s, msPerCall: (1000 * s) / texts.length });
        }
      } finally {
        await engine.dispose();
      }
    }

    const flops = modelFlops(architecture!, spansPerToken);
    // The limit is what the machine can do: the best MatMul run (noise from other work only slows runs down).
    const limitOf = (threads: number) => (matmul.find((m) => m.threads === threads)!.bestGflops * 1e9) / flops.perToken;
    const rows = results.map((r) => {
      const limit = limitOf(r.threads);
      return [r.threads, r.mode, fmt(r.tokensPerSecond), fmt(r.msPerCall, 2), fmt(limit), `${fmt(limit / r.tokensPerSecond, 1)}x`];
    });
    const best2 = Math.max(...results.filter((r) => r.threads === 2 && r.mode !== 'one sentence per call').map((r) => r.tokensPerSecond));
    const ratio2 = limitOf(2) / best2;
    const targets: TargetCheck[] = [
      { target: 'batched throughput >= 20,000 tokens/s (2 threads)', measured: `${fmt(best2)} tokens/s`, met: best2 >= 20_000 },
      { target: 'batched throughput within 3x of the arithmetic limit (2 threads)', measured: `limit ${fmt(limitOf(2))} tokens/s = ${fmt(ratio2, 1)}x the measured`, met: ratio2 <= 3 },
    ];
    return {
      tables: [
        {
          title: `Highlight throughput: ${corpus.name}, ${fmt(corpus.tokens)} CoNLL tokens (${fmt(ourTokens)} by our tokenizer), ${corpus.sentences.length} sentences, ${corpus.documents.length} documents; median of ${ctx.runs}`,
          header: ['ORT threads', 'mode', 'tokens/s', 'ms/call', 'limit tokens/s', 'limit / measured'],
          rows,
          notes: [
            `limit = best MatMul GFLOP/s / model FLOPs per token; FLOPs per token ${fmt(flops.perToken)} = encoder ${fmt(flops.encoderPerToken)} + span head ${fmt(flops.spanHeadPerSpan)} x ${fmt(spansPerToken, 3)} detected spans/token`,
            ...matmul.map((m) => `MatMul ${m.size.join('x')} float32 (one-node ONNX graph), ${m.threads} thread(s): best ${fmt(m.bestGflops, 1)} GFLOP/s, median ${fmt(m.gflops, 1)} (${m.runs} runs)`),
            `model load (both ORT sessions): ${THREADS.map((t) => `${t} thread(s) ${fmt(loadMs[t])} ms`).join(', ')}; the sentence cache is cleared before every call`,
          ],
        },
      ],
      data: { corpus: { name: corpus.name, conllTokens: corpus.tokens, ourTokens, sentences: corpus.sentences.length, documents: corpus.documents.length, characters: corpus.text.length }, flops, matmul, results, loadMs },
      targets,
    };
  },
};
