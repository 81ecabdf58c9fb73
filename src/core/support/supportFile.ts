// The support set on disk: span JSONL (`.baner/support.jsonl`), one labelled sentence per line, plus the
// spans the user rejected in it, the model's suggestions the user has not confirmed yet, and where it came from. Human-readable and diff-able on purpose, so also
// hand-edited: anything the editor would not have written is refused with the line it is on.
import { parseSpanJsonl, SpanJsonlError } from '../data/spanJsonl';
import { NOT_AN_ENTITY } from '../adapters/adapter';
import type { CharSpan, TextExample } from '../types';

/** A span the user said is not an entity in this sentence. */
export interface RejectedSpan {
  start: number;
  end: number;
}

export interface SupportSource {
  /** Path (forward slashes) of the file the sentence was labelled in, relative to its workspace folder. */
  path: string;
  /** Character offset of the sentence in that file when it was labelled (edits may move it since). */
  offset: number;
  /**
   * Name of the workspace folder holding the file, when it is not the folder of the support set (a multi-root
   * workspace); absent: the support set's own folder.
   */
  folder?: string;
}

export interface SupportExample extends TextExample {
  /** Confirmed labels: the only spans trained on as entities. */
  spans: CharSpan[];
  rejected: RejectedSpan[];
  /**
   * The model's suggestions in the sentence that the user has neither confirmed nor rejected. Never gold:
   * adaptation neither learns them as entities nor as non-entities (their tokens are left out of its losses).
   */
  suggested: CharSpan[];
  source?: SupportSource;
}

export interface ParsedSupportFile {
  examples: SupportExample[];
  /** What was accepted but deserves a word (a repeated sentence, of which one copy is kept), naming the lines. */
  notes: string[];
}

/** The examples of a support file; throws a SpanJsonlError naming the line of the first problem. */
export function parseSupportFile(content: string, fileName: string): SupportExample[] {
  return readSupportFile(content, fileName).examples;
}

/**
 * Parses a support file. Throws a SpanJsonlError naming the line for anything malformed: bad JSON (without
 * quoting the line: the file may be anything, even a link to a secret), overlapping spans, the label "O" (it
 * means "not an entity"), offsets splitting a surrogate pair. A sentence repeated from the same file is kept once
 * and said so in `notes`.
 */
export function readSupportFile(content: string, fileName: string): ParsedSupportFile {
  // The parser below skips blank lines: these are the numbers of the others, in order, to name them.
  const lineNumbers: number[] = [];
  content
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((line, index) => {
      if (line.trim() === '') return;
      lineNumbers.push(index + 1);
      try {
        JSON.parse(line);
      } catch (error) {
        throw new SpanJsonlError(fileName, index + 1, `not valid JSON${jsonErrorPosition(error)}`);
      }
    });
  const parsed = parseSpanJsonl(content, fileName, (value, text, fail) => {
    const rejected: RejectedSpan[] = [];
    if (value.rejected !== undefined) {
      if (!Array.isArray(value.rejected)) fail('"rejected" must be an array');
      (value.rejected as unknown[]).forEach((r, i) => {
        const { start, end } = (r ?? {}) as Record<string, unknown>;
        if (!Number.isInteger(start) || !Number.isInteger(end) || (start as number) < 0 || (end as number) > text.length || (start as number) >= (end as number)) {
          fail(`rejected[${i}] must be {"start", "end"} with 0 <= start < end <= ${text.length}`);
        }
        rejected.push({ start: (start as number) + 0, end: (end as number) + 0 }); // + 0: -0 would not survive a write
      });
    }
    const suggested: CharSpan[] = [];
    if (value.suggested !== undefined) {
      if (!Array.isArray(value.suggested)) fail('"suggested" must be an array');
      (value.suggested as unknown[]).forEach((r, i) => {
        const { start, end, label } = (r ?? {}) as Record<string, unknown>;
        if (!Number.isInteger(start) || !Number.isInteger(end) || (start as number) < 0 || (end as number) > text.length || (start as number) >= (end as number) || typeof label !== 'string' || label === '') {
          fail(`suggested[${i}] must be {"start", "end", "label"} with 0 <= start < end <= ${text.length} and a non-empty label`);
        }
        suggested.push({ start: (start as number) + 0, end: (end as number) + 0, label: label as string });
      });
    }
    let source: SupportSource | undefined;
    if (value.source !== undefined) {
      const { path, offset, folder } = (value.source ?? {}) as Record<string, unknown>;
      if (typeof path !== 'string' || !Number.isSafeInteger(offset) || (offset as number) < 0) fail('"source" must be {"path": string, "offset": integer >= 0}');
      if (folder !== undefined && typeof folder !== 'string') fail('"source.folder" must be a string (the name of a workspace folder)');
      source = { path: path as string, offset: (offset as number) + 0 };
      if (folder !== undefined) source.folder = folder as string;
    }
    return source ? { rejected, suggested, source } : { rejected, suggested };
  });

  const examples: SupportExample[] = [];
  const notes: string[] = [];
  const firstLineOf = new Map<string, number>();
  parsed.forEach((raw, ordinal) => {
    const line = lineNumbers[ordinal];
    const fail = (problem: string): never => {
      throw new SpanJsonlError(fileName, line, problem);
    };
    // Support labels carry no score (a score in the file would not survive the next write).
    const spans: CharSpan[] = raw.spans.map(({ start, end, label }) => ({ start: start + 0, end: end + 0, label }));
    const example: SupportExample = { text: raw.text, spans, rejected: raw.rejected, suggested: raw.suggested };
    if (raw.source) example.source = raw.source;
    checkExample(example, fail);
    const key = JSON.stringify([example.source?.folder ?? '', example.source?.path ?? '', example.text]);
    const first = firstLineOf.get(key);
    if (first !== undefined) {
      notes.push(`${fileName}:${line}: the same sentence${example.source ? ` of ${example.source.path}` : ''} as line ${first}; only line ${first} is kept`);
      return;
    }
    firstLineOf.set(key, line);
    examples.push(example);
  });
  return { examples, notes };
}

