// Inference speed of the CNN model (models/cnn, the fast model) with onnxruntime-node on CPU: tokens/s of the
// full pipeline on the CoNLL-2003 test text, batched and one sentence at a time, for 1 and 2 threads. Medians of runs.
//   npm run bench:engine [-- --runs 3]
import { readConllFile } from '../src/core/data/conll';
import { NerEngine } from '../src/core/engine';
import { cnnModelDir } from '../src/core/model/modelDirectory';
import { tokenize } from '../src/core/text/tokenize';

const runsAt = process.argv.indexOf('--runs');
const runs = runsAt >= 0 ? Number(process.argv[runsAt + 1]) : 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

async function main(): Promise<void> {
  const test = (await readConllFile('../shared/data/conll2003/original/eng.testb', { scheme: 'iob1' })).sentences;
  const sentences = test.map((s) => s.tokens);
  const tokens = sentences.reduce((n, s) => n + s.length, 0);
  const text = sentences.map((s) => s.join(' ')).join('\n\n');
  const single = sentences.slice(0, 400);
  const singleTokens = single.reduce((n, s) => n + s.length, 0);
  console.log(`CoNLL-2003 test: ${sentences.length} sentences, ${tokens} tokens; ${runs} runs each, medians`);
  console.log('threads | batched tokens/s | highlight(text) tokens/s, cold (cache cleared) | highlight(text) tokens/s, warm (every sentence cached) | one sentence per call tokens/s | ms per sentence');
  for (const threads of [1, 2]) {
    const load = process.hrtime.bigint();
    const engine = await NerEngine.load(cnnModelDir(), { threads, preference: 'cpu' });
    const loadMs = Number(process.hrtime.bigint() - load) / 1e6;
    await engine.predictTokens(sentences.slice(0, 50)); // warm-up
    const batched: number[] = [];
    const whole: number[] = [];
    const warm: number[] = [];
    const one: number[] = [];
    for (let r = 0; r < runs; r++) {
      batched.push(tokens / (await timeIt(() => engine.predictTokens(sentences))));
      // Cold: the sentence cache would answer the repeated text without the model, so it is cleared first.
      engine.clearCache();
      whole.push(tokenize(text).length / (await timeIt(() => engine.highlight(text))));
      warm.push(tokenize(text).length / (await timeIt(() => engine.highlight(text))));
      one.push(
        singleTokens /
          (await timeIt(async () => {
            for (const s of single) await engine.predictTokens([s]);
          })),
      );
    }
    const oneMs = (1000 * singleTokens) / median(one) / single.length;
    console.log(`${threads} | ${median(batched).toFixed(0)} | ${median(whole).toFixed(0)} | ${median(warm).toFixed(0)} | ${median(one).toFixed(0)} | ${oneMs.toFixed(2)}   (model load ${loadMs.toFixed(0)} ms, provider ${engine.execution.provider})`);
    await engine.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
