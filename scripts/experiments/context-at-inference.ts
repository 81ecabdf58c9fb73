// Experiment (docs/BENCHMARKS.md 0.9; measured, not adopted): CoNLL F1 when each sentence is encoded with neighbouring sentences of its document.
//   node --import tsx scripts/experiments/context-at-inference.ts MODEL_DIR 0,32,96 eng.testa
import { readConllFile } from '../../src/core/data/conll';
import { NerEngine, classifySpans } from '../../src/core/engine';
import { scoreEntities, scoreSpansIgnoringType } from '../../src/core/metrics';
import { harmoniseDocuments } from '../../src/core/spans/oneTypePerName';

async function main() {
  const [modelDir, ctxArg, splitArg] = process.argv.slice(2);
  const engine = await NerEngine.load(modelDir, { threads: 1, int8MatMul: ['q', 'k', 'v', 'o', 'ffn1', 'ffn2'], oneTypePerName: false });
  for (const split of splitArg.split(',')) {
    const data = await readConllFile(`../shared/data/conll2003/original/${split}`, { scheme: 'auto' });
    const tokens = data.sentences.map((s) => s.tokens);
    const gold = data.sentences.map((s) => s.spans);
    const docOf: number[] = [];
    const starts = data.documentStarts;
    for (let d = 0; d < starts.length; d++) for (let s = starts[d]; s < (starts[d + 1] ?? tokens.length); s++) docOf[s] = d;
    for (const C of ctxArg.split(',').map(Number)) {
      const inputs: string[][] = [];
      const offsets: number[] = [];
      tokens.forEach((t, i) => {
        let left: string[] = [];
        for (let j = i - 1; j >= 0 && docOf[j] === docOf[i] && left.length < C; j--) left = [...tokens[j], ...left];
        left = left.slice(Math.max(0, left.length - C));
        let right: string[] = [];
        for (let j = i + 1; j < tokens.length && docOf[j] === docOf[i] && right.length < C; j++) right = [...right, ...tokens[j]];
        right = right.slice(0, C);
        inputs.push([...left, ...t, ...right]);
        offsets.push(left.length);
      });
      const t0 = Date.now();
      const det = await engine.detectAndEmbed(inputs);
      const predicted = det.map((spans, i) =>
        classifySpans(engine.typeSpace, spans)
          .filter((s) => s.start >= offsets[i] && s.end <= offsets[i] + tokens[i].length)
          .map((s) => ({ ...s, start: s.start - offsets[i], end: s.end - offsets[i] })),
      );
      const off = scoreEntities(gold, predicted).micro.f1 * 100;
      const on = scoreEntities(gold, harmoniseDocuments(tokens, predicted, starts, 0.95)).micro.f1 * 100;
      const span = scoreSpansIgnoringType(gold, predicted).f1 * 100;
      console.log(`${split} context ${C}: F1 ${off.toFixed(2)} harmonised ${on.toFixed(2)} span ${span.toFixed(2)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
  }
  await engine.dispose();
}
main();
