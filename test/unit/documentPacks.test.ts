// Packing a document's sentences into shared encoder inputs: the rule training used (pack_documents in
// scripts/transformer/data.py), so a sentence gets the same neighbours whatever else is in the call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { documentPacks } from '../../src/core/transformer/documentPacks';
import { NO_DOCUMENT } from '../../src/core/model/modelRuntime';
import { parseConll, sentenceDocuments } from '../../src/core/data/conll';

test('consecutive sentences of one document share packs up to the budget; a new document or none starts a new pack', () => {
  const pieces = [10, 20, 30, 5, 7, 8, 9, 300, 4];
  const documents = [0, 0, 0, 1, 1, NO_DOCUMENT, 2, 2, 2];
  assert.deepEqual(documentPacks(pieces, documents, 50), [[0, 1], [2], [3, 4], [5], [6], [7], [8]]);
  assert.deepEqual(documentPacks(pieces, documents, 254), [[0, 1, 2], [3, 4], [5], [6], [7], [8]]);
  // Every pack but a lone over-budget sentence fits the budget, and the packs keep the order of the sentences.
  for (const budget of [1, 12, 50, 254]) {
    const packs = documentPacks(pieces, documents, budget);
    assert.deepEqual(packs.flat(), pieces.map((_, i) => i));
    for (const pack of packs) {
      const used = pack.reduce((n, i) => n + pieces[i], 0);
      assert.ok(used <= budget || pack.length === 1, `pack ${pack} uses ${used} > ${budget}`);
      assert.equal(new Set(pack.map((i) => documents[i])).size, 1);
    }
  }
});

test('without documents every sentence is alone; a document of the same id after a gap is packed only with its neighbours', () => {
  assert.deepEqual(documentPacks([3, 4, 5], undefined, 254), [[0], [1], [2]]);
  assert.deepEqual(documentPacks([3, 4, 5], [0, 1, 0], 254), [[0], [1], [2]]);
  assert.deepEqual(documentPacks([], [], 254), []);
  assert.throws(() => documentPacks([3, 4], [0], 254), /1 documents for 2 sentences/);
  assert.throws(() => documentPacks([3], [0], 0), /positive integer/);
});

test('packs of a document do not depend on the documents around it', () => {
  const doc = [12, 40, 33, 90, 7];
  const alone = documentPacks(doc, doc.map(() => 5), 100);
  const withOthers = documentPacks([50, 60, ...doc, 8], [4, 4, ...doc.map(() => 5), 6], 100);
  const shifted = withOthers.filter((pack) => pack.every((i) => i >= 2 && i < 2 + doc.length)).map((pack) => pack.map((i) => i - 2));
  assert.deepEqual(shifted, alone);
});

test("a CoNLL file's documents per sentence; none when the file marks no documents", () => {
  const marked = parseConll('-DOCSTART- O\n\nA B-PER\n\nC O\n\n-DOCSTART- O\n\nD B-LOC\n');
  assert.deepEqual(sentenceDocuments(marked), [0, 0, 1]);
  assert.equal(sentenceDocuments(parseConll('A B-PER\n\nC O\n')), undefined);
});
