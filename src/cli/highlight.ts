// `baner highlight FILE`: the entities of a text file.
import { NerEngine } from '../core/engine';
import { parseArgs, probabilityFlag, UsageError } from './args';
import { modelFlag } from './modelFlag';
import { readInputFile } from './files';
import { ProgressLine, withEncoderProgress } from './progress';
import { tsvField } from './tsv';

export const HIGHLIGHT_USAGE = 'baner highlight FILE [--model DIR] [--threshold X] [--json] [--progress]';

export async function highlightCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, ['model', 'threshold'], ['json', 'progress']);
  const file = args.positional[0];
  if (!file || args.positional.length > 1) throw new UsageError(`usage: ${HIGHLIGHT_USAGE}`);
  const threshold = probabilityFlag(args, 'threshold', 0);
  const text = readInputFile(file);
  const engine = await NerEngine.load(modelFlag(args));
  const progress = ProgressLine.create('baner highlight', args.flags.has('progress'));
  const entities = await withEncoderProgress(engine.runtime, progress, () => engine.highlight(text, { threshold }));
  if (args.flags.has('json')) {
    for (const e of entities) console.log(JSON.stringify({ start: e.start, end: e.end, text: e.text, label: e.label, score: Number(e.score.toFixed(4)) }));
  } else {
    // One entity per line, TAB-separated: the text's TABs and line breaks are escaped so that they cannot split it.
    for (const e of entities) console.log(`${e.start}\t${e.end}\t${e.label}\t${e.score.toFixed(3)}\t${tsvField(e.text)}`);
    console.error(`${entities.length} entities`);
  }
  await engine.dispose();
}
