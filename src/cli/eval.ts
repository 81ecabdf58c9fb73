// `baner eval --test FILE`: predict a CoNLL file and score it (entity-level micro P/R/F1, span F1).
// With --support, the types and prototypes come from that labelled support set (few-shot).
import { readConllFile, sentenceDocuments } from '../core/data/conll';
import type { TagScheme } from '../core/data/tagSchemes';
import { scoreEntities, scoreSpansIgnoringType } from '../core/metrics';
import { NerEngine } from '../core/engine';
import { parseArgs, numberFlag, probabilityFlag, stringFlag, UsageError } from './args';
import { modelFlag } from './modelFlag';
import { existsSync } from 'node:fs';
import { ADAPT_METHODS, adaptEngine, loadFewShotContext } from './fewshot';
import type { AdaptMethod } from '../core/adapt';
import { harmoniseDocuments } from '../core/spans/oneTypePerName';
import { ProgressLine, withEncoderProgress } from './progress';

const SCHEMES = ['auto', 'iob1', 'iob2', 'bioes'];

export const EVAL_USAGE =
  'baner eval --test FILE [--model DIR] [--support FILE [--adapt auto|none|lorahub|full]] [--scheme auto|iob1|iob2|bioes] [--threshold X] [--one-type-per-name on|off|model] [--keep-above P] [--json] [--progress]';

async function readLabelled(path: string, scheme: string) {
  if (!existsSync(path)) throw new UsageError(`cannot read ${path}: no such file`);
  return (await readConllFile(path, { scheme: scheme as TagScheme | 'auto' })).sentences;
}

export async function evalCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, ['test', 'model', 'support', 'scheme', 'threshold', 'adapt', 'seed', 'one-type-per-name', 'keep-above'], ['json', 'progress']);
  const testPath = stringFlag(args, 'test');
  if (!testPath || args.positional.length > 0) throw new UsageError(`usage: ${EVAL_USAGE}`);
  const scheme = stringFlag(args, 'scheme') ?? 'auto';
  if (!SCHEMES.includes(scheme)) throw new UsageError(`--scheme must be one of ${SCHEMES.join(', ')}`);
  const threshold = probabilityFlag(args, 'threshold', 0);
  const keepAbove = args.flags.has('keep-above') ? probabilityFlag(args, 'keep-above', 0) : undefined;
  const started = Date.now();
  if (!existsSync(testPath)) throw new UsageError(`cannot read ${testPath}: no such file`);
  const parsedTest = await readConllFile(testPath, { scheme: scheme as TagScheme | 'auto' });
  const test = parsedTest.sentences;
  const harmonise = stringFlag(args, 'one-type-per-name') ?? 'model';
  if (!['on', 'off', 'model'].includes(harmonise)) throw new UsageError('--one-type-per-name must be on, off or model (what the model records as measured to help)');
  const modelDir = modelFlag(args);
  const engine = await NerEngine.load(modelDir);
  const supportPath = stringFlag(args, 'support');
  const method = (stringFlag(args, 'adapt') ?? 'auto') as AdaptMethod;
  if (!ADAPT_METHODS.includes(method)) throw new UsageError(`--adapt must be one of ${ADAPT_METHODS.join(', ')}`);
  if (supportPath) {
    const support = await readLabelled(supportPath, scheme);
    if (!support.some((s) => s.spans.length > 0)) throw new UsageError(`${supportPath} has no labelled entity to learn types from`);
    const adapter = await adaptEngine(engine, await loadFewShotContext(modelDir), support, { method, seed: numberFlag(args, 'seed', 1) });
    const chosen = adapter.config.training.chosenMethod;
    console.error(`adapted (${method}${method === 'auto' ? ` -> ${chosen}` : ''}) to ${adapter.config.types.length} types in ${adapter.config.training.seconds} s`);
  }
  const unknown = [...new Set(test.flatMap((s) => s.spans.map((x) => x.label)))].filter((l) => !engine.labels.includes(l));
  if (unknown.length > 0) console.error(`note: the test file has types the model does not predict: ${unknown.join(', ')}`);

  // One type per name within each -DOCSTART- document (the whole file when it has none).
  const harmonising = harmonise === 'model' ? engine.oneTypePerName : harmonise === 'on';
  const progress = ProgressLine.create('baner eval', args.flags.has('progress'));
  // A model trained with document context encodes each sentence with its -DOCSTART- document's neighbours.
  let raw = await withEncoderProgress(engine.runtime, progress, () => engine.predictTokens(test.map((s) => s.tokens), sentenceDocuments(parsedTest)));
  if (harmonising) raw = harmoniseDocuments(test.map((s) => s.tokens), raw, parsedTest.documentStarts, keepAbove ?? engine.keepOwnTypeAbove);
  const predicted = raw.map((list) => list.filter((s) => s.score >= threshold));
  const gold = test.map((s) => s.spans);
  const scores = scoreEntities(gold, predicted);
  const spans = scoreSpansIgnoringType(gold, predicted);
  const seconds = (Date.now() - started) / 1000;
  const pct = (x: number) => Number((100 * x).toFixed(2));
  if (!args.flags.has('json') || process.stdout.isTTY) {
    console.error(`type            precision  recall     f1  support`);
    for (const [label, s] of Object.entries(scores.perType)) {
      console.error(`${label.padEnd(15)} ${pct(s.precision).toFixed(2).padStart(9)} ${pct(s.recall).toFixed(2).padStart(7)} ${pct(s.f1).toFixed(2).padStart(6)} ${String(s.support).padStart(8)}`);
    }
    console.error(`micro           ${pct(scores.micro.precision).toFixed(2).padStart(9)} ${pct(scores.micro.recall).toFixed(2).padStart(7)} ${pct(scores.micro.f1).toFixed(2).padStart(6)}`);
    console.error(`span (untyped)  ${pct(spans.precision).toFixed(2).padStart(9)} ${pct(spans.recall).toFixed(2).padStart(7)} ${pct(spans.f1).toFixed(2).padStart(6)}`);
  }
  const summary = {
    precision: pct(scores.micro.precision),
    recall: pct(scores.micro.recall),
    f1: pct(scores.micro.f1),
    span_f1: pct(spans.f1),
    macro_f1: pct(scores.macro.f1),
    sentences: test.length,
    documents: parsedTest.documentStarts.length,
    one_type_per_name: harmonising,
    seconds: Number(seconds.toFixed(2)),
  };
  if (args.flags.has('json')) console.log(JSON.stringify(summary));
  else console.log(`F1 ${summary.f1}  span F1 ${summary.span_f1}  (${summary.sentences} sentences, ${summary.seconds} s)`);
  await engine.dispose();
}
