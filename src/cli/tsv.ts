// A field of tab-separated output that stays one field on one line, whatever the text holds. The escapes are
// the usual ones of TSV tools (\t, \n, \r and \\ for the backslash itself); other control characters and the
// Unicode line and paragraph separators, which some readers also break lines at, are written as \u{...}.
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

export function tsvField(text: string): string {
  return text.replace(/[\\\p{Cc}\u2028\u2029]/gu, (c) => ESCAPES[c] ?? `\\u{${c.codePointAt(0)!.toString(16)}}`);
}
