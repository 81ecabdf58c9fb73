// Span JSONL: one `{"text", "spans":[{"start","end","label"}]}` object per line, with
// character offsets (UTF-16 code units, as JavaScript strings index them). Also the bridge
// between these character-level examples and token-level LabeledSentences.

import type { CharSpan, LabeledSentence, TextExample, Token, TokenSpan } from '../types';

export class SpanJsonlError extends Error {
  constructor(
    readonly fileName: string,
    readonly line: number,
    problem: string,
  ) {
    super(`${fileName}:${line}: ${problem}`);
    this.name = 'SpanJsonlError';
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readSpan(value: unknown, textLength: number, spanIndex: number, fail: (problem: string) => never): CharSpan {
  const where = `spans[${spanIndex}]`;
  if (!isPlainObject(value)) fail(`${where} is not an object`);
  const { start, end, label, score } = value;
  if (!Number.isInteger(start) || !Number.isInteger(end)) fail(`${where}: start and end must be integers`);
  const startOffset = start as number;
  const endOffset = end as number;
  if (startOffset < 0 || endOffset > textLength) fail(`${where}: [${startOffset}, ${endOffset}) lies outside the text (length ${textLength})`);
  if (startOffset >= endOffset) fail(`${where}: start ${startOffset} is not before end ${endOffset}`);
  if (typeof label !== 'string' || label === '') fail(`${where}: label must be a non-empty string`);
  if (score !== undefined && typeof score !== 'number') fail(`${where}: score must be a number`);
  const span: CharSpan = { start: startOffset, end: endOffset, label: label as string };
  if (score !== undefined) span.score = score as number;
  return span;
}

/** Reads fields beyond text and spans from a line's object (validated like the rest: `fail` names the line). */
export type ExtraFieldReader<E> = (value: Record<string, unknown>, text: string, fail: (problem: string) => never) => E;

/**
 * Parses span JSONL; blank lines are skipped, anything malformed throws a SpanJsonlError naming the line.
 * Other fields are dropped unless `readExtra` keeps them.
 */
export function parseSpanJsonl(content: string, fileName?: string): TextExample[];
export function parseSpanJsonl<E extends object>(content: string, fileName: string, readExtra: ExtraFieldReader<E>): Array<TextExample & E>;
export function parseSpanJsonl<E extends object>(content: string, fileName = '<input>', readExtra?: ExtraFieldReader<E>): Array<TextExample & Partial<E>> {
  const examples: Array<TextExample & Partial<E>> = [];
  content.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((line, index) => {
    const fail = (problem: string): never => {
      throw new SpanJsonlError(fileName, index + 1, problem);
    };
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      // Not the parser's message: V8 quotes the line in it, and the file may hold anything.
      fail(`invalid JSON${jsonErrorColumn(error)}`);
    }
    if (!isPlainObject(value)) return fail('expected a JSON object');
    if (typeof value.text !== 'string') fail('"text" must be a string');
    if (!Array.isArray(value.spans)) fail('"spans" must be an array');
    const text = value.text as string;
    const spans = (value.spans as unknown[]).map((span, spanIndex) => readSpan(span, text.length, spanIndex, fail));
    examples.push({ ...(readExtra ? readExtra(value as Record<string, unknown>, text, fail) : {}), text, spans } as TextExample & Partial<E>);
  });
  return examples;
}

/** " at column N" from a JSON.parse error that gives a position, else nothing. */
function jsonErrorColumn(error: unknown): string {
  const position = /at position (\d+)/.exec(error instanceof Error ? error.message : '');
  return position ? ` at column ${Number(position[1]) + 1}` : '';
}

/** Writes examples one per line; a span the reader would refuse (or a score JSON cannot hold) is a RangeError instead. */
export function formatSpanJsonl(examples: readonly TextExample[]): string {
  return examples
    .map((example, index) => {
      const refuse = (problem: string): never => {
        throw new RangeError(`example ${index}: ${problem}`);
      };
      if (typeof example.text !== 'string') refuse('"text" must be a string');
      const spans = example.spans.map(({ start, end, label, score }, spanIndex) => {
        // NaN and Infinity would be written as null, which no reader takes for a number.
        if (score !== undefined && !Number.isFinite(score)) refuse(`spans[${spanIndex}]: score must be a finite number`);
        readSpan({ start, end, label, score }, example.text.length, spanIndex, refuse);
        return score === undefined ? { start, end, label } : { start, end, label, score };
      });
      return JSON.stringify({ text: example.text, spans }) + '\n';
    })
    .join('');
}

/** Joins the tokens with single spaces and turns token spans into character spans of that text. */
export function sentenceToText(sentence: LabeledSentence): TextExample {
  const starts: number[] = [];
  const ends: number[] = [];
  let position = 0;
  for (const token of sentence.tokens) {
    starts.push(position);
    position += token.length;
    ends.push(position);
    position += 1;
  }
  const spans = sentence.spans.map((span) => {
    if (span.start < 0 || span.end > sentence.tokens.length || span.start >= span.end) {
      throw new RangeError(`token span [${span.start}, ${span.end}) does not fit in ${sentence.tokens.length} tokens`);
    }
    return { start: starts[span.start], end: ends[span.end - 1], label: span.label };
  });
  return { text: sentence.tokens.join(' '), spans };
}

/** What happened to a character span that did not line up with token boundaries. */
export interface SpanAlignmentIssue {
  span: CharSpan;
  /** 'snapped': widened to the tokens it touches; 'dropped': it touches no token (only whitespace). */
  kind: 'snapped' | 'dropped';
  tokenSpan?: TokenSpan;
}

export interface AlignedSentence {
  sentence: LabeledSentence;
  issues: SpanAlignmentIssue[];
}

/**
 * Maps the character spans of `example` onto `tokens` (tokens of `example.text`, offset 0).
 * A span covers every token it overlaps, so a boundary inside a token widens it to that
 * token's edge; each such span, and each span that overlaps no token, is listed in `issues`.
 */
export function textToSentence(example: TextExample, tokens: readonly Token[]): AlignedSentence {
  const spans: TokenSpan[] = [];
  const issues: SpanAlignmentIssue[] = [];
  for (const span of example.spans) {
    const first = firstTokenEndingAfter(tokens, span.start);
    let last = first;
    while (last < tokens.length && tokens[last].start < span.end) last++;
    if (first >= tokens.length || last === first) {
      issues.push({ span, kind: 'dropped' });
      continue;
    }
    const tokenSpan = { start: first, end: last, label: span.label };
    spans.push(tokenSpan);
    if (tokens[first].start !== span.start || tokens[last - 1].end !== span.end) {
      issues.push({ span, kind: 'snapped', tokenSpan });
    }
  }
  return { sentence: { tokens: tokens.map((token) => token.text), spans }, issues };
}

/** Binary search: index of the first token whose end is after `position` (tokens are sorted). */
function firstTokenEndingAfter(tokens: readonly Token[], position: number): number {
  let low = 0;
  let high = tokens.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (tokens[middle].end <= position) low = middle + 1;
    else high = middle;
  }
  return low;
}
