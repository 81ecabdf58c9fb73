// Seeded fuzz of the readers and tokenizers on hostile text: random Unicode with lone and paired surrogates,
// combining marks, zero-width characters, CR/LF mixes, TABs, controls and Unicode spaces. Thousands of cases
// with fixed seeds (a failure names its seed and case), a few seconds in all. Invariants:
// - nothing throws but the module's own error type;
// - offsets lie inside the text, on code point boundaries, and a token's text is text.slice(start, end);
// - what a reader accepts, its writer writes back to the same thing (and what the writer refuses, the reader does too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { seededRandom } from '../../src/core/random';
import { tokenize } from '../../src/core/text/tokenize';
import { CharClass, charClassOf } from '../../src/core/text/charClasses';
import { ConllFormatError, conllTokenProblem, conllTypeProblem, formatConll, parseConll } from '../../src/core/data/conll';
import { SpanJsonlError, formatSpanJsonl, parseSpanJsonl } from '../../src/core/data/spanJsonl';
import { MAX_PIECES_PER_WORD, PieceTokenizer } from '../../src/core/transformer/pieceTokenizer';
import type { LabeledSentence, TextExample } from '../../src/core/types';

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];
const int = (random: Random, below: number) => Math.floor(random() * below);

/** Pieces that break naive text handling, mixed with ordinary words. */
const PIECES = [
  ...'abcXYZ019.,;:!?-\'"()[]/@#&_`~*=\\',
  ' ', '  ', '\t', '\n', '\r', '\r\n', '\n\r', '\u00a0', '\u2028', '\u2029', '\u0085', '\u3000', '\u000b', '\u000c',
  '\u0300', '\u0301', '\u0332', '\u20dd', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\ufe0f', '\u00ad',
  '\ud800', '\udc00', '\udbff', '\udfff', '\u{1F602}', '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}', '\u{1F1EB}\u{1F1F7}', '\u{1F44D}\u{1F3FD}',
  '\u0000', '\u0007', '\u001b', '\u007f', '\u009b', '\u202e', '\u2066',
  'Paris', 'New York', "don't", "John's", 'U.S.', 'Dr.', 'e.g.', '3.5', '1,000', 'http://x.org/a?b=c.', 'www.x.y', '@user', '#tag',
  '\u6771\u4eac', '\u3053\u3093', '\u0627\u0644\u0642\u0627\u0647\u0631\u0629', 'Stra\u00dfe', '\u0130stanbul', 'e\u0301', '\ufb01le', '...', '--', '!!',
  '-DOCSTART-', 'B-PER', 'I-LOC', 'O', 'E-ORG', 'S-X',
];

function randomText(random: Random, maxPieces = 40): string {
  let text = '';
  const count = int(random, maxPieces);
  for (let i = 0; i < count; i++) {
    const roll = random();
    if (roll < 0.8) text += pick(random, PIECES);
    else if (roll < 0.9) text += String.fromCharCode(int(random, 0x10000)); // any UTF-16 unit, surrogates included
    else text += String.fromCodePoint(int(random, 0x110000));
  }
  return text;
}

const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;
/** Not between the two halves of a surrogate pair. */
const onCodePointBoundary = (text: string, offset: number) => offset <= 0 || offset >= text.length || !(isHigh(text.charCodeAt(offset - 1)) && isLow(text.charCodeAt(offset)));

/** Runs `check` on `cases` generated cases; a failure says which seed and case to replay. */
function fuzz(seed: number, cases: number, check: (random: Random, index: number) => void): void {
  const random = seededRandom(seed);
  for (let i = 0; i < cases; i++) {
    try {
      check(random, i);
    } catch (error) {
      (error as Error).message = `seed ${seed}, case ${i}: ${(error as Error).message}`;
      throw error;
    }
  }
}

test('fuzz: tokenize keeps exact offsets on code point boundaries and skips only spaces', () => {
  fuzz(1001, 4000, (random) => {
    const text = randomText(random, 60);
    const offset = int(random, 3) * 1000;
    const tokens = tokenize(text, offset);
    let previousEnd = 0;
    for (const token of tokens) {
      const start = token.start - offset;
      const end = token.end - offset;
      assert.ok(start >= previousEnd && start < end && end <= text.length, `token [${start}, ${end}) of a ${text.length}-unit text, after ${previousEnd}`);
      assert.equal(token.text, text.slice(start, end));
      assert.ok(onCodePointBoundary(text, start) && onCodePointBoundary(text, end), `[${start}, ${end}) splits a surrogate pair in ${JSON.stringify(text)}`);
      // Between tokens there is only what the tokenizer calls space.
      for (const c of text.slice(previousEnd, start)) assert.equal(charClassOf(c.codePointAt(0)!), CharClass.Space, `${JSON.stringify(c)} skipped in ${JSON.stringify(text)}`);
      previousEnd = end;
    }
    for (const c of text.slice(previousEnd)) assert.equal(charClassOf(c.codePointAt(0)!), CharClass.Space, `${JSON.stringify(c)} dropped at the end of ${JSON.stringify(text)}`);
  });
});

