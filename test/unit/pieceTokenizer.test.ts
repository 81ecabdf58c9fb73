// Words -> pieces of the transformer model: every piece belongs to exactly one word, every word has pieces,
// word offsets round-trip to the text, windows cover every word within the piece budget; seeded fuzz over
// random Unicode, and the tokenizer on odd input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tokenize } from '../../src/core/text/tokenize';
import { MAX_PIECES_PER_WORD, PieceTokenizer } from '../../src/core/transformer/pieceTokenizer';
import { makePieceWindows, WINDOW_PIECES } from '../../src/core/transformer/pieceWindows';
import { seededRandom } from '../../src/core/random';

const tokenizer = PieceTokenizer.fromFile(join(__dirname, '../../models/transformer/tokenizer.json'));

const WORDS = ['Dvořák', 'Slavonic', 'Dances', 'U.S.', "don't", 'caf\u00e9', 'e\u0301', '\u6771\u4eac', '\u{1F602}', '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}', '\u200D', '\u0000', '\uD800', 'x\u0332', 'https://example.com/a?b=c', 'İstanbul', 'ǅemal', '\u00ad', 'ﬁle', 'Ⅻ', '١٢٣', 'Straße', '\u202Eevil', '$1,000.50', 'a'.repeat(300)];

function randomText(random: () => number): string {
  let text = '';
  const length = Math.floor(random() * 80);
  for (let i = 0; i < length; i++) {
    const roll = random();
    if (roll < 0.15) text += ' ';
    else if (roll < 0.35) text += WORDS[Math.floor(random() * WORDS.length)];
    else if (roll < 0.6) text += String.fromCharCode(0x61 + Math.floor(random() * 26));
    else if (roll < 0.75) text += String.fromCodePoint(0x300 + Math.floor(random() * 0x500));
    else if (roll < 0.85) text += String.fromCodePoint(0x1f300 + Math.floor(random() * 0x300));
    else text += String.fromCodePoint(Math.floor(random() * 0x110000)); // lone surrogates and unassigned too
  }
  return text;
}

/** A piece without its continuation mark. */
const idToPiece = (id: number) => tokenizer.pieceText(id).replace(/^##/, '');
/** What a word's pieces spell. */
const spelled = (ids: Int32Array) => Array.from(ids, idToPiece).join('');

test('seeded fuzz: pieces tile the words exactly, words round-trip to the text, windows cover every word', () => {
  const random = seededRandom(20261129);
  let words = 0;
  for (let round = 0; round < 3000; round++) {
    const text = randomText(random);
    const tokens = tokenize(text);
    for (const t of tokens) assert.equal(text.slice(t.start, t.end), t.text, 'a word is exactly its characters');
    const strings = tokens.map((t) => t.text);
    const { ids, wordStart, wordEnd } = tokenizer.pieceWords(strings);
    words += strings.length;
    let at = 0;
    strings.forEach((word, i) => {
      assert.equal(wordStart[i], at, 'pieces of consecutive words are contiguous');
      const count = wordEnd[i] - wordStart[i];
      assert.ok(count >= 1 && count <= MAX_PIECES_PER_WORD, `${JSON.stringify(word)} has ${count} pieces`);
      assert.deepEqual(Array.from(ids.subarray(wordStart[i], wordEnd[i])), Array.from(tokenizer.piecesOf(word)), 'a word in a sentence has the pieces it has alone');
      at = wordEnd[i];
    });
    assert.equal(at, ids.length, 'every piece belongs to a word');
    for (const id of ids) assert.ok(id >= 0 && id < tokenizer.vocabSize);
    const costs = strings.map((w) => tokenizer.piecesOf(w).length);
    const windows = makePieceWindows(costs, WINDOW_PIECES);
    let kept = 0;
    for (const w of windows) {
      assert.ok(costs.slice(w.start, w.end).reduce((a, b) => a + b, 0) <= WINDOW_PIECES, 'a window fits the piece budget');
      assert.equal(w.keepStart, kept, 'keep regions tile the sentence');
      assert.ok(w.start <= w.keepStart && w.keepEnd <= w.end);
      kept = w.keepEnd;
    }
    assert.equal(kept, strings.length, 'every word is kept by a window');
  }
  assert.ok(words > 20000, `fuzzed ${words} words`);
});

test('pieces spell the lowercased, accent-free word (the model is uncased)', () => {
  for (const word of ['Dvořák', 'Slavonic', 'Symphony', 'Rusalka', 'naïve', 'Eliquis', 'GPT-4', 'don']) {
    const ids = tokenizer.piecesOf(word);
    if (ids.some((id) => id === tokenizer.special.unk)) continue;
    const pieces = tokenizer.tokenize(word).map((p) => p.replace(/^##/, '')).join('');
    assert.equal(pieces, word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase(), word);
    assert.equal(Array.from(ids, idToPiece).join(''), pieces);
  }
  assert.equal(spelled(tokenizer.piecesOf('Dvořák')), 'dvorak');
});

test('odd input: nothing is dropped, nothing is unbounded', () => {
  assert.deepEqual(Array.from(tokenizer.pieceWords([]).ids), []);
  for (const word of ['\u200D', '\u0000', '\uD800', '\u00ad', '\uFEFF', ' ', '']) {
    const ids = tokenizer.piecesOf(word);
    assert.equal(ids.length, 1, `${JSON.stringify(word)} keeps a place`);
  }
  assert.equal(tokenizer.piecesOf('\u200D')[0], tokenizer.special.unk, 'a word the tokenizer erases is [UNK]');
  assert.equal(tokenizer.piecesOf('x'.repeat(10_000)).length, 1, 'an overlong word is one [UNK] piece (WordPiece gives up past 100 characters)');
  assert.equal(tokenizer.piecesOf('a/b/c/d/e/f/g/h/i/j/k').length, MAX_PIECES_PER_WORD, 'a word of many pieces is capped');
  const huge = Array.from({ length: 5000 }, (_, i) => `w${i}`);
  const costs = huge.map((w) => tokenizer.piecesOf(w).length);
  const windows = makePieceWindows(costs, WINDOW_PIECES);
  assert.ok(windows.length > 1 && windows.every((w) => costs.slice(w.start, w.end).reduce((a, b) => a + b, 0) <= WINDOW_PIECES));
  assert.throws(() => PieceTokenizer.fromFile(join(__dirname, '../../package.json')), /WordPiece tokenizer/);
  assert.throws(() => PieceTokenizer.fromFile('/nonexistent/tokenizer.json'), /not a readable tokenizer.json/);
});
