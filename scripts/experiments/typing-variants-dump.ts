// Experiment (docs/BENCHMARKS.md 0.9; measured, not adopted): dumps span embeddings of CoNLL train gold spans and dev/test detected spans.
//   node --import tsx scripts/experiments/typing-variants-dump.ts MODEL_DIR OUT_DIR; then python scripts/experiments/typing_variants.py OUT_DIR MODEL_DIR
import { writeFileSync } from 'node:fs';
import { readConllFile } from '../../src/core/data/conll';
import { NerEngine } from '../../src/core/engine';

async function main() {
  const [modelDir, out] = process.argv.slice(2);
  const engine = await NerEngine.load(modelDir, { threads: 1, int8MatMul: ['q', 'k', 'v', 'o', 'ffn1', 'ffn2'], oneTypePerName: false });
  for (const split of ['eng.train', 'eng.testa', 'eng.testb']) {
    const data = await readConllFile(`../shared/data/conll2003/original/${split}`, { scheme: 'auto' });
    const tokens = data.sentences.map((s) => s.tokens);
    const gold = data.sentences.map((s) => s.spans);
    const t0 = Date.now();
    const goldEmb = await engine.embedSpans(tokens, gold);
    const rec: any = { documentStarts: data.documentStarts, tokens, gold: gold.map((l) => l.map((s) => [s.start, s.end, s.label])) };
    const vecs: number[] = [];
    goldEmb.forEach((l) => l.forEach((e) => vecs.push(...e)));
    writeFileSync(`${out}/${split}.gold.f32`, Buffer.from(Float32Array.from(vecs).buffer));
    if (split !== 'eng.train') {
      const det = await engine.detectAndEmbed(tokens);
      rec.detected = det.map((l) => l.map((s) => [s.start, s.end, s.confidence]));
      const dv: number[] = [];
      det.forEach((l) => l.forEach((s) => dv.push(...s.embedding)));
      writeFileSync(`${out}/${split}.det.f32`, Buffer.from(Float32Array.from(dv).buffer));
    }
    writeFileSync(`${out}/${split}.json`, JSON.stringify(rec));
    console.log(split, (Date.now() - t0) / 1000, 's');
  }
  await engine.dispose();
}
main();
