// The choice rule behind 'auto' adaptation: a lead that rests on one held-out sentence is not trusted; a lead
// spread over the sentences is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choosePaired } from '../../src/core/adapters/pairedChoice';
import type { TokenSpan } from '../../src/core/types';

const span = (start: number, label = 'X'): TokenSpan => ({ start, end: start + 1, label });
const options = { margin: 1, confidence: 0.9, resamples: 1000, seed: 7 };

/** 20 held-out sentences with 2 entities each; `hits(i)` of them found by a method. */
function sentences(hits: (i: number) => number): TokenSpan[][] {
  return Array.from({ length: 20 }, (_, i) => [span(0), span(5)].slice(0, hits(i)));
}
const gold = sentences(() => 2);

test('a lead on one sentence only is not trusted, though it clears the margin', () => {
  const base = sentences((i) => (i % 2 === 0 ? 1 : 2));
  const lucky = base.map((s, i) => (i === 0 ? [span(0), span(5)] : s));
  const choice = choosePaired(gold, new Map([['none', base], ['full', lucky]]), ['none', 'full'], options);
  assert.ok(choice.scores.full > choice.scores.none + options.margin, JSON.stringify(choice.scores));
  assert.equal(choice.chosen, 'none');
  assert.ok(choice.wins.full < 0.9, `wins ${choice.wins.full}`);
  // With the bootstrap off, the margin alone would take it.
  assert.equal(choosePaired(gold, new Map([['none', base], ['full', lucky]]), ['none', 'full'], { ...options, confidence: 0 }).chosen, 'full');
});

test('a lead spread over many sentences is chosen; a worse method never is', () => {
  const base = sentences((i) => (i % 2 === 0 ? 1 : 2));
  const better = sentences(() => 2);
  const worse = sentences(() => 1);
  const predicted = new Map([['none', base], ['lorahub', worse], ['full', better]]);
  const choice = choosePaired(gold, predicted, ['none', 'lorahub', 'full'], options);
  assert.equal(choice.chosen, 'full');
  assert.ok(choice.wins.full >= 0.9);
  assert.equal(choosePaired(gold, new Map([['none', base], ['lorahub', worse]]), ['none', 'lorahub'], options).chosen, 'none');
});

test('false positives count: a method that finds the same entities plus spurious ones loses', () => {
  const base = sentences(() => 2);
  const noisy = base.map((s) => [...s, span(9, 'Y')]);
  assert.equal(choosePaired(gold, new Map([['none', base], ['full', noisy]]), ['none', 'full'], options).chosen, 'none');
});
