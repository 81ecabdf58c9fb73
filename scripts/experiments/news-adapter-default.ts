// Measures whether the hub's news adapter should run for a model's own (news) types when no support set is in use
// (docs/BENCHMARKS.md 0.9; measured and not adopted). Two checks, each with and without the adapter:
//   - CoNLL-2003 dev and test F1 (one type per name with keep-above 0.95), span F1;
//   - on another domain, F1 of the default types against gold types mapped to PER / LOC / ORG (predictions on gold
//     spans of unmapped types, and MISC, are not counted): what a user sees before labelling anything.
//   node --import tsx scripts/experiments/news-adapter-default.ts MODEL_DIR eng.testa,eng.testb,crossner/ai/dev.txt
import { join } from 'node:path';
import { readConllFile, type ParsedConll } from '../../src/core/data/conll';
import { NerEngine, type ScoredTokenSpan } from '../../src/core/engine';
import { loadAdapter } from '../../src/core/adapters/adapterFiles';
import { scoreEntities, scoreSpansIgnoringType } from '../../src/core/metrics';
import { harmoniseDocuments } from '../../src/core/spans/oneTypePerName';

/** CrossNER and WNUT-17 types that are one of CoNLL's PER / LOC / ORG. */
const MAPPED: Record<string, string> = {
  person: 'PER', politician: 'PER', scientist: 'PER', musicalartist: 'PER', writer: 'PER', researcher: 'PER',
  location: 'LOC', country: 'LOC', organisation: 'ORG', politicalparty: 'ORG', band: 'ORG', university: 'ORG', corporation: 'ORG',
};

function mappedF1(data: ParsedConll, predicted: ScoredTokenSpan[][]): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  data.sentences.forEach((s, i) => {
    const gold = new Set(s.spans.filter((g) => MAPPED[g.label]).map((g) => `${g.start}:${g.end}:${MAPPED[g.label]}`));
    const unmapped = s.spans.filter((g) => !MAPPED[g.label]);
    const counted = predicted[i]
      .filter((p) => p.label !== 'MISC' && !unmapped.some((o) => o.start < p.end && p.start < o.end))
      .map((p) => `${p.start}:${p.end}:${p.label}`);
    for (const p of counted) if (gold.has(p)) tp++;
    else fp++;
    fn += [...gold].filter((g) => !counted.includes(g)).length;
  });
  return (200 * tp) / (2 * tp + fp + fn);
}

async function main(): Promise<void> {
  const [modelDir, files] = process.argv.slice(2);
  const engine = await NerEngine.load(modelDir, { threads: 1, oneTypePerName: false });
  for (const withNews of [false, true]) {
    if (withNews) await engine.useAdapter(loadAdapter(join(modelDir, 'adapters', 'news')));
    for (const file of files.split(',')) {
      const data = await readConllFile(join('../shared/data', file.startsWith('eng.') ? `conll2003/original/${file}` : file), { scheme: 'auto' });
      const tokens = data.sentences.map((s) => s.tokens);
      const gold = data.sentences.map((s) => s.spans);
      const predicted = await engine.predictTokens(tokens);
      const what = withNews ? 'news adapter' : 'base        ';
      if (file.startsWith('eng.')) {
        const f1 = 100 * scoreEntities(gold, harmoniseDocuments(tokens, predicted, data.documentStarts, 0.95)).micro.f1;
        console.log(`${what} ${file}: F1 ${f1.toFixed(2)}, span F1 ${(100 * scoreSpansIgnoringType(gold, predicted).f1).toFixed(2)}`);
      } else console.log(`${what} ${file}: PER/LOC/ORG F1 ${mappedF1(data, predicted).toFixed(2)}, span F1 ${(100 * scoreSpansIgnoringType(gold, predicted).f1).toFixed(2)}`);
    }
  }
  await engine.dispose();
}

void main();
