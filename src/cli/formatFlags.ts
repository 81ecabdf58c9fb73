// The flags shared by the import/export commands: a format (named, or told by a file's extension), the unit of
// offsets in the Python tools' formats, -DOCSTART- lines in CoNLL; and printing what a reader or writer noted.
import { FORMAT_DESCRIPTIONS, FORMAT_NAMES, formatOfPath, isFormatName, type FormatName, type FormatOptions } from '../core/formats/formatRegistry';
import { OFFSET_UNITS, type OffsetUnit } from '../core/formats/offsets';
import { printable, stringFlag, UsageError, type ParsedArgs } from './args';

export const FORMAT_FLAGS = ['offsets'];
export const FORMAT_BOOLEAN_FLAGS = ['docstart'];

/** The formats, one per line, for help texts. */
export const FORMATS_HELP = FORMAT_NAMES.map((name) => `  ${name.padEnd(14)}${FORMAT_DESCRIPTIONS[name]}`).join('\n');

/** The format of --NAME, else the one `path`'s extension says (.conll, .bio, .iob2, .bioes), else a UsageError. */
export function formatFlag(args: ParsedArgs, name: string, path?: string): FormatName {
  const value = stringFlag(args, name);
  if (value !== undefined) {
    if (!isFormatName(value)) throw new UsageError(`--${name} must be one of ${FORMAT_NAMES.join(', ')}; got ${printable(JSON.stringify(value))}`);
    return value;
  }
  const told = path === undefined ? undefined : formatOfPath(path);
  if (told === undefined) throw new UsageError(`--${name} is needed (one of ${FORMAT_NAMES.join(', ')})${path === undefined ? '' : `: the name ${printable(path)} does not say`}`);
  return told;
}

export function formatOptions(args: ParsedArgs): FormatOptions {
  const offsets = stringFlag(args, 'offsets');
  if (offsets !== undefined && !(OFFSET_UNITS as readonly string[]).includes(offsets)) {
    throw new UsageError(`--offsets must be ${OFFSET_UNITS.join(' or ')}; got ${printable(JSON.stringify(offsets))}`);
  }
  return { offsets: offsets as OffsetUnit | undefined, docStart: args.flags.has('docstart') };
}

/** Prints notes on stderr, each once (one per input file would repeat them). */
export function printNotes(notes: readonly string[]): void {
  for (const note of new Set(notes)) console.error(`note: ${printable(note)}`);
}
