// Scores a built transformer model with the editor's engine (onnxruntime) and records it in its manifest:
// CoNLL-2003 dev and test F1 with the type head and with train prototypes (the typing used is chosen on dev),
// type-agnostic span F1 on the CrossNER dev splits, and what int8 storage costs on dev against the float
// weights of the run (kept only when it loses less than 0.5 F1).
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { readConllFile } from '../../src/core/data/conll';
import { NerEngine } from '../../src/core/engine';
import { scoreEntities, scoreSpansIgnoringType } from '../../src/core/metrics';
import { normaliseRows } from '../../src/core/types/prototypes';
import { writeFileAtomic } from '../../src/core/io/atomicWrite';
import type { LabeledSentence } from '../../src/core/types';

export const INT8_MAX_DEV_LOSS = 0.5;

interface Scores {
  precision: number;
  recall: number;
  f1: number;
  span_f1: number;
}

async function score(engine: NerEngine, sentences: LabeledSentence[]): Promise<Scores> {
  const predicted = await engine.predictTokens(sentences.map((s) => s.tokens));
  const gold = sentences.map((s) => s.spans);
  const typed = scoreEntities(gold, predicted).micro;
  return { precision: 100 * typed.precision, recall: 100 * typed.recall, f1: 100 * typed.f1, span_f1: 100 * scoreSpansIgnoringType(gold, predicted).f1 };
}

/** Dev and test scores with the type head and with prototypes. */
async function scoreTypings(engine: NerEngine, dir: string, dev: LabeledSentence[], test: LabeledSentence[]) {
  const types = JSON.parse(readFileSync(join(dir, 'types.json'), 'utf8'));
  const space = (vectors: number[]) => ({ labels: types.labels, dims: engine.runtime.spanDims, vectors: normaliseRows(Float32Array.from(vectors), engine.runtime.spanDims), scale: engine.defaultTypes.scale });
  const out: Record<string, { dev: Scores; test: Scores }> = {};
  for (const typing of ['typeHead', 'prototypes'] as const) {
    engine.useTypes(space(types[typing]));
    out[typing] = { dev: await score(engine, dev), test: await score(engine, test) };
  }
  engine.useTypes(undefined);
  return out;
}

export async function evaluateModel(dir: string, data: string, run?: string): Promise<void> {
  const read = async (file: string) => (await readConllFile(join(data, file), { scheme: 'auto' })).sentences;
  const dev = await read('conll2003/original/eng.testa');
  const test = await read('conll2003/original/eng.testb');
  const manifestPath = join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const engine = await NerEngine.load(dir);
  const typings = await scoreTypings(engine, dir, dev, test);
  const typing = typings.prototypes.dev.f1 > typings.typeHead.dev.f1 ? 'prototypes' : 'typeHead';
  const crossnerDevSpanF1: Record<string, number> = {};
  for (const domain of ['politics', 'science', 'music', 'literature', 'ai']) {
    const sentences = await read(`crossner/${domain}/dev.txt`);
    crossnerDevSpanF1[domain] = (await score(engine, sentences)).span_f1;
  }
  await engine.dispose();

  let quantisation: Record<string, unknown> | undefined;
  if (run) {
    // The same model with the run's float32 weights, on dev: what int8 storage costs.
    const floatDir = mkdtempSync(join(tmpdir(), 'baner-float-'));
    try {
      for (const file of ['manifest.json', 'tokenizer.json', 'types.json', 'LICENSE-weights.txt']) copyFileSync(join(dir, file), join(floatDir, file));
      copyFileSync(join(run, 'weights.bin'), join(floatDir, 'weights.bin'));
      const floatEngine = await NerEngine.load(floatDir);
      const floatTypings = await scoreTypings(floatEngine, floatDir, dev, dev.slice(0, 1));
      await floatEngine.dispose();
      const loss = floatTypings[typing].dev.f1 - typings[typing].dev.f1;
      quantisation = { storage: 'int8, one scale per output column (per row for the piece embeddings)', floatDevF1: floatTypings[typing].dev.f1, int8DevF1: typings[typing].dev.f1, devF1Loss: loss, kept: loss < INT8_MAX_DEV_LOSS };
      if (loss >= INT8_MAX_DEV_LOSS) {
        console.log(`int8 storage loses ${loss.toFixed(2)} F1 on dev (limit ${INT8_MAX_DEV_LOSS}): shipping float32 weights`);
        copyFileSync(join(run, 'weights.bin'), join(dir, 'weights.bin'));
      }
    } finally {
      rmSync(floatDir, { recursive: true, force: true });
    }
  }
  const types = JSON.parse(readFileSync(join(dir, 'types.json'), 'utf8'));
  writeFileAtomic(join(dir, 'types.json'), JSON.stringify({ ...types, typing }));
  manifest.typing = typing;
  manifest.evaluation = {
    command: 'npm run train:transformer -- --steps evaluate',
    chosen: { dev: typings[typing].dev, test: typings[typing].test },
    dev: { typeHead: typings.typeHead.dev, prototypes: typings.prototypes.dev },
    test: { typeHead: typings.typeHead.test, prototypes: typings.prototypes.test },
    crossnerDevSpanF1,
    ...(quantisation ? { quantisation } : {}),
  };
  writeFileAtomic(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  console.log(`typing by ${typing}: CoNLL dev F1 ${typings[typing].dev.f1.toFixed(2)}, test F1 ${typings[typing].test.f1.toFixed(2)} (span F1 ${typings[typing].test.span_f1.toFixed(2)})`);
  execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, 'model-card.ts'), dir], { stdio: 'inherit' });
}
