// What every format reads into and writes from: a text with its entity spans in UTF-16 offsets, plus what only some
// formats can carry (rejected spans, where the text came from). Readers check spans here, alike for every format.
import { NOT_AN_ENTITY } from '../adapters/adapter';
import type { RejectedSpan, SupportSource } from '../support/supportFile';
import type { CharSpan } from '../types';
import { excerpt, type Fail } from './formatError';
import type { TextOffsets } from './offsets';

export interface LabelledText {
  text: string;
  /** Entities, UTF-16 offsets; a score when they are predictions. */
  spans: CharSpan[];
  /** Spans the user said are not entities: only BANER's own format carries them. */
  rejected?: RejectedSpan[];
  /** Where the text came from: every format but CoNLL carries it. */
  source?: SupportSource;
}

export interface ReadResult {
  texts: LabelledText[];
  /** What was read but deserves a word (records skipped, repeated sentences), naming the lines. */
  notes: string[];
}

export interface WriteResult {
  content: string;
  /** What the format could not hold as it was (spans moved to token edges, rejected spans left out). */
  notes: string[];
}

/**
 * A span read from a file (offsets in the file's unit), checked and converted to UTF-16: integer offsets inside the
 * text, not splitting a character, start before end, a non-empty label that is not "O". `where` names it ("spans[2]").
 */
export function readSpan(start: unknown, end: unknown, label: unknown, where: string, offsets: TextOffsets, fail: Fail): CharSpan {
  if (start === undefined || end === undefined || label === undefined) fail(`${where}: needs a start, an end and a label`);
  if (!Number.isInteger(start) || !Number.isInteger(end)) fail(`${where}: start and end must be integers`);
  if (typeof label !== 'string' || label === '') fail(`${where}: the label must be a non-empty string`);
  if (label === NOT_AN_ENTITY) fail(`${where}: the label "${NOT_AN_ENTITY}" means "not an entity", not a type`);
  const from = offsets.toUtf16(start as number);
  if (typeof from === 'string') fail(`${where}: start ${start as number} is ${from}`);
  const to = offsets.toUtf16(end as number);
  if (typeof to === 'string') fail(`${where}: end ${end as number} is ${to}`);
  if ((from as number) >= (to as number)) fail(`${where}: start ${start as number} is not before end ${end as number}`);
  // + 0: a -0 offset would not survive a write.
  return { start: (from as number) + 0, end: (to as number) + 0, label: label as string };
}

/** Refuses spans that overlap: a character has one label, and token tags cannot hold two. */
export function checkNoOverlap(spans: readonly CharSpan[], what: string, fail: Fail): void {
  const order = spans.map((span, index) => ({ span, index })).sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
  for (let k = 1; k < order.length; k++) {
    if (order[k].span.start < order[k - 1].span.end) {
      fail(`${what}[${order[k - 1].index}] and ${what}[${order[k].index}] overlap (${excerpt(order[k - 1].span.label)} and ${excerpt(order[k].span.label)}); a character has one label`);
    }
  }
}

/** Spans in text order (writers emit them so, whatever order they were labelled in). */
export function sortedSpans<S extends { start: number; end: number }>(spans: readonly S[]): S[] {
  return [...spans].sort((a, b) => a.start - b.start || a.end - b.end);
}
