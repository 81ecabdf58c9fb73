// The worker's chunks end at sentence ends: an entity near a cut stays whole, and the chunks tile the text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitIntoChunks } from '../../src/worker/chunks';
import { tokenize } from '../../src/core/text/tokenize';
import { splitSentences } from '../../src/core/text/sentences';

test('chunks tile the text and end where the engine sees sentences end', () => {
  const sentence = 'The delegation from Geneva met Angela Merkel in Berlin on Friday. ';
  const text = sentence.repeat(2000);
  const chunks = splitIntoChunks(text, 20_000);
  assert.ok(chunks.length > 3);
  assert.equal(chunks.map((c) => c.text).join(''), text, 'chunks tile the text');
  let at = 0;
  for (const c of chunks) {
    assert.equal(c.offset, at);
    at += c.text.length;
  }
  const starts = new Set(splitSentences(text, tokenize(text), { maxTokens: Number.MAX_SAFE_INTEGER }).map((s) => s.start));
  for (const c of chunks.slice(1)) assert.ok(starts.has(c.offset), `chunk at ${c.offset} starts a sentence`);
  for (const c of chunks) assert.ok(!c.text.startsWith('Merkel') && c.text.includes('Angela Merkel'));
});

test('a sentence longer than a chunk stays whole up to four chunks, then is cut at whitespace', () => {
  const long = 'Angela Merkel and '.repeat(3000) + 'friends.';
  const chunks = splitIntoChunks(long + ' Then it ended.', 10_000);
  assert.equal(chunks.map((c) => c.text).join(''), long + ' Then it ended.');
  for (const c of chunks) assert.ok(c.text.length <= 40_000 + 400);
  for (const c of chunks.slice(1)) assert.ok(/^\S/.test(c.text) && /\s$/.test(chunks[chunks.indexOf(c) - 1].text), 'cut at whitespace');
});

test('a chunk ends at a paragraph end where one lies in reach, so no paragraph is split between chunks', () => {
  const paragraph = 'The delegation from Geneva met Angela Merkel in Berlin on Friday. Talks went on. '.repeat(40).trim() + '\n\n';
  const text = paragraph.repeat(20);
  const chunks = splitIntoChunks(text, 20_000);
  assert.ok(chunks.length > 1);
  assert.equal(chunks.map((c) => c.text).join(''), text);
  for (const c of chunks.slice(1)) assert.ok(text.slice(0, c.offset).endsWith('\n\n'), `chunk at ${c.offset} starts a paragraph`);
});
