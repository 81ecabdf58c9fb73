// CoNLL/PTB-like word tokenisation that keeps exact character offsets.
//
// Rules, in the order they are tried at each token start:
// - whitespace (Unicode White_Space, ZWSP, BOM) only separates tokens;
// - URLs (http://, https://, www.) run to the next whitespace, minus trailing punctuation;
// - Han/Hiragana/Katakana characters are one token each (those scripts use no spaces);
// - words are letters/digits/marks, joined across "-", ".", "_", "&", "@" between word
//   characters ("Anglo-Dutch", "3.5", "e.g"), and across ",", ":", "/" between digits ("1,000");
//   a word keeps its final "." when it is an abbreviation ("U.S.", "Dr.", "J.");
//   clitics split off as in CoNLL: "don't" -> "do" "n't", "John's" -> "John" "'s";
//   "@user" and "#tag" stay whole;
// - anything else is one token per character, except runs of the same character among
//   . - ! ? * = _ ~ ' ` which stay together ("...", "--", "!!").
// A "character" is a cluster: a code point with its combining marks, variation selectors,
// emoji modifiers and ZWJ-joined emoji, so no token boundary ever falls inside one.

import type { Token } from '../types';
import { CharClass, charClassOf, isWordClass } from './charClasses';
import { isCapitalInitial, isDottedAbbreviation, isKnownAbbreviation } from './abbreviations';

const CLITICS_AFTER_APOSTROPHE = new Set(['s', 're', 'll', 've', 'd', 'm']);
const REPEATABLE_PUNCTUATION = new Set(['.', '-', '!', '?', '*', '=', '_', '~', "'", '`']);
const URL_TRAILING_PUNCTUATION = new Set(['.', ',', ';', ':', '!', '?', ')', ']', '}', '"', "'", '>', '\u2026']);
const URL_START = /(?:https?:\/\/|www\.)\S/iy;

function codeUnits(codePoint: number): number {
  return codePoint > 0xffff ? 2 : 1;
}

function isApostrophe(char: string): boolean {
  return char === "'" || char === '\u2019';
}

/** End (exclusive) of the cluster that starts at `index`. */
export function clusterEnd(text: string, index: number): number {
  const length = text.length;
  const first = text.codePointAt(index)!;
  const firstClass = charClassOf(first);
  let end = index + codeUnits(first);
  if (firstClass === CharClass.RegionalIndicator && end < length) {
    const second = text.codePointAt(end)!;
    if (charClassOf(second) === CharClass.RegionalIndicator) end += 2; // a flag is a pair
  }
  while (end < length) {
    // Nothing below U+00AD (soft hyphen) extends a character: skip the lookup for ASCII.
    if (text.charCodeAt(end) < 0xad) break;
    const next = text.codePointAt(end)!;
    const nextClass = charClassOf(next);
    if (nextClass === CharClass.Extend) {
      end += codeUnits(next);
    } else if (nextClass === CharClass.ZeroWidthJoiner) {
      end += 1;
      // Only an emoji glues a following emoji with ZWJ (family and profession sequences).
      if (firstClass === CharClass.Pictographic && end < length) {
        const joined = text.codePointAt(end)!;
        if (charClassOf(joined) === CharClass.Pictographic) end += codeUnits(joined);
      }
    } else {
      break;
    }
  }
  return end;
}

class Tokenizer {
  readonly tokens: Token[] = [];

  constructor(
    private readonly text: string,
    private readonly offset: number,
  ) {}

  run(): Token[] {
    const text = this.text;
    const length = text.length;
    let index = 0;
    while (index < length) {
      const codePoint = text.codePointAt(index)!;
      const charClass = charClassOf(codePoint);
      if (charClass === CharClass.Space) {
        index += codeUnits(codePoint);
      } else if (charClass === CharClass.Letter && this.startsUrl(index)) {
        index = this.scanUrl(index);
      } else if (charClass === CharClass.Ideograph) {
        index = this.push(index, clusterEnd(text, index));
      } else if (isWordClass(charClass) || this.startsHandle(index, codePoint)) {
        index = this.scanWord(index);
      } else {
        index = this.scanPunctuation(index);
      }
    }
    return this.tokens;
  }

  private push(start: number, end: number): number {
    this.tokens.push({ text: this.text.slice(start, end), start: start + this.offset, end: end + this.offset });
    return end;
  }

  private classAt(index: number): CharClass {
    return charClassOf(this.text.codePointAt(index)!);
  }

  private startsUrl(index: number): boolean {
    const first = this.text.charCodeAt(index) | 0x20; // lower-cases ASCII letters
    if (first !== 0x68 /* h */ && first !== 0x77 /* w */) return false;
    URL_START.lastIndex = index;
    return URL_START.test(this.text);
  }

