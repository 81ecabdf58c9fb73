// Tokens for formats that hold entities as whole tokens (CoNLL tags, spaCy entities, Prodigy token indices): the
// project tokenizer's tokens, cut where a span edge falls inside one, so that every span is a run of whole tokens
// and keeps exactly its characters. An edge in whitespace cannot be a token edge: it moves in to the nearest token.
import { tokenize } from '../text/tokenize';
import type { CharSpan, Token } from '../types';
import { sortedSpans } from './labelledText';

export interface SpanAdjustment {
  span: CharSpan;
  /** 'trimmed': an edge lay in whitespace and moved in to the token there; 'dropped': the span covers no token. */
  kind: 'trimmed' | 'dropped';
}

export interface AlignedText {
  /** Word tokens in text order (UTF-16 offsets); no whitespace, no control characters. */
  words: Token[];
  /** The spans, in text order, each starting at a word's start and ending at a word's end. */
  spans: CharSpan[];
  adjustments: SpanAdjustment[];
}

/** Control characters only: no CoNLL token may hold one, and Python takes some (\x1c to \x1f) for whitespace. */
const CONTROL_ONLY = /^\p{Cc}+$/u;

export function alignTokens(text: string, spans: readonly CharSpan[]): AlignedText {
  const tokens = tokenize(text).filter((token) => !CONTROL_ONLY.test(token.text));
  const adjustments: SpanAdjustment[] = [];
  const kept: CharSpan[] = [];
  let first = 0; // the first token ending after the span's start: spans come in text order, so it only moves on
  for (const span of sortedSpans(spans)) {
    while (first < tokens.length && tokens[first].end <= span.start) first++;
    let last = first;
    while (last + 1 < tokens.length && tokens[last + 1].start < span.end) last++;
    if (first === tokens.length || tokens[first].start >= span.end) {
      adjustments.push({ span, kind: 'dropped' });
      continue;
    }
    const start = Math.max(span.start, tokens[first].start);
    const end = Math.min(span.end, tokens[last].end);
    if (start !== span.start || end !== span.end) adjustments.push({ span, kind: 'trimmed' });
    kept.push(span.score === undefined ? { start, end, label: span.label } : { start, end, label: span.label, score: span.score });
  }
  return { words: cutAt(text, tokens, kept), spans: kept, adjustments };
}

/** `tokens` with each one that a span edge falls strictly inside cut in two (or more) there. */
function cutAt(text: string, tokens: readonly Token[], spans: readonly CharSpan[]): Token[] {
  const edges = [...new Set(spans.flatMap((span) => [span.start, span.end]))].sort((a, b) => a - b);
  const words: Token[] = [];
  let next = 0;
  for (const token of tokens) {
    while (next < edges.length && edges[next] <= token.start) next++;
    let start = token.start;
    for (let k = next; k < edges.length && edges[k] < token.end; k++) {
      words.push({ text: text.slice(start, edges[k]), start, end: edges[k] });
      start = edges[k];
    }
    words.push(start === token.start ? token : { text: text.slice(start, token.end), start, end: token.end });
  }
  return words;
}

/** A token as spaCy (and Prodigy, which tokenises with spaCy) keeps it: whitespace other than one space is a token. */
export interface SpacyToken {
  start: number;
  end: number;
  /** Followed by one space (U+0020), which belongs to no token. */
  ws: boolean;
}

/**
 * Words plus the whitespace between them as spaCy splits it: a word may be followed by one space; any other gap
 * (or the rest of one, or a gap before the first word) is a token of its own. This is how spaCy rebuilds a Doc from
 * a text and its words (util.get_words_and_spaces), so Doc.from_json gets back exactly these tokens.
 */
export function spacyTokens(text: string, words: readonly Token[]): SpacyToken[] {
  const tokens: SpacyToken[] = [];
  let position = 0;
  const gap = (start: number, end: number): void => {
    if (tokens.length > 0 && text[start] === ' ') {
      tokens[tokens.length - 1].ws = true;
      start++;
    }
    if (start < end) tokens.push({ start, end, ws: false });
  };
  for (const word of words) {
    if (word.start > position) gap(position, word.start);
    tokens.push({ start: word.start, end: word.end, ws: false });
    position = word.end;
  }
  if (position < text.length) gap(position, text.length);
  return tokens;
}