test('fuzz: the transformer\'s piece tokenizer gives every word 1..MAX pieces of its vocabulary, tiled in order', () => {
  const pieces = PieceTokenizer.fromFile(join(__dirname, '../../models/transformer/tokenizer.json'));
  fuzz(1002, 1500, (random) => {
    const words = tokenize(randomText(random, 30)).map((t) => t.text);
    const { ids, wordStart, wordEnd } = pieces.pieceWords(words);
    let at = 0;
    words.forEach((word, i) => {
      assert.equal(wordStart[i], at);
      const count = wordEnd[i] - wordStart[i];
      assert.ok(count >= 1 && count <= MAX_PIECES_PER_WORD, `${count} pieces for ${JSON.stringify(word)}`);
      at = wordEnd[i];
    });
    assert.equal(at, ids.length);
    for (const id of ids) assert.ok(Number.isInteger(id) && id >= 0 && id < pieces.vocabSize, `piece id ${id}`);
  });
});

const SEPARATORS = [' ', '\t', '  ', ' \t', '\u00a0', '\u3000'];
const TAGS = ['O', 'O', 'O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC', 'E-LOC', 'S-MISC', 'I-creative-work', 'B-gene_name', 'B-', 'X-PER', 'B-A,B', 'I-VP O', 'b-per', 'B-\u202e', 'B-\u6771'];

/** Lines that look like CoNLL: 2 or 4 columns mostly, with damage now and then. */
function randomConll(random: Random): string {
  const columns = random() < 0.5 ? 2 : 4;
  const lines: string[] = [];
  const count = 1 + int(random, 12);
  for (let i = 0; i < count; i++) {
    const roll = random();
    if (roll < 0.15) lines.push(pick(random, ['', ' ', '\t', '\u00a0']));
    else if (roll < 0.2) lines.push(columns === 2 ? '-DOCSTART-\tO' : '-DOCSTART- -X- -X- O');
    else {
      const token = random() < 0.7 ? pick(random, ['Paris', 'New', 'York', "don't", '\u{1F602}', 'e\u0301', '\u200b', '.', '-DOCSTART-']) : randomText(random, 3) || 'x';
      const middle = columns === 4 ? ['NNP', 'I-NP'] : [];
      const cells = [token, ...middle, pick(random, TAGS)];
      if (random() < 0.05) cells.push('extra');
      lines.push(cells.join(random() < 0.8 ? (columns === 2 ? '\t' : ' ') : pick(random, SEPARATORS)));
    }
  }
  return lines.join(pick(random, ['\n', '\n', '\r\n', '\r'])) + (random() < 0.5 ? '\n' : '');
}

test('fuzz: the CoNLL reader throws only ConllFormatError, and what it reads, the writer writes back to the same sentences', () => {
  let accepted = 0;
  fuzz(1003, 5000, (random) => {
    const content = randomConll(random);
    let sentences: LabeledSentence[];
    let scheme;
    try {
      ({ sentences, scheme } = parseConll(content, { scheme: pick(random, ['auto', 'auto', 'iob1', 'iob2', 'bioes'] as const) }));
    } catch (error) {
      assert.ok(error instanceof ConllFormatError, `${(error as Error).name}: ${(error as Error).message} for ${JSON.stringify(content)}`);
      assert.ok(error.line >= 1 && error.line <= content.split(/\r\n|\r|\n/).length);
      return;
    }
    accepted++;
    for (const s of sentences) {
      for (const token of s.tokens) assert.equal(conllTokenProblem(token), undefined, JSON.stringify(token));
      let previousEnd = 0;
      for (const span of s.spans) {
        assert.ok(span.start >= previousEnd && span.start < span.end && span.end <= s.tokens.length);
        assert.equal(conllTypeProblem(span.label), undefined, span.label);
        previousEnd = span.end;
      }
    }
    for (const columns of [2, 4] as const) {
      const written = formatConll(sentences, { scheme, columns, docStart: random() < 0.5 });
      assert.deepEqual(parseConll(written).sentences, sentences, `${JSON.stringify(content)} -> ${JSON.stringify(written)}`);
    }
  });
  assert.ok(accepted > 500, `only ${accepted} accepted cases: the generator should make more valid files`);
});

