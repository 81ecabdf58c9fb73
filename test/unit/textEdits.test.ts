// Spans kept in step with edits: the bookkeeping behind re-highlighting only the sentences around a keystroke.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { growDirty, shiftSpans, spliceRegion } from '../../src/core/text/textEdits';

const spans = [
  { start: 0, end: 5, label: 'A' },
  { start: 10, end: 15, label: 'B' },
  { start: 20, end: 25, label: 'C' },
];

test('spans before an edit stay, after it move, and those it cuts into go', () => {
  // Insert 3 characters at 7 (between A and B).
  assert.deepEqual(shiftSpans(spans, { offset: 7, removed: 0, inserted: 3 }), [
    { start: 0, end: 5, label: 'A' },
    { start: 13, end: 18, label: 'B' },
    { start: 23, end: 28, label: 'C' },
  ]);
  // Replace 12..22 (inside B to inside C) by one character: both go.
  assert.deepEqual(shiftSpans(spans, { offset: 12, removed: 10, inserted: 1 }), [{ start: 0, end: 5, label: 'A' }]);
  // Delete 5..10 exactly between A and B: both touch it and stay, B moves.
  assert.deepEqual(shiftSpans(spans, { offset: 5, removed: 5, inserted: 0 }).map((s) => [s.start, s.end]), [
    [0, 5],
    [5, 10],
    [15, 20],
  ]);
});

test('the dirty region follows later edits and grows to cover them', () => {
  let dirty = growDirty(undefined, { offset: 30, removed: 0, inserted: 1 });
  assert.deepEqual(dirty, { start: 30, end: 31 });
  // An edit before it moves it.
  dirty = growDirty(dirty, { offset: 10, removed: 0, inserted: 4 });
  assert.deepEqual(dirty, { start: 10, end: 35 });
  // A deletion inside it shrinks its end.
  dirty = growDirty({ start: 30, end: 40 }, { offset: 32, removed: 5, inserted: 0 });
  assert.deepEqual(dirty, { start: 30, end: 35 });
});

test('fresh spans replace the old ones of the region only', () => {
  const fresh = [{ start: 9, end: 12, label: 'X' }];
  assert.deepEqual(spliceRegion(spans, { start: 8, end: 16 }, fresh).map((s) => s.label), ['A', 'X', 'C']);
});
