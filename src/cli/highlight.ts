// `baner highlight FILE`: the entities of a text file.
import { readFileSync } from 'node:fs';
import { NerEngine } from '../core/engine';
import { parseArgs, numberFlag, UsageError } from './args';
import { modelFlag } from './modelFlag';
import { readInputFile } from './files';

export async function highlightCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, ['model', 'threshold'], ['json']);
  const file = args.positional[0];
  if (!file || args.positional.length > 1) throw new UsageError('usage: baner highlight FILE [--model DIR] [--threshold X] [--json]');
  const text = readInputFile(file, readFileSync);
  const engine = await NerEngine.load(modelFlag(args));
  const entities = await engine.highlight(text, { threshold: numberFlag(args, 'threshold', 0) });
  if (args.flags.has('json')) {
    for (const e of entities) console.log(JSON.stringify({ start: e.start, end: e.end, text: e.text, label: e.label, score: Number(e.score.toFixed(4)) }));
  } else {
    for (const e of entities) console.log(`${e.start}\t${e.end}\t${e.label}\t${e.score.toFixed(3)}\t${e.text}`);
    console.error(`${entities.length} entities`);
  }
  await engine.dispose();
}
