// The "next most useful sentence" order (active learning): uncertainty of a span from its detection confidence
// and the margin between its two nearest prototypes; a sentence ranks by its most uncertain span.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rankByUsefulness, sentenceUsefulness, spanDoubts, suggestedSpans, USEFULNESS_RULE } from '../../src/core/active/usefulness';
import { NOT_AN_ENTITY } from '../../src/core/adapters/adapter';
import { classify, normaliseRows, type TypeSpace } from '../../src/core/types/prototypes';

const types: TypeSpace = { labels: ['DRUG', 'PER', NOT_AN_ENTITY], dims: 2, vectors: normaliseRows(Float32Array.from([1, 0, 0, 1, -1, 0]), 2), scale: 10 };
const unit = (x: number, y: number) => normaliseRows(Float32Array.from([x, y]), 2);

test('classify reports the runner-up probability: the typing margin', () => {
  const sure = classify(types, unit(1, 0), 0);
  const torn = classify(types, unit(1, 1), 0);
  assert.equal(sure.label, 'DRUG');
  assert.ok(sure.probability - sure.runnerUp > 0.9, `sure: ${sure.probability} vs ${sure.runnerUp}`);
  assert.ok(Math.abs(torn.probability - torn.runnerUp) < 1e-6, 'halfway between DRUG and PER: no margin');
  assert.ok(torn.probability + torn.runnerUp <= 1 + 1e-9);
});

test('a span is doubtful when its detection is unsure or its two nearest types are close', () => {
  const [sure, lowConfidence, torn] = spanDoubts(types, [
    { start: 0, end: 1, confidence: 0.99, embedding: unit(1, 0) },
    { start: 2, end: 3, confidence: 0.4, embedding: unit(1, 0) },
    { start: 4, end: 5, confidence: 0.99, embedding: unit(1, 1) },
  ]);
  assert.ok(sure.uncertainty < 0.1, String(sure.uncertainty));
  assert.ok(lowConfidence.uncertainty > 0.55, String(lowConfidence.uncertainty));
  assert.ok(torn.uncertainty > 0.95, String(torn.uncertainty));
  assert.equal(sure.label, 'DRUG');
});

test('max ranks by the most doubtful span, sum by all of them (the default)', () => {
  const doubts = (confidences: number[], rule: 'max' | 'sum') => sentenceUsefulness(spanDoubts(types, confidences.map((c, i) => ({ start: i, end: i + 1, confidence: c, embedding: unit(1, 0) }))), rule);
  // One very doubtful span against three fairly doubtful ones.
  assert.deepEqual(rankByUsefulness([doubts([0.2], 'max'), doubts([0.5, 0.5, 0.5], 'max')]), [0, 1]);
  assert.deepEqual(rankByUsefulness([doubts([0.2], 'sum'), doubts([0.5, 0.5, 0.5], 'sum')]), [1, 0]);
  assert.equal(USEFULNESS_RULE, 'sum');
});

test('sentences rank by their doubtful spans; nothing detected ranks last; ties keep their order', () => {
  const doubts = (confidences: number[]) => sentenceUsefulness(spanDoubts(types, confidences.map((c, i) => ({ start: i, end: i + 1, confidence: c, embedding: unit(1, 0) }))));
  const items = [doubts([]), doubts([0.99]), doubts([0.99, 0.3]), doubts([0.6]), doubts([])];
  assert.deepEqual(rankByUsefulness(items), [2, 3, 1, 0, 4]);
  assert.equal(items[0].score, 0);
  assert.equal(items[2].confidence, 0.3, 'the row shows the weakest span');
  const noEntity = sentenceUsefulness(spanDoubts(types, [{ start: 0, end: 1, confidence: 0.9, embedding: unit(-1, 0) }]));
  assert.deepEqual(suggestedSpans(noEntity), [], 'a span nearest the non-entity prototype is no suggestion');
});
