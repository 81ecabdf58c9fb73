import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize } from '../../src/core/text/tokenize';
import { splitSentences } from '../../src/core/text/sentences';
import { makeWindows, mergeWindowSpans } from '../../src/core/text/windows';
import type { Token, TokenSpan } from '../../src/core/types';

// Independent of the tokenizer's own tables on purpose.
const WHITESPACE = /[\p{White_Space}\u200B\uFEFF]/u;

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'word', 'Anglo-Dutch', 'U.S.', 'Dr.', '3.5', '1,000', "don't", "John's", 'O\u2019Neil', "'", '"', '.', ',', '...', '!?', '(', ')',
  '$', '%', '-', '--', '@user', '#tag', 'https://example.com/a?b=c.', 'caf\u00e9', 'e\u0301', 'a\u0308\u0304', 'na\u00efve',
  '\u6771\u4eac', '\u3068\u3046\u304d\u3087\u3046', '\ud55c\uad6d\uc5b4', '\u0627\u0644\u0639\u0631\u0628\u064a\u0629', '\u0939\u093f\u0928\u094d\u0926\u0940',
  '\u{1F602}', '\u{1F44D}\u{1F3FD}', '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}', '\u{1F3F3}\uFE0F\u200D\u{1F308}', '\u{1F1E9}\u{1F1EA}',
  '1\uFE0F\u20E3', '\u2764\uFE0F', '\u{1F469}\u{1F3FF}\u200D\u{1F4BB}', '\u0301', '\u200D', 'x\u0332\u0332', '\u{1D400}\u{1D401}', '\u2019s',
];
const SPACES = [' ', ' ', ' ', '\r\n', '\t', '\u00a0', '\u2003', '\u3000', '\n\n', '\u2028', '\u200b', ''];

function randomText(random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  let text = '';
  const pieces = 1 + Math.floor(random() * 40);
  for (let index = 0; index < pieces; index++) text += pick(PIECES) + pick(SPACES);
  return text;
}

function randomCodePoints(random: () => number): string {
  let text = '';
  const length = Math.floor(random() * 60);
  for (let index = 0; index < length; index++) {
    const roll = random();
    // Mostly assigned-looking ranges, sometimes anything at all (lone surrogates included).
    const codePoint = roll < 0.3 ? 0x20 + Math.floor(random() * 0x5f) : roll < 0.5 ? 0x300 + Math.floor(random() * 0x70) : roll < 0.7 ? 0x1f300 + Math.floor(random() * 0x300) : Math.floor(random() * 0x110000);
    text += String.fromCodePoint(codePoint);
  }
  return text;
}