  private startsHandle(index: number, codePoint: number): boolean {
    if (codePoint !== 0x40 /* @ */ && codePoint !== 0x23 /* # */) return false;
    const next = clusterEnd(this.text, index);
    return next < this.text.length && isWordClass(this.classAt(next));
  }

  private scanUrl(start: number): number {
    const text = this.text;
    let index = start;
    let lastKept = start;
    while (index < text.length && this.classAt(index) !== CharClass.Space) {
      const end = clusterEnd(text, index);
      const isTrailingCandidate = end === index + 1 && URL_TRAILING_PUNCTUATION.has(text[index]);
      if (!isTrailingCandidate) lastKept = end;
      index = end;
    }
    return this.push(start, lastKept);
  }

  private scanPunctuation(start: number): number {
    const text = this.text;
    let end = clusterEnd(text, start);
    const char = text[start];
    if (end === start + 1 && REPEATABLE_PUNCTUATION.has(char)) {
      while (end < text.length && text[end] === char && clusterEnd(text, end) === end + 1) end++;
    }
    return this.push(start, end);
  }

  /** Scans a word starting at `start`, pushes it (and a split-off clitic), returns where it ended. */
  private scanWord(start: number): number {
    const text = this.text;
    const length = text.length;
    let end = clusterEnd(text, start);
    let previousClass = this.classAt(start);
    while (end < length) {
      const codePoint = text.codePointAt(end)!;
      const charClass = charClassOf(codePoint);
      if (isWordClass(charClass)) {
        previousClass = charClass;
        end = clusterEnd(text, end);
        continue;
      }
      // A connector only joins when a word character follows it directly.
      const connectorEnd = clusterEnd(text, end);
      if (connectorEnd >= length) break;
      const nextClass = this.classAt(connectorEnd);
      if (!isWordClass(nextClass)) break;
      const char = text[end];
      if (char === '-' || char === '.' || char === '_' || char === '&' || char === '@') {
        end = connectorEnd;
        continue;
      }
      if ((char === ',' || char === ':' || char === '/') && previousClass === CharClass.Digit && nextClass === CharClass.Digit) {
        end = connectorEnd;
        continue;
      }
      if (isApostrophe(char) && connectorEnd === end + 1 && nextClass === CharClass.Letter) {
        const cliticEnd = this.cliticEnd(end);
        if (cliticEnd < 0) {
          end = connectorEnd; // "O'Neil": the apostrophe is part of the word
          continue;
        }
        return this.pushWordAndClitic(start, end, cliticEnd);
      }
      break;
    }
    if (end < length && text[end] === '.' && this.keepsFinalPeriod(start, end)) {
      end = clusterEnd(text, end);
    }
    return this.push(start, end);
  }

  /** End of the clitic when the apostrophe at `apostrophe` starts "'s", "'re", ... or ends "n't"; else -1. */
  private cliticEnd(apostrophe: number): number {
    const text = this.text;
    let end = apostrophe + 1;
    while (end < text.length && end - apostrophe <= 3 && isAsciiLetter(text.charCodeAt(end))) end++;
    if (end < text.length && isWordClass(this.classAt(end))) return -1;
    const letters = text.slice(apostrophe + 1, end).toLowerCase();
    if (CLITICS_AFTER_APOSTROPHE.has(letters)) return end;
    if (letters === 't' && (text[apostrophe - 1] === 'n' || text[apostrophe - 1] === 'N')) return end;
    return -1;
  }

  private pushWordAndClitic(start: number, apostrophe: number, cliticEnd: number): number {
    const isNegation = this.text[cliticEnd - 1] === 't' || this.text[cliticEnd - 1] === 'T';
    const cliticStart = isNegation ? apostrophe - 1 : apostrophe;
    if (cliticStart > start) this.push(start, cliticStart);
    return this.push(cliticStart, cliticEnd);
  }

  private keepsFinalPeriod(start: number, end: number): boolean {
    if (end - start > 12) return false;
    const word = this.text.slice(start, end);
    const lastPart = word.slice(word.lastIndexOf('-') + 1); // "ex-U.S." ends in an abbreviation too
    return isCapitalInitial(lastPart) || isKnownAbbreviation(word) || isDottedAbbreviation(lastPart);
  }
}

function isAsciiLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

/**
 * Splits `text` into word tokens. Offsets are exact: `token.text === text.slice(token.start - offset,
 * token.end - offset)`. `offset` is added to every position (for text taken out of a larger document).
 */
export function tokenize(text: string, offset = 0): Token[] {
  return new Tokenizer(text, offset).run();
}
