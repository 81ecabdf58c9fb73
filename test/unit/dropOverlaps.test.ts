// Overlapping spans from overlapping windows: the best of each overlapping pair is kept, in linear-ish time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropOverlaps } from '../../src/core/engine';
import { seededRandom } from '../../src/core/random';

/** The rule stated plainly (quadratic): best first, keep what overlaps nothing kept. */
function reference<T extends { start: number; end: number; score: number }>(entities: T[]): T[] {
  const kept: T[] = [];
  for (const e of [...entities].sort((a, b) => b.score - a.score)) if (!kept.some((k) => e.start < k.end && k.start < e.end)) kept.push(e);
  return kept.sort((a, b) => a.start - b.start);
}

test('equals the best-first rule on random overlapping spans', () => {
  const random = seededRandom(17);
  for (let round = 0; round < 2000; round++) {
    const spans = Array.from({ length: Math.floor(random() * 30) }, () => {
      const start = Math.floor(random() * 100);
      return { start, end: start + 1 + Math.floor(random() * 8), score: random() };
    });
    assert.deepEqual(dropOverlaps(spans), reference(spans));
  }
});

test('2 million spans take seconds, not hours (the quadratic pass took minutes at 200k lines)', () => {
  const spans = Array.from({ length: 2_000_000 }, (_, i) => ({ start: 3 * i, end: 3 * i + 2 + (i % 7 === 0 ? 2 : 0), score: (i * 7919) % 1000 }));
  const started = performance.now();
  const kept = dropOverlaps(spans);
  const ms = performance.now() - started;
  assert.ok(kept.length > 1_500_000 && kept.length < 2_000_000);
  assert.ok(ms < 5000, `${ms.toFixed(0)} ms`);
});
