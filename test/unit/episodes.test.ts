import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readConllFile } from '../../src/core/data/conll';
import { sampleSupportSet } from '../../src/core/data/episodes';

test('greedy Few-NERD sampling gives K..2K mentions of every type, reproducibly', async () => {
  const pool = (await readConllFile('../shared/data/wnut17/wnut17train.conll', { scheme: 'iob2' })).sentences;
  for (const shots of [1, 5]) {
    for (const seed of [1, 2, 3]) {
      const sample = sampleSupportSet(pool, shots, seed);
      assert.deepEqual(sample.short, []);
      assert.equal(Object.keys(sample.counts).length, 6);
      for (const [type, n] of Object.entries(sample.counts)) assert.ok(n >= shots && n <= 2 * shots, `${type}: ${n} mentions for K=${shots}`);
      const recount: Record<string, number> = {};
      for (const s of sample.sentences) for (const span of s.spans) recount[span.label] = (recount[span.label] ?? 0) + 1;
      assert.deepEqual(recount, sample.counts);
      assert.deepEqual(sampleSupportSet(pool, shots, seed).indices, sample.indices);
    }
  }
  assert.notDeepEqual(sampleSupportSet(pool, 5, 1).indices, sampleSupportSet(pool, 5, 2).indices);
});
