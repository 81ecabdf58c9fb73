// `baner convert --from F --to T IN OUT`: a labelled file from one format to another (a support file is one in the
// format "baner"). OUT is written only once all of IN has been read and converted, and atomically.
import { resolve } from 'node:path';
import { readTexts, writeTexts } from '../core/formats/formatRegistry';
import { parseArgs, printable, UsageError } from './args';
import { readInputFile, writeOutputFile } from './files';
import { FORMAT_BOOLEAN_FLAGS, FORMAT_FLAGS, formatFlag, formatOptions, printNotes } from './formatFlags';
import { refuseFolder } from './outputPaths';

export const CONVERT_USAGE = 'baner convert [--from FORMAT] [--to FORMAT] [--offsets codepoints|utf16] [--docstart] IN OUT';

export async function convertCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, ['from', 'to', ...FORMAT_FLAGS], FORMAT_BOOLEAN_FLAGS);
  if (args.positional.length !== 2) throw new UsageError(`usage: ${CONVERT_USAGE}`);
  const [input, output] = args.positional;
  const from = formatFlag(args, 'from', input);
  const to = formatFlag(args, 'to', output);
  const options = formatOptions(args);
  if (resolve(input) === resolve(output)) throw new UsageError(`OUT is IN (${printable(input)}): write the conversion to another file`);
  refuseFolder(output);
  const read = readTexts(from, readInputFile(input), input, options);
  if (read.texts.length === 0) throw new UsageError(`${printable(input)} holds no texts: nothing to convert`);
  const written = writeTexts(to, read.texts, options);
  writeOutputFile(output, written.content);
  printNotes([...read.notes, ...written.notes]);
  const entities = read.texts.reduce((sum, text) => sum + text.spans.length, 0);
  console.error(`${read.texts.length} texts, ${entities} entities: ${printable(input)} (${from}) -> ${printable(output)} (${to})`);
}
