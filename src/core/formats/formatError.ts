// Errors of the import/export formats. A reading error names the file and the line (1-based), never quoting the
// line: the file may hold anything. At most a short, escaped excerpt of a value (a label) is shown.

export class FormatError extends Error {
  constructor(
    message: string,
    /** The file read, when the error is about one. */
    readonly fileName?: string,
    /** 1-based line of that file. */
    readonly line?: number,
  ) {
    super(message);
    this.name = 'FormatError';
  }

  /** "FILE:LINE: problem". */
  static at(fileName: string, line: number, problem: string): FormatError {
    return new FormatError(`${fileName}:${line}: ${problem}`, fileName, line);
  }
}

/** Throws the problem it is given; readers pass one bound to the file and line being read. */
export type Fail = (problem: string) => never;

const EXCERPT_CHARS = 24;

/** `value` as a short JSON string (control characters escaped by JSON, cut to a few characters) for a message. */
export function excerpt(value: string): string {
  const characters = Array.from(value);
  const short = characters.length > EXCERPT_CHARS ? `${characters.slice(0, EXCERPT_CHARS).join('')}…` : value;
  // Bidirectional controls could reorder what a terminal shows: escaped too.
  return JSON.stringify(short).replace(/[\u200E\u200F\u202A-\u202E\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** " at column N" from a JSON.parse error that gives a position, else nothing (V8's own message quotes the text). */
export function jsonErrorColumn(error: unknown): string {
  const position = /at position (\d+)/.exec(error instanceof Error ? error.message : '');
  return position ? ` at column ${Number(position[1]) + 1}` : '';
}