/**
 * What the editor never writes: overlapping spans, the non-entity label as a type, a split surrogate pair, a
 * character both labelled and rejected, a suggestion over a label or a rejection (confirming or rejecting a
 * suggestion removes it).
 */
function checkExample(example: SupportExample, fail: (problem: string) => never): void {
  const { text } = example;
  example.spans.forEach((s, i) => {
    if (s.label === NOT_AN_ENTITY) fail(`spans[${i}]: the label "${NOT_AN_ENTITY}" means "not an entity"; use "rejected" for that`);
  });
  example.suggested.forEach((s, i) => {
    if (s.label === NOT_AN_ENTITY) fail(`suggested[${i}]: the label "${NOT_AN_ENTITY}" means "not an entity"`);
  });
  const edges = (what: string, spans: ReadonlyArray<{ start: number; end: number }>) =>
    spans.forEach((s, i) => {
      for (const offset of [s.start, s.end]) {
        if (splitsSurrogatePair(text, offset)) fail(`${what}[${i}]: offset ${offset} falls inside a character (between the two halves of a surrogate pair)`);
      }
    });
  edges('spans', example.spans);
  edges('rejected', example.rejected);
  edges('suggested', example.suggested);
  const overlap = (what: string, spans: ReadonlyArray<{ start: number; end: number }>) => {
    const order = spans.map((s, i) => ({ s, i })).sort((a, b) => a.s.start - b.s.start || a.s.end - b.s.end);
    for (let k = 1; k < order.length; k++) {
      if (order[k].s.start < order[k - 1].s.end) fail(`${what}[${order[k - 1].i}] and ${what}[${order[k].i}] overlap; a character has one label`);
    }
  };
  overlap('spans', example.spans);
  overlap('rejected', example.rejected);
  overlap('suggested', example.suggested);
  for (const [i, s] of example.spans.entries()) {
    const j = example.rejected.findIndex((r) => r.start < s.end && s.start < r.end);
    if (j >= 0) fail(`spans[${i}] overlaps rejected[${j}]; a span is either labelled or rejected`);
  }
  for (const [i, s] of example.suggested.entries()) {
    const j = example.spans.findIndex((r) => r.start < s.end && s.start < r.end);
    if (j >= 0) fail(`suggested[${i}] overlaps spans[${j}]; a confirmed label replaces the suggestion`);
    const k = example.rejected.findIndex((r) => r.start < s.end && s.start < r.end);
    if (k >= 0) fail(`suggested[${i}] overlaps rejected[${k}]; a rejection replaces the suggestion`);
  }
}

function splitsSurrogatePair(text: string, offset: number): boolean {
  if (offset <= 0 || offset >= text.length) return false;
  const before = text.charCodeAt(offset - 1);
  const after = text.charCodeAt(offset);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}

/** Where JSON.parse stopped, without its message: V8's message quotes the line. */
function jsonErrorPosition(error: unknown): string {
  const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
  return position === undefined ? '' : ` (at character ${Number(position) + 1})`;
}

/** One line per example, keys in a fixed order, so that a diff shows what changed. */
export function formatSupportFile(examples: readonly SupportExample[]): string {
  return examples
    .map((e) => {
      const line: Record<string, unknown> = { text: e.text, spans: e.spans.map(({ start, end, label }) => ({ start, end, label })) };
      if (e.rejected.length > 0) line.rejected = e.rejected.map(({ start, end }) => ({ start, end }));
      if (e.suggested.length > 0) line.suggested = e.suggested.map(({ start, end, label }) => ({ start, end, label }));
      if (e.source) line.source = e.source.folder === undefined ? { path: e.source.path, offset: e.source.offset } : { path: e.source.path, offset: e.source.offset, folder: e.source.folder };
      return JSON.stringify(line) + '\n';
    })
    .join('');
}
