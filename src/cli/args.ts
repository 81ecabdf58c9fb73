// Minimal, strict argument parsing: unknown flags are errors, not silently ignored.
export class UsageError extends Error {}

export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: string[], valueFlags: string[], booleanFlags: string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (booleanFlags.includes(name)) flags.set(name, true);
    else if (valueFlags.includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      flags.set(name, value);
    } else throw new UsageError(`unknown option --${printable(name)}`);
  }
  return { positional, flags };
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function numberFlag(args: ParsedArgs, name: string, fallback: number): number {
  const v = stringFlag(args, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got ${printable(JSON.stringify(v))}`);
  return n;
}

/** A score threshold or probability: a number from 0 to 1. */
export function probabilityFlag(args: ParsedArgs, name: string, fallback: number): number {
  const n = numberFlag(args, name, fallback);
  if (n < 0 || n > 1) throw new UsageError(`--${name} must be between 0 and 1 (scores are probabilities), got ${n}`);
  return n;
}

/**
 * `text` safe to print on a terminal: control characters (except line feeds) and the bidirectional
 * formatting characters that can reorder what a terminal shows are written as \u{...} escapes.
 */
export function printable(text: string): string {
  return text.replace(/[\p{Cc}\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu, (c) => (c === '\n' ? c : `\\u{${c.codePointAt(0)!.toString(16)}}`));
}
