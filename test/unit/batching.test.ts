// Batching sentences by length: greedy filling (training, the CNN) and the least-padded split (transformer inference).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leastPaddedBuckets, lengthBuckets } from '../../src/core/batching';
import { seededRandom } from '../../src/core/random';

const cells = (lengths: number[], batches: number[][]) => batches.reduce((sum, b) => sum + b.length * Math.max(...b.map((i) => lengths[i])), 0);

function checkPartition(lengths: number[], batches: number[][], maxTokens: number, maxSentences: number): void {
  assert.deepEqual(batches.flat().sort((a, b) => a - b), lengths.map((_, i) => i), 'every sentence exactly once');
  for (const b of batches) {
    if (b.length === 1) continue; // a sentence longer than the budget gets a batch of its own
    assert.ok(b.length <= maxSentences && b.length * Math.max(...b.map((i) => lengths[i])) <= maxTokens, JSON.stringify(b));
  }
}

test('the least-padded split covers every sentence once, keeps the budget, and pads less than greedy filling', () => {
  const random = seededRandom(7);
  for (let trial = 0; trial < 50; trial++) {
    const lengths = Array.from({ length: 1 + Math.floor(random() * 60) }, () => 3 + Math.floor(random() * (random() < 0.1 ? 300 : 60)));
    const greedy = lengthBuckets(lengths, 512, 256);
    const least = leastPaddedBuckets(lengths, 512, 256, 64);
    checkPartition(lengths, least, 512, 256);
    // Optimal for its cost: never worse than greedy filling under the same cost.
    assert.ok(cells(lengths, least) + 64 * least.length <= cells(lengths, greedy) + 64 * greedy.length, `trial ${trial}`);
  }
  // Short texts are where it matters: greedy filling puts the few long sentences with many short ones' budget.
  const visible = [12, 14, 15, 17, 18, 19, 20, 20, 21, 22, 23, 24, 25, 26, 28, 32, 40, 48, 56, 64];
  assert.ok(cells(visible, leastPaddedBuckets(visible, 512, 256, 64)) < cells(visible, lengthBuckets(visible, 512, 256)));
  // The cost of a batch bounds how finely it splits: nearly free batches give every distinct length its own.
  assert.equal(leastPaddedBuckets(visible, 512, 256, 0.5).length, new Set(visible).size);
  assert.equal(leastPaddedBuckets([600, 5, 5], 512, 256, 64).length, 2, 'a sentence over the budget alone, the others together');
  assert.deepEqual(leastPaddedBuckets([], 512, 256, 64), []);
});
