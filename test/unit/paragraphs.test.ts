// Paragraphs of a text's sentences: the groups a model with document context encodes together.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paragraphBounds, paragraphsOf } from '../../src/core/text/paragraphs';
import { splitSentences } from '../../src/core/text/sentences';
import { tokenize } from '../../src/core/text/tokenize';

const paragraphs = (text: string) => paragraphsOf(text, splitSentences(text, tokenize(text)));

test('a blank line (spaces, tabs or CRLF included) starts a paragraph; a single line break does not', () => {
  assert.deepEqual(paragraphs('One here. Two there.\nThree.\n\nFour.'), [0, 0, 0, 1]);
  assert.deepEqual(paragraphs('One.\r\n \t\r\nTwo.\r\n\r\n\r\nThree.'), [0, 1, 2]);
  assert.deepEqual(paragraphs(''), []);
});

test('a range grows to the paragraphs around it, and only within the limit', () => {
  const text = 'First para one.\nFirst para two.\n\nSecond one.\nSecond two.\nSecond three.\n \nThird.';
  const at = text.indexOf('Second two');
  const grown = paragraphBounds(text, at, at + 6);
  assert.equal(text.slice(grown.start, grown.end), 'Second one.\nSecond two.\nSecond three.');
  assert.deepEqual(paragraphBounds(text, 2, 5), { start: 0, end: text.indexOf('\n\n') });
  assert.deepEqual(paragraphBounds(text, text.length - 3, text.length), { start: text.indexOf('Third'), end: text.length });
  // Beyond the limit a side stays put.
  assert.deepEqual(paragraphBounds(text, at, at + 6, 5), { start: at, end: at + 6 });
  // The grown range holds the same paragraphs as the whole text does.
  const sentencesOf = (t: string) => splitSentences(t, tokenize(t));
  const piece = text.slice(grown.start, grown.end);
  assert.deepEqual(new Set(paragraphsOf(piece, sentencesOf(piece))), new Set([0]));
});