function assertTokenInvariants(text: string, tokens: Token[], offset = 0): void {
  let previousEnd = offset;
  const covered = new Uint8Array(text.length);
  for (const token of tokens) {
    assert.equal(token.text, text.slice(token.start - offset, token.end - offset), 'token text equals its slice');
    assert.ok(token.start >= previousEnd, 'tokens are in order and do not overlap');
    assert.ok(token.end > token.start, 'tokens are not empty');
    for (const char of token.text) assert.ok(!WHITESPACE.test(char), `no whitespace inside ${JSON.stringify(token.text)}`);
    const first = token.text.charCodeAt(0);
    const last = token.text.charCodeAt(token.text.length - 1);
    assert.ok(!(first >= 0xdc00 && first <= 0xdfff && isHighSurrogate(text.charCodeAt(token.start - offset - 1))), 'no surrogate pair split at the start');
    assert.ok(!(isHighSurrogate(last) && isLowSurrogate(text.charCodeAt(token.end - offset))), 'no surrogate pair split at the end');
    for (let index = token.start - offset; index < token.end - offset; index++) covered[index]++;
    previousEnd = token.end;
  }
  for (let index = 0; index < text.length; ) {
    const codePoint = text.codePointAt(index)!;
    const width = codePoint > 0xffff ? 2 : 1;
    const char = String.fromCodePoint(codePoint);
    assert.equal(covered[index], WHITESPACE.test(char) ? 0 : 1, `char ${index} (U+${codePoint.toString(16)}) covered once unless whitespace`);
    index += width;
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

test('tokenize: offsets, coverage and clusters on seeded random Unicode text', () => {
  const random = seededRandom(17);
  for (let run = 0; run < 400; run++) {
    const text = randomText(random);
    const offset = run % 3 === 0 ? 1000 : 0;
    const tokens = tokenize(text, offset);
    assertTokenInvariants(text, tokens, offset);
    // Every token edge is a grapheme edge, except where whitespace sits next to a stray mark.
    const boundaries = new Set([...graphemes.segment(text)].map((segment) => segment.index));
    boundaries.add(text.length);
    for (const token of tokens) {
      const start = token.start - offset;
      const end = token.end - offset;
      assert.ok(boundaries.has(start) || WHITESPACE.test(text[start - 1]), `token ${JSON.stringify(token.text)} starts on a grapheme edge in ${JSON.stringify(text)}`);
      assert.ok(boundaries.has(end) || WHITESPACE.test(text[end]), `token ${JSON.stringify(token.text)} ends on a grapheme edge in ${JSON.stringify(text)}`);
    }
  }
});

test('tokenize: invariants hold on arbitrary code points, lone surrogates included', () => {
  const random = seededRandom(99);
  for (let run = 0; run < 400; run++) {
    const text = randomCodePoints(random) + (run % 2 ? '\ud800' : '\udc00x');
    assertTokenInvariants(text, tokenize(text));
  }
});

const words = (text: string): string[] => tokenize(text).map((token) => token.text);

test('tokenize: clitics split as in CoNLL', () => {
  assert.deepEqual(words("I don't know"), ['I', 'do', "n't", 'know']);
  assert.deepEqual(words("can't won't DON'T"), ['ca', "n't", 'wo', "n't", 'DO', "N'T"]);
  assert.deepEqual(words("John's they're we'll I've she'd I'm"), ['John', "'s", 'they', "'re", 'we', "'ll", 'I', "'ve", 'she', "'d", 'I', "'m"]);
  assert.deepEqual(words('Britain\u2019s'), ['Britain', '\u2019s']);
  assert.deepEqual(words("O'Neil players' 'quoted'"), ["O'Neil", 'players', "'", "'", 'quoted', "'"]);
});

test('tokenize: abbreviations, initials, numbers and hyphens', () => {
  assert.deepEqual(words('The U.S. and Dr. Smith met J. Doe e.g. today.'), ['The', 'U.S.', 'and', 'Dr.', 'Smith', 'met', 'J.', 'Doe', 'e.g.', 'today', '.']);
  assert.deepEqual(words('It rose 3.5 percent to 1,000,000 in 1996.'), ['It', 'rose', '3.5', 'percent', 'to', '1,000,000', 'in', '1996', '.']);
  assert.deepEqual(words('Anglo-Dutch won 2-1 at 10:30, see'), ['Anglo-Dutch', 'won', '2-1', 'at', '10:30', ',', 'see']);
  assert.deepEqual(words('Paris,France'), ['Paris', ',', 'France']);
  assert.deepEqual(words('Acme Inc. (ACME)'), ['Acme', 'Inc.', '(', 'ACME', ')']);
  assert.deepEqual(words('the ex-U.S. envoy, 5-year-old I.B.M. in 3.'), ['the', 'ex-U.S.', 'envoy', ',', '5-year-old', 'I.B.M.', 'in', '3', '.']);
});

test('tokenize: punctuation, quotes, handles, URLs, emoji and CJK', () => {
  assert.deepEqual(words('"Wait..." he said -- no!!'), ['"', 'Wait', '...', '"', 'he', 'said', '--', 'no', '!!']);
  assert.deepEqual(words('$5 (50%)'), ['$', '5', '(', '50', '%', ')']);
  assert.deepEqual(words('@user_1 loves #NLP (https://x.org/a?b=1).'), ['@user_1', 'loves', '#NLP', '(', 'https://x.org/a?b=1', ')', '.']);
  assert.deepEqual(words('ok\u{1F602}\u{1F602} \u{1F44D}\u{1F3FD}'), ['ok', '\u{1F602}', '\u{1F602}', '\u{1F44D}\u{1F3FD}']);
  assert.deepEqual(words('\u6771\u4eac in Tokyo'), ['\u6771', '\u4eac', 'in', 'Tokyo']);
  assert.deepEqual(words('\u{1F468}\u200D\u{1F469}\u200D\u{1F467} b\u200D\u{1F602}'), ['\u{1F468}\u200D\u{1F469}\u200D\u{1F467}', 'b\u200D', '\u{1F602}']);
  assert.deepEqual(words('see http://t.co/abc\u2026 now'), ['see', 'http://t.co/abc', '\u2026', 'now']);
  assert.deepEqual(words('cafe\u0301 na\u0308ive'), ['cafe\u0301', 'na\u0308ive']);
  assert.deepEqual(words('a\r\n\tb\u00a0c\u3000d'), ['a', 'b', 'c', 'd']);
  assert.deepEqual(words(''), []);
  assert.deepEqual(words(' \r\n\u00a0'), []);
});

test('tokenize: adds the offset to every position', () => {
  assert.deepEqual(tokenize('Hi you', 10), [
    { text: 'Hi', start: 10, end: 12 },
    { text: 'you', start: 13, end: 16 },
  ]);
});

test('tokenize: runs at more than 1M chars/s on plain text', () => {
  const text = 'The U.S. economy grew 3.5 percent in 1996, Reuters said; "don\'t worry," J. Smith added -- e.g. in Anglo-Dutch talks. '.repeat(5000);
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    tokenize(text);
    best = Math.min(best, performance.now() - started);
  }
  const charsPerSecond = text.length / (best / 1000);
  assert.ok(charsPerSecond > 1e6, `tokenize ran at ${Math.round(charsPerSecond)} chars/s`);
});

function sentenceTexts(text: string, maxTokens?: number): string[] {
  const tokens = tokenize(text);
  return splitSentences(text, tokens, { maxTokens }).map((sentence) => text.slice(sentence.start, sentence.end));
}

test('splitSentences: splits on . ! ? but not after abbreviations, initials or inside numbers', () => {
  assert.deepEqual(sentenceTexts('Dr. Smith met J. R. Doe in the U.S. on Monday. He paid 3.5 million! Why? Nobody knows.'), [
    'Dr. Smith met J. R. Doe in the U.S. on Monday.',
    'He paid 3.5 million!',
    'Why?',
    'Nobody knows.',
  ]);
  assert.deepEqual(sentenceTexts('He said "Stop." Then he left.'), ['He said "Stop."', 'Then he left.']);
  assert.deepEqual(sentenceTexts('It was fine. and then it was not'), ['It was fine. and then it was not']);
});

test('splitSentences: honours abbreviations and numbers given as separate tokens', () => {
  const text = 'Mr. Li paid 3.5 today. Done';
  const tokens: Token[] = [];
  for (const match of text.matchAll(/\w+|[^\w\s]/g)) tokens.push({ text: match[0], start: match.index!, end: match.index! + match[0].length });
  const sentences = splitSentences(text, tokens).map((sentence) => text.slice(sentence.start, sentence.end));
  assert.deepEqual(sentences, ['Mr. Li paid 3.5 today.', 'Done']);
});

test('splitSentences: blank lines break sentences, single line breaks do not', () => {
  assert.deepEqual(sentenceTexts('First line\nstill first\r\n\r\nSecond part\n \t\nThird'), ['First line\nstill first', 'Second part', 'Third']);
});

test('splitSentences: maxTokens cuts long sentences without losing tokens', () => {
  const text = Array.from({ length: 300 }, (_, index) => `w${index}`).join(' ');
  const tokens = tokenize(text);
  const sentences = splitSentences(text, tokens, { maxTokens: 128 });
  assert.deepEqual(sentences.map((sentence) => sentence.tokenEnd - sentence.tokenStart), [100, 100, 100]);
  assert.equal(sentences[1].start, tokens[100].start);
  assert.throws(() => splitSentences(text, tokens, { maxTokens: 0 }), RangeError);
});

test('splitSentences: sentences tile the tokens on random text', () => {
  const random = seededRandom(5);
  for (let run = 0; run < 200; run++) {
    const text = randomText(random);
    const tokens = tokenize(text, 7);
    const maxTokens = 1 + Math.floor(random() * 10);
    const sentences = splitSentences(text, tokens, { maxTokens, offset: 7 });
    let next = 0;
    for (const sentence of sentences) {
      assert.equal(sentence.tokenStart, next);
      assert.ok(sentence.tokenEnd > sentence.tokenStart && sentence.tokenEnd - sentence.tokenStart <= maxTokens);
      assert.equal(sentence.start, tokens[sentence.tokenStart].start);
      assert.equal(sentence.end, tokens[sentence.tokenEnd - 1].end);
      next = sentence.tokenEnd;
    }
    assert.equal(next, tokens.length);
  }
});

test('makeWindows: every token is kept by exactly one window, inside that window', () => {
  for (let tokenCount = 0; tokenCount <= 60; tokenCount++) {
    for (let size = 1; size <= 12; size++) {
      for (let overlap = 0; overlap < size; overlap++) {
        const windows = makeWindows(tokenCount, size, overlap);
        const keptBy = new Array<number>(tokenCount).fill(0);
        for (const window of windows) {
          assert.ok(window.start >= 0 && window.end <= tokenCount && window.end - window.start <= size);
          assert.ok(window.keepStart >= window.start && window.keepEnd <= window.end && window.keepStart < window.keepEnd);
          for (let index = window.keepStart; index < window.keepEnd; index++) keptBy[index]++;
        }
        assert.ok(keptBy.every((count) => count === 1), `n=${tokenCount} size=${size} overlap=${overlap}`);
      }
    }
  }
});

test('makeWindows: overlapping windows keep the middle parts', () => {
  assert.deepEqual(makeWindows(10, 4, 2), [
    { start: 0, end: 4, keepStart: 0, keepEnd: 3 },
    { start: 2, end: 6, keepStart: 3, keepEnd: 5 },
    { start: 4, end: 8, keepStart: 5, keepEnd: 7 },
    { start: 6, end: 10, keepStart: 7, keepEnd: 10 },
  ]);
  assert.deepEqual(makeWindows(3, 8, 2), [{ start: 0, end: 3, keepStart: 0, keepEnd: 3 }]);
  assert.throws(() => makeWindows(10, 4, 4), RangeError);
  assert.throws(() => makeWindows(10, 0, 0), RangeError);
});

test('mergeWindowSpans: recovers spans from per-window predictions, once each', () => {
  const gold: TokenSpan[] = [
    { start: 0, end: 2, label: 'PER' },
    { start: 5, end: 6, label: 'LOC' },
    { start: 9, end: 11, label: 'ORG' },
    { start: 17, end: 19, label: 'MISC' },
  ];
  const windows = makeWindows(20, 8, 4);
  // A perfect model sees every gold span that fits in the window, in window-relative indices.
  const predictions = windows.map((window) =>
    gold
      .filter((span) => span.start >= window.start && span.end <= window.end)
      .map((span) => ({ ...span, start: span.start - window.start, end: span.end - window.start, score: 0.5 })),
  );
  predictions[0].push({ start: 0, end: 2, label: 'PER', score: 0.9 }); // a duplicate within one window
  const merged = mergeWindowSpans(windows, predictions);
  assert.deepEqual(
    merged.map(({ start, end, label }) => ({ start, end, label })),
    gold,
  );
  assert.equal(merged[0].score, 0.9);
  assert.throws(() => mergeWindowSpans(windows, []), RangeError);
});
