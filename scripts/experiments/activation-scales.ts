// Experiment (docs/BENCHMARKS.md 0.11; measured, not adopted): the encoder's int8 activations scaled per piece
// (shipped) against fixed scales calibrated on train sentences (src/core/transformer/activationScales.ts), at
// several quantiles. Prints, per variant: CoNLL dev F1, how far span scores move from float products on dev,
// one sentence's span score, and the time and CPU to highlight 300 lines of the editor bench's text.
//   node --import tsx scripts/experiments/activation-scales.ts MODEL_DIR [quantiles, e.g. 0.999,0.9999,1]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readConllFile } from '../../src/core/data/conll';
import { NerEngine, type EngineOptions } from '../../src/core/engine';
import { scoreEntities } from '../../src/core/metrics';
import { activationScalesAt, measureInputRanges } from '../../src/core/transformer/activationScales';
import type { TransformerConfig } from '../../src/core/transformer/architecture';
import type { TransformerRuntime } from '../../src/core/transformer/transformerRuntime';

const DATA = '../shared/data';
const SAMPLES = ['harbour-report.txt', 'meeting-notes.md', 'travel-itinerary.txt', 'clinic-notes.md'];
const SENTENCE = ['A', 'spokesperson', 'for', 'the', 'Ministry', 'of', 'Environment', 'in', 'Lisbon', 'said', 'the', 'survey', 'would', 'appear', 'in', 'April', '.'];

/** Train sentences only: CoNLL-2003 train and the five CrossNER train splits. */
async function calibrationSentences(): Promise<string[][]> {
  const take = async (file: string, n: number) => (await readConllFile(join(DATA, file), { scheme: 'auto' })).sentences.slice(0, n).map((s) => s.tokens);
  const sets = [await take('conll2003/original/eng.train', 1000)];
  for (const d of ['politics', 'science', 'music', 'literature', 'ai']) sets.push(await take(`crossner/${d}/train.txt`, 100));
  return sets.flat();
}

/** Each dev sentence's spans as `start-end:label` -> score. */
type SpanScores = Array<Map<string, number>>;

async function main() {
  const [modelDir, qArg = '0.999,0.9999,1'] = process.argv.slice(2);
  const lines: string[] = [];
  const texts = SAMPLES.map((n) => readFileSync(join('samples/workspace', n), 'utf8'));
  for (let i = 0; lines.length < 330; i++) lines.push(...texts[i % texts.length].split('\n').map((l) => (l.trim() ? `${l} (${i})` : l)));
  const dev = await readConllFile(join(DATA, 'conll2003/original/eng.testa'), { scheme: 'auto' });
  const tokens = dev.sentences.map((s) => s.tokens);
  const gold = dev.sentences.map((s) => s.spans);

  const floatEngine = await NerEngine.load(modelDir, { threads: 2, oneTypePerName: false, int8MatMul: [] });
  const runtime = floatEngine.runtime as unknown as TransformerRuntime;
  const config = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8')).architecture as TransformerConfig;
  const ranges = await measureInputRanges(config, runtime.baseWeights(), runtime.tokenizer, await calibrationSentences(), runtime.execution, 2);
  const scoresOf = async (engine: NerEngine): Promise<SpanScores> => (await engine.predictTokens(tokens)).map((spans) => new Map(spans.map((s) => [`${s.start}-${s.end}:${s.label}`, s.score])));
  const float = await scoresOf(floatEngine);
  await floatEngine.dispose();

  const variants: Array<[string, EngineOptions]> = [['float products', { int8MatMul: [] }], ['int8, per piece (shipped)', {}]];
  for (const q of qArg.split(',')) variants.push([`int8, fixed, quantile ${q}`, { activationScales: activationScalesAt(ranges, Number(q)) }]);
  console.log('| activations | CoNLL dev F1 | mean abs(score - float) on dev spans | spans moved > 0.05 / lost / new | "Ministry of Environment in Lisbon" | 300 lines: best wall ms / CPU ms per run |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, options] of variants) {
    const engine = await NerEngine.load(modelDir, { threads: 2, oneTypePerName: false, ...options });
    const predicted = await engine.predictTokens(tokens);
    const f1 = scoreEntities(gold, predicted).micro.f1 * 100;
    const scores = await scoresOf(engine);
    let matched = 0, sum = 0, moved = 0, lost = 0, added = 0;
    scores.forEach((m, i) => {
      for (const [k, f] of float[i]) {
        const v = m.get(k);
        if (v === undefined) { lost++; continue; }
        matched++;
        sum += Math.abs(v - f);
        if (Math.abs(v - f) > 0.05) moved++;
      }
      for (const k of m.keys()) if (!float[i].has(k)) added++;
    });
    const lisbon = (await engine.predictTokens([SENTENCE]))[0].find((s) => SENTENCE[s.start] === 'Ministry');
    await engine.highlight(lines.slice(300, 330).join('\n')); // warm-up
    const times: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let r = 0; r < 5; r++) {
      engine.clearCache();
      const started = performance.now();
      await engine.highlight(lines.slice(0, 300).join('\n').replace(/\((\d+)\)/g, `($1.${r})`));
      times.push(performance.now() - started);
    }
    const cpu = process.cpuUsage(cpu0);
    console.log(`| ${name} | ${f1.toFixed(2)} | ${(sum / matched).toFixed(4)} | ${moved} / ${lost} / ${added} | ${lisbon ? lisbon.score.toFixed(3) : 'not found'} | ${Math.min(...times).toFixed(0)} / ${((cpu.user + cpu.system) / 5000).toFixed(0)} |`);
    await engine.dispose();
  }
}
main();