test('fuzz: the CoNLL writer refuses exactly the tokens and types the reader refuses', () => {
  let writtenCases = 0;
  fuzz(1004, 4000, (random) => {
    const tokens = Array.from({ length: 1 + int(random, 5) }, () => (random() < 0.5 ? randomText(random, 3) : pick(random, ['Paris', 'x', '\u{1F602}'])));
    const label = random() < 0.5 ? pick(random, ['PER', 'creative-work', 'a.b_c', '\u6771']) : randomText(random, 2);
    const sentence: LabeledSentence = { tokens, spans: [{ start: 0, end: 1, label }] };
    const valid = tokens.every((t) => conllTokenProblem(t) === undefined) && conllTypeProblem(label) === undefined;
    const columns = random() < 0.5 ? 2 : 4;
    let written: string;
    try {
      written = formatConll([sentence], { scheme: pick(random, ['iob1', 'iob2', 'bioes'] as const), columns });
    } catch (error) {
      assert.ok(error instanceof RangeError, String(error));
      assert.ok(!valid, `the writer refused a valid sentence ${JSON.stringify(sentence)}`);
      return;
    }
    assert.ok(valid, `the writer wrote ${JSON.stringify(sentence)}, which the reader refuses`);
    writtenCases++;
    assert.deepEqual(parseConll(written).sentences, [sentence]);
  });
  assert.ok(writtenCases > 500, `only ${writtenCases} sentences written`);
});

function randomExample(random: Random): TextExample {
  const text = randomText(random, 20);
  const spans = Array.from({ length: int(random, 4) }, () => {
    const start = int(random, text.length + 2) - (random() < 0.05 ? 2 : 0);
    const end = start + int(random, 6) + (random() < 0.1 ? 0 : 1);
    const span: { start: number; end: number; label: string; score?: number } = { start, end, label: random() < 0.9 ? pick(random, ['PER', 'LOC', 'drug name', '\u{1F602}']) : '' };
    if (random() < 0.3) span.score = pick(random, [0.5, 1, 0, -0, NaN, Infinity, 1e-300]);
    return span;
  });
  return { text, spans };
}

test('fuzz: span JSONL throws only SpanJsonlError; what the writer writes reads back, what the reader refuses the writer refuses', () => {
  let writtenCases = 0;
  fuzz(1005, 4000, (random) => {
    const examples = Array.from({ length: 1 + int(random, 3) }, () => randomExample(random));
    let written: string;
    try {
      written = formatSpanJsonl(examples);
    } catch (error) {
      assert.ok(error instanceof RangeError, String(error));
      // The writer refused: the reader would have too.
      assert.throws(() => parseSpanJsonl(examples.map((e) => JSON.stringify(e)).join('\n')), SpanJsonlError);
      return;
    }
    writtenCases++;
    const read = parseSpanJsonl(written, 'fuzz.jsonl');
    // JSON has no -0: it reads back as 0.
    const plus0 = (n: number | undefined) => (n === undefined ? {} : { score: n + 0 });
    assert.deepEqual(read, examples.map((e) => ({ text: e.text, spans: e.spans.map((s) => ({ start: s.start + 0, end: s.end + 0, label: s.label, ...plus0(s.score) })) })));
  });
  assert.ok(writtenCases > 500, `only ${writtenCases} cases written`);
  // Damaged lines: random bytes of JSON, cut or spliced, with every line break style.
  fuzz(1006, 4000, (random) => {
    const line = formatSpanJsonl([{ text: randomText(random, 8), spans: [] }]).trimEnd();
    const cut = int(random, line.length + 1);
    const damaged = random() < 0.5 ? line.slice(0, cut) + randomText(random, 3) + line.slice(cut + int(random, 3)) : line;
    const content = [damaged, randomText(random, 4), line].slice(0, 1 + int(random, 3)).join(pick(random, ['\n', '\r\n', '\r']));
    try {
      for (const e of parseSpanJsonl(content, 'fuzz.jsonl')) {
        for (const s of e.spans) assert.ok(Number.isInteger(s.start) && s.start >= 0 && s.start < s.end && s.end <= e.text.length && s.label !== '');
      }
    } catch (error) {
      assert.ok(error instanceof SpanJsonlError, `${(error as Error).name}: ${(error as Error).message}`);
    }
  });
});
