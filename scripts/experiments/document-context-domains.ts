// Experiment (docs/BENCHMARKS.md 0.12): how a model trained with document context detects spans in other domains
// when their sentences are encoded alone and when consecutive sentences of the file are packed as if they were
// one document's (CrossNER and WNUT-17 files mark no documents, so their neighbours are often unrelated: the
// worst case of a user's paragraph). Type-agnostic span F1 on the dev splits.
//   node --import tsx scripts/experiments/document-context-domains.ts MODEL_DIR
import { readConllFile } from '../../src/core/data/conll';
import { NerEngine } from '../../src/core/engine';
import { scoreSpansIgnoringType } from '../../src/core/metrics';

const SPLITS = ['crossner/politics/dev.txt', 'crossner/science/dev.txt', 'crossner/music/dev.txt', 'crossner/literature/dev.txt', 'crossner/ai/dev.txt', 'wnut17/emerging.dev.conll'];

async function main(): Promise<void> {
  const [modelDir] = process.argv.slice(2);
  if (!modelDir) throw new Error('usage: document-context-domains.ts MODEL_DIR');
  const engine = await NerEngine.load(modelDir, { threads: 1, oneTypePerName: false });
  console.log(`${modelDir}: document context ${engine.documentContext ? 'on' : 'off'}`);
  for (const split of SPLITS) {
    const data = await readConllFile(`../shared/data/${split}`, { scheme: 'auto' });
    const tokens = data.sentences.map((s) => s.tokens);
    const gold = data.sentences.map((s) => s.spans);
    const alone = scoreSpansIgnoringType(gold, await engine.predictTokens(tokens)).f1 * 100;
    const packed = scoreSpansIgnoringType(gold, await engine.predictTokens(tokens, tokens.map(() => 0))).f1 * 100;
    console.log(`${split}: span F1 alone ${alone.toFixed(2)}, packed ${packed.toFixed(2)} (${(packed - alone).toFixed(2)})`);
  }
  await engine.dispose();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
