// `baner export-support` and `baner import-support`: the support set of a workspace folder (.baner/support.jsonl)
// to and from the other formats. Import merges (sentences already there are kept as they are) under the support
// file's lock; nothing is written when the file to import does not read to the end.
import { resolve } from 'node:path';
import { readTexts } from '../core/formats/formatRegistry';
import { exportSupport, importIntoSupport } from '../core/formats/supportTransfer';
import { parseArgs, printable, stringFlag, UsageError } from './args';
import { readInputFile, writeOutputFile } from './files';
import { FORMAT_BOOLEAN_FLAGS, FORMAT_FLAGS, formatFlag, formatOptions, printNotes } from './formatFlags';
import { existingFolder, refuseFolder } from './outputPaths';

export const EXPORT_SUPPORT_USAGE = 'baner export-support [--format FORMAT] [--workspace DIR] [--offsets codepoints|utf16] [--docstart] --out FILE';
export const IMPORT_SUPPORT_USAGE = 'baner import-support FILE [--format FORMAT] [--workspace DIR] [--offsets codepoints|utf16]';

export async function exportSupportCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, ['format', 'workspace', 'out', ...FORMAT_FLAGS], FORMAT_BOOLEAN_FLAGS);
  const out = stringFlag(args, 'out');
  if (!out || args.positional.length > 0) throw new UsageError(`usage: ${EXPORT_SUPPORT_USAGE}`);
  const format = formatFlag(args, 'format', out);
  refuseFolder(out);
  const workspace = existingFolder(stringFlag(args, 'workspace') ?? '.');
  const exported = await exportSupport(workspace, format, formatOptions(args));
  writeOutputFile(out, exported.content);
  printNotes(exported.notes);
  console.error(`${exported.count} support sentences -> ${printable(out)} (${format})`);
}

export async function importSupportCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, ['format', 'workspace', ...FORMAT_FLAGS], []);
  const file = args.positional[0];
  if (!file || args.positional.length > 1) throw new UsageError(`usage: ${IMPORT_SUPPORT_USAGE}`);
  const format = formatFlag(args, 'format', file);
  const workspace = existingFolder(stringFlag(args, 'workspace') ?? '.');
  const read = readTexts(format, readInputFile(file), file, formatOptions(args));
  if (read.texts.length === 0) throw new UsageError(`${printable(file)} holds no texts: nothing to import`);
  const merged = await importIntoSupport(workspace, read.texts);
  printNotes([...read.notes, ...(format.startsWith('conll') ? ['CoNLL keeps no whitespace: each sentence was imported as its tokens joined by single spaces'] : [])]);
  console.error(`${merged.added} sentences added to ${printable(resolve(workspace, '.baner/support.jsonl'))}; ${merged.alreadyThere} already there (kept as they were)`);
}
