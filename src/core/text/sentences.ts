// Sentence boundaries over already tokenised text. A boundary follows a token made of
// . ! ? (or an ellipsis, or CJK full stops) plus any closing quotes/brackets glued to it,
// and every blank line is a boundary. Over-long sentences are cut into even pieces.

import type { Token } from '../types';
import { isCapitalInitial, isKnownAbbreviation } from './abbreviations';

export interface SentenceBounds {
  /** Character range, in the same coordinates as the token offsets. */
  start: number;
  end: number;
  /** Token range, end exclusive. */
  tokenStart: number;
  tokenEnd: number;
}

export interface SplitSentencesOptions {
  /** Sentences longer than this are cut into pieces of at most this many tokens (default 128). */
  maxTokens?: number;
  /** The offset that was passed to `tokenize`, when `text` starts inside a larger document. */
  offset?: number;
}

const TERMINAL = /^(?:[.!?]+|\u2026+|[\u3002\uff01\uff1f]+)$/u;
const CLOSING = /^["'\u2019\u201d\u00bb)\]}]+$/u;
const STARTS_LOWER_CASE = /^\p{Ll}/u;

/** True when the whitespace between two tokens holds an empty line (two or more line breaks). */
function containsBlankLine(gap: string): boolean {
  let lineBreaks = 0;
  for (let index = 0; index < gap.length; index++) {
    const char = gap[index];
    if (char === '\n' || char === '\u2028') lineBreaks++;
    else if (char === '\r' && gap[index + 1] !== '\n') lineBreaks++; // "\r\n" counts once, at its "\n"
    else if (char === '\u2029') lineBreaks += 2; // paragraph separator
    if (lineBreaks >= 2) return true;
  }
  return false;
}

function isAdjacent(left: Token, right: Token): boolean {
  return left.end === right.start;
}

/** A terminal token that does not end the sentence: "Dr" ".", "J" ".", "3" "." "5", or a lower-case continuation. */
function isSuppressedTerminal(tokens: Token[], index: number): boolean {
  const token = tokens[index];
  const previous = tokens[index - 1];
  const next = tokens[index + 1];
  if (next !== undefined && STARTS_LOWER_CASE.test(next.text)) return true;
  if (token.text !== '.' || previous === undefined || !isAdjacent(previous, token)) return false;
  if (isKnownAbbreviation(previous.text) || isCapitalInitial(previous.text)) return true;
  return next !== undefined && isAdjacent(token, next) && /\d$/.test(previous.text) && /^\d/.test(next.text);
}

function cutEvenly(sentenceStart: number, sentenceEnd: number, maxTokens: number): Array<[number, number]> {
  const length = sentenceEnd - sentenceStart;
  const pieces = Math.ceil(length / maxTokens);
  const ranges: Array<[number, number]> = [];
  for (let piece = 0; piece < pieces; piece++) {
    ranges.push([
      sentenceStart + Math.floor((piece * length) / pieces),
      sentenceStart + Math.floor(((piece + 1) * length) / pieces),
    ]);
  }
  return ranges;
}

export function splitSentences(text: string, tokens: Token[], options: SplitSentencesOptions = {}): SentenceBounds[] {
  const maxTokens = options.maxTokens ?? 128;
  const offset = options.offset ?? 0;
  if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new RangeError(`maxTokens must be a positive integer, got ${maxTokens}`);

  const tokenRanges: Array<[number, number]> = [];
  let sentenceStart = 0;
  let boundaryPending = false;
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    if (boundaryPending && !(CLOSING.test(token.text) && isAdjacent(tokens[index - 1], token))) {
      tokenRanges.push([sentenceStart, index]);
      sentenceStart = index;
      boundaryPending = false;
    }
    if (TERMINAL.test(token.text) && !isSuppressedTerminal(tokens, index)) boundaryPending = true;
    const next = tokens[index + 1];
    if (next !== undefined && containsBlankLine(text.slice(token.end - offset, next.start - offset))) {
      tokenRanges.push([sentenceStart, index + 1]);
      sentenceStart = index + 1;
      boundaryPending = false;
    }
  }
  if (sentenceStart < tokens.length) tokenRanges.push([sentenceStart, tokens.length]);

  const sentences: SentenceBounds[] = [];
  for (const [rangeStart, rangeEnd] of tokenRanges) {
    for (const [tokenStart, tokenEnd] of cutEvenly(rangeStart, rangeEnd, maxTokens)) {
      sentences.push({ start: tokens[tokenStart].start, end: tokens[tokenEnd - 1].end, tokenStart, tokenEnd });
    }
  }
  return sentences;
}
