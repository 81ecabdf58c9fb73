// One type per name: repeated names in a document take the type most of their evidence supports, unless a
// mention is confident in its own type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harmoniseDocuments, nameKey, oneTypePerName } from '../../src/core/spans/oneTypePerName';

const m = (text: string, label: string, typeProbability: number) => ({ text, label, typeProbability });

test('a repeated name takes the type its mentions support most; confident mentions keep theirs', () => {
  const mentions = [m('Dvořák', 'PER', 0.7), m('Dvořák', 'ORG', 0.55), m('Dvořák', 'PER', 0.8), m('Prague', 'LOC', 0.9), m('Dvořák', 'ORG', 0.92)];
  const out = oneTypePerName(mentions, (x) => nameKey(x.text), 0.9);
  assert.deepEqual(
    out.map((x) => x.label),
    ['PER', 'PER', 'PER', 'LOC', 'ORG'],
  );
  assert.equal(out[1].typeProbability, 0.75, 'a relabelled mention gets the winning type mean probability');
  assert.equal(out[4], mentions[4], 'a confident mention keeps its own type (the contexts disagree)');
  assert.equal(out[3], mentions[3], 'names seen once are untouched');
});

test('names are compared with whitespace collapsed and case kept', () => {
  const out = oneTypePerName([m('New  York', 'LOC', 0.6), m('New York', 'ORG', 0.5), m('US', 'LOC', 0.6), m('us', 'ORG', 0.5)], (x) => nameKey(x.text), 0.9);
  assert.deepEqual(
    out.map((x) => x.label),
    ['LOC', 'LOC', 'LOC', 'ORG'],
  );
});

test('documents are harmonised separately; scores follow the new type probability', () => {
  const sentences = [['Dvořák', 'wrote'], ['Dvořák', 'left'], ['Dvořák', 'Corp']];
  const span = (label: string, typeProbability: number) => ({ start: 0, end: 1, label, typeProbability, detection: 0.9, score: 0.9 * typeProbability });
  const predicted = [[span('PER', 0.8)], [span('ORG', 0.5)], [span('ORG', 0.6)]];
  const oneDocument = harmoniseDocuments(sentences, predicted, [0]);
  assert.deepEqual(
    oneDocument.map((l) => l[0].label),
    ['ORG', 'ORG', 'ORG'],
    'ORG has 1.1 against PER 0.8',
  );
  assert.ok(Math.abs(oneDocument[0][0].score - 0.9 * 0.55) < 1e-9);
  const twoDocuments = harmoniseDocuments(sentences, predicted, [0, 2]);
  assert.deepEqual(
    twoDocuments.map((l) => l[0].label),
    ['PER', 'PER', 'ORG'],
  );
});
