// `baner predict PATH... --format F --out FILE|DIR/`: the entities of text files (every text file under a folder,
// see core/formats/textFiles) in any import/export format, all in one file or one file per input under a folder.
// Files that are not text are skipped and listed. Output is written only after every file was predicted, each
// file atomically.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NerEngine } from '../core/engine';
import { needsSentences, predictFiles, predictionOutputs, type PredictedFile } from '../core/formats/predictionExport';
import { collectTextFiles } from '../core/formats/textFiles';
import { parseArgs, printable, probabilityFlag, stringFlag, UsageError } from './args';
import { writeOutputFile } from './files';
import { FORMAT_BOOLEAN_FLAGS, FORMAT_FLAGS, formatFlag, formatOptions, printNotes } from './formatFlags';
import { modelFlag } from './modelFlag';
import { namesFolder } from './outputPaths';

export const PREDICT_USAGE = 'baner predict PATH... --format FORMAT --out FILE|DIR/ [--model DIR] [--threshold X] [--sentences] [--offsets codepoints|utf16] [--docstart]';

export async function predictCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, ['format', 'out', 'model', 'threshold', ...FORMAT_FLAGS], ['sentences', ...FORMAT_BOOLEAN_FLAGS]);
  const out = stringFlag(args, 'out');
  if (!out || args.positional.length === 0) throw new UsageError(`usage: ${PREDICT_USAGE}`);
  for (const path of args.positional) if (!existsSync(path)) throw new UsageError(`cannot read ${printable(path)}: no such file or folder`);
  const perInput = namesFolder(out);
  const format = formatFlag(args, 'format', perInput ? undefined : out);
  const options = formatOptions(args);
  const threshold = probabilityFlag(args, 'threshold', 0);

  // The output is never read as input (a second run into the same folder).
  const { files, skipped } = await collectTextFiles(args.positional, { exclude: [resolve(out)] });
  for (const { path, reason } of skipped) console.error(`skipped ${printable(path)}: ${printable(reason)}`);
  if (files.length === 0) throw new UsageError(`no text files to predict in ${args.positional.map(printable).join(', ')}`);

  const engine = await NerEngine.load(modelFlag(args));
  let predicted: PredictedFile[];
  try {
    predicted = await predictFiles(engine, files, { threshold, sentences: args.flags.has('sentences') || needsSentences(format) });
  } finally {
    await engine.dispose();
  }
  const outputs = predictionOutputs(predicted, format, perInput ? 'per-input' : 'one-file', options);
  for (const output of outputs) writeOutputFile(output.relativePath === undefined ? out : join(out, output.relativePath), output.content);
  printNotes(outputs.flatMap((output) => output.notes));
  const entities = predicted.reduce((sum, p) => sum + p.texts.reduce((n, text) => n + text.spans.length, 0), 0);
  const where = perInput ? `${outputs.length} files under ${printable(out)}` : printable(out);
  console.error(`${files.length} files, ${entities} entities -> ${where} (${format})${skipped.length > 0 ? `; ${skipped.length} skipped` : ''}`);
}
