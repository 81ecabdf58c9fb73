// Conversion between token tag sequences and entity spans for IOB1, IOB2 (BIO) and BIOES.
//
// Decoding is lenient, like seqeval's default (non-strict) mode, and the same for all three
// schemes, so a file tagged in one scheme but read as another still gives sensible spans:
// - B-X starts a new entity (in IOB1 that only happens right after another X entity);
// - I-X continues an open X entity, otherwise it starts a new one (the normal case in IOB1;
//   an ill-formed "O I-X" in IOB2/BIOES is read the same way);
// - E-X ends an open X entity, otherwise it is a one-token entity (ill-formed "O E-X");
// - S-X is a one-token entity; O closes any open entity.

import type { TokenSpan } from '../types';

export type TagScheme = 'iob1' | 'iob2' | 'bioes';
export type TagPrefix = 'B' | 'I' | 'E' | 'S';

export interface ParsedTag {
  prefix: TagPrefix | 'O';
  type: string;
}

const OUTSIDE: ParsedTag = { prefix: 'O', type: '' };

/** Splits "B-PER" into prefix and type; returns undefined for anything that is not O or [BIES]-type. */
export function parseTag(tag: string): ParsedTag | undefined {
  if (tag === 'O') return OUTSIDE;
  const prefix = tag[0];
  if (tag[1] !== '-' || tag.length < 3) return undefined;
  if (prefix !== 'B' && prefix !== 'I' && prefix !== 'E' && prefix !== 'S') return undefined;
  return { prefix, type: tag.slice(2) };
}

function parseTagOrThrow(tag: string, index: number): ParsedTag {
  const parsed = parseTag(tag);
  if (parsed === undefined) throw new Error(`invalid tag "${tag}" at token ${index}`);
  return parsed;
}

/**
 * Reads entity spans from a tag sequence. `scheme` documents the intended scheme; decoding is
 * the same lenient procedure for all of them (see the top of this file).
 */
export function tagsToSpans(tags: readonly string[], _scheme: TagScheme = 'iob2'): TokenSpan[] {
  const spans: TokenSpan[] = [];
  let open: TokenSpan | undefined;
  const close = (): void => {
    if (open !== undefined) spans.push(open);
    open = undefined;
  };
  tags.forEach((tag, index) => {
    const { prefix, type } = parseTagOrThrow(tag, index);
    const continuesOpen = open !== undefined && open.label === type;
    if (prefix === 'O') {
      close();
    } else if (prefix === 'I' && continuesOpen) {
      open!.end = index + 1;
    } else if (prefix === 'E' && continuesOpen) {
      open!.end = index + 1;
      close();
    } else {
      close();
      open = { start: index, end: index + 1, label: type };
      if (prefix === 'S' || prefix === 'E') close();
    }
  });
  close();
  return spans;
}

function checkSpans(spans: readonly TokenSpan[], length: number): TokenSpan[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || a.end - b.end);
  let previousEnd = 0;
  for (const span of sorted) {
    if (!Number.isInteger(span.start) || !Number.isInteger(span.end) || span.start < 0 || span.end > length || span.start >= span.end) {
      throw new RangeError(`span [${span.start}, ${span.end}) does not fit in ${length} tokens`);
    }
    if (span.start < previousEnd) throw new RangeError(`span [${span.start}, ${span.end}) overlaps another span; tags cannot encode that`);
    if (span.label === '') throw new RangeError(`span [${span.start}, ${span.end}) has an empty label`);
    previousEnd = span.end;
  }
  return sorted;
}

/** Writes non-overlapping spans as tags for `length` tokens. */
export function spansToTags(spans: readonly TokenSpan[], length: number, scheme: TagScheme): string[] {
  const tags = new Array<string>(length).fill('O');
  let previous: TokenSpan | undefined;
  for (const span of checkSpans(spans, length)) {
    const { start, end, label } = span;
    for (let index = start; index < end; index++) tags[index] = `I-${label}`;
    if (scheme === 'iob2') {
      tags[start] = `B-${label}`;
    } else if (scheme === 'bioes') {
      if (end - start === 1) {
        tags[start] = `S-${label}`;
      } else {
        tags[start] = `B-${label}`;
        tags[end - 1] = `E-${label}`;
      }
    } else if (previous !== undefined && previous.end === start && previous.label === label) {
      tags[start] = `B-${label}`; // IOB1 marks only the border between two touching same-type entities
    }
    previous = span;
  }
  return tags;
}

export function convertTags(tags: readonly string[], from: TagScheme, to: TagScheme): string[] {
  return spansToTags(tagsToSpans(tags, from), tags.length, to);
}

/**
 * Guesses the scheme of one or more tag sequences: BIOES when any E-/S- tag occurs; otherwise
 * IOB1 when entities mostly begin with I- (I-X not following an X tag), IOB2 when they mostly
 * begin with B- (B-X not following an X tag). Ties, including no entities at all, give IOB2.
 */
export function detectScheme(tags: readonly string[] | readonly (readonly string[])[]): TagScheme {
  const sequences = (tags.length > 0 && Array.isArray(tags[0]) ? tags : [tags]) as readonly (readonly string[])[];
  let startsWithI = 0;
  let startsWithB = 0;
  for (const sequence of sequences) {
    let previousType = '';
    for (const tag of sequence) {
      const parsed = parseTag(tag);
      if (parsed === undefined) continue;
      if (parsed.prefix === 'E' || parsed.prefix === 'S') return 'bioes';
      if (parsed.prefix === 'I' && parsed.type !== previousType) startsWithI++;
      if (parsed.prefix === 'B' && parsed.type !== previousType) startsWithB++;
      previousType = parsed.type;
    }
  }
  return startsWithI > startsWithB ? 'iob1' : 'iob2';
}
