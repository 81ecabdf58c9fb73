// Code point classes the tokenizer and sentence splitter need, looked up in a lazily
// filled table so that the Unicode property regexes run at most once per code point.

// Plain numeric constants rather than a const enum: tsx/esbuild compiles files one by one
// and would not inline an enum imported from another module.
export const CharClass = {
  Unknown: 0,
  Space: 1,
  Letter: 2,
  Digit: 3,
  /** Attaches to the preceding character: combining marks, variation selectors, emoji modifiers, tags, format chars. */
  Extend: 4,
  ZeroWidthJoiner: 5,
  RegionalIndicator: 6,
  Pictographic: 7,
  /** Punctuation and symbols that are not pictographic. */
  Other: 8,
  /** Han, Hiragana and Katakana letters: written without spaces, so each one is a token. */
  Ideograph: 9,
} as const;
export type CharClass = (typeof CharClass)[keyof typeof CharClass];

const classes = new Uint8Array(0x110000);

const SPACE = /[\p{White_Space}\u200B\uFEFF]/u;
const LETTER = /\p{L}/u;
const IDEOGRAPH = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const DIGIT = /\p{N}/u;
const EXTEND = /[\p{M}\p{Cf}\u{1F3FB}-\u{1F3FF}]/u;
const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;

function classify(codePoint: number): CharClass {
  // Lone surrogates cannot go through the regexes as characters; they are plain symbols.
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) return CharClass.Other;
  const char = String.fromCodePoint(codePoint);
  if (SPACE.test(char)) return CharClass.Space;
  if (LETTER.test(char)) return IDEOGRAPH.test(char) ? CharClass.Ideograph : CharClass.Letter;
  if (DIGIT.test(char)) return CharClass.Digit;
  if (codePoint === 0x200d) return CharClass.ZeroWidthJoiner;
  if (codePoint >= 0x1f1e6 && codePoint <= 0x1f1ff) return CharClass.RegionalIndicator;
  if (EXTEND.test(char)) return CharClass.Extend;
  if (PICTOGRAPHIC.test(char)) return CharClass.Pictographic;
  return CharClass.Other;
}

export function charClassOf(codePoint: number): CharClass {
  const known = classes[codePoint] as CharClass;
  if (known !== CharClass.Unknown) return known;
  const computed = classify(codePoint);
  classes[codePoint] = computed;
  return computed;
}

/** Whitespace as the tokenizer sees it: Unicode White_Space plus ZWSP and BOM. */
export function isSpaceCode(codePoint: number): boolean {
  return charClassOf(codePoint) === CharClass.Space;
}

/** Letters, digits and stray combining marks can make up words. */
export function isWordClass(charClass: CharClass): boolean {
  return charClass === CharClass.Letter || charClass === CharClass.Digit || charClass === CharClass.Extend;
}
