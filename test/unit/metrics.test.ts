import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scoreEntities, scoreSpansIgnoringType } from '../../src/core/metrics';
import type { TokenSpan } from '../../src/core/types';

const span = (start: number, end: number, label: string): TokenSpan => ({ start, end, label });
const close = (actual: number, expected: number, what: string): void => assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} != ${expected}`);

// Sentence 0: one exact match, one wrong type, one missed. Sentence 1: a boundary mismatch.
// Sentence 2: a prediction that equals a gold span of sentence 0 but lives in another sentence.
// Sentence 3: an exact match and a prediction of a type that gold never uses.
const GOLD: TokenSpan[][] = [[span(0, 2, 'PER'), span(3, 4, 'LOC'), span(5, 7, 'ORG')], [span(1, 3, 'MISC')], [], [span(0, 1, 'PER')]];
const PREDICTED: TokenSpan[][] = [[span(0, 2, 'PER'), span(3, 4, 'ORG')], [span(1, 2, 'MISC')], [span(3, 4, 'LOC')], [span(0, 1, 'PER'), span(2, 3, 'DATE')]];

test('scoreEntities: micro scores, hand-computed', () => {
  const { micro } = scoreEntities(GOLD, PREDICTED);
  assert.deepEqual([micro.tp, micro.fp, micro.fn], [2, 4, 3]);
  close(micro.precision, 2 / 6, 'precision');
  close(micro.recall, 2 / 5, 'recall');
  close(micro.f1, 4 / 11, 'f1');
});

test('scoreEntities: per-type and macro scores, hand-computed', () => {
  const { perType, macro } = scoreEntities(GOLD, PREDICTED);
  assert.deepEqual(Object.keys(perType), ['DATE', 'LOC', 'MISC', 'ORG', 'PER']);
  assert.deepEqual(perType.PER, { precision: 1, recall: 1, f1: 1, tp: 2, fp: 0, fn: 0, support: 2 });
  assert.deepEqual(perType.LOC, { precision: 0, recall: 0, f1: 0, tp: 0, fp: 1, fn: 1, support: 1 });
  assert.deepEqual(perType.ORG, { precision: 0, recall: 0, f1: 0, tp: 0, fp: 1, fn: 1, support: 1 });
  assert.deepEqual(perType.MISC, { precision: 0, recall: 0, f1: 0, tp: 0, fp: 1, fn: 1, support: 1 });
  assert.deepEqual(perType.DATE, { precision: 0, recall: 0, f1: 0, tp: 0, fp: 1, fn: 0, support: 0 });
  close(macro.precision, 1 / 5, 'macro precision');
  close(macro.recall, 1 / 5, 'macro recall');
  close(macro.f1, 1 / 5, 'macro f1');
});

test('scoreEntities: partial credit per type and macro F1 as the mean of per-type F1', () => {
  const gold = [[span(0, 1, 'A'), span(2, 3, 'A'), span(4, 5, 'B')]];
  const predicted = [[span(0, 1, 'A'), span(4, 5, 'B'), span(6, 7, 'B')]];
  const { perType, macro, micro } = scoreEntities(gold, predicted);
  close(perType.A.f1, 2 / 3, 'A f1'); // P 1, R 1/2
  close(perType.B.f1, 2 / 3, 'B f1'); // P 1/2, R 1
  close(macro.precision, 3 / 4, 'macro precision');
  close(macro.recall, 3 / 4, 'macro recall');
  close(macro.f1, 2 / 3, 'macro f1');
  close(micro.f1, 2 / 3, 'micro f1');
});

test('scoreSpansIgnoringType: boundaries only, still per sentence', () => {
  const scores = scoreSpansIgnoringType(GOLD, PREDICTED);
  assert.deepEqual([scores.tp, scores.fp, scores.fn], [3, 3, 2]);
  close(scores.precision, 1 / 2, 'precision');
  close(scores.recall, 3 / 5, 'recall');
  close(scores.f1, 6 / 11, 'f1');
});

test('empty inputs score 0 rather than NaN', () => {
  const nothing = scoreEntities([], []);
  assert.deepEqual(nothing.micro, { precision: 0, recall: 0, f1: 0, tp: 0, fp: 0, fn: 0 });
  assert.deepEqual(nothing.macro, { precision: 0, recall: 0, f1: 0 });
  assert.deepEqual(nothing.perType, {});
  assert.deepEqual(scoreEntities([[], []], [[], []]).micro.f1, 0);
  const missedAll = scoreEntities([[span(0, 1, 'A')]], [[]]);
  assert.deepEqual(missedAll.micro, { precision: 0, recall: 0, f1: 0, tp: 0, fp: 0, fn: 1 });
  const inventedAll = scoreSpansIgnoringType([[]], [[span(0, 1, 'A')]]);
  assert.deepEqual(inventedAll, { precision: 0, recall: 0, f1: 0, tp: 0, fp: 1, fn: 0 });
});

test('duplicate predictions count once; sentence counts must agree', () => {
  const scores = scoreEntities([[span(0, 1, 'A')]], [[span(0, 1, 'A'), span(0, 1, 'A')]]);
  assert.deepEqual([scores.micro.tp, scores.micro.fp], [1, 0]);
  assert.throws(() => scoreEntities([[]], []), RangeError);
  assert.throws(() => scoreSpansIgnoringType([], [[]]), RangeError);
});
