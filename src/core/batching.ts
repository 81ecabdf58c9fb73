// Batching by length: sentences of similar length share a padded batch, so little compute is wasted.

/** Groups sentence indices of similar length so padding stays small; each batch has at most maxTokens cells. */
export function lengthBuckets(lengths: number[], maxTokens: number, maxSentences: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  for (const i of order) {
    const time = Math.max(lengths[i], ...current.map((j) => lengths[j]));
    if (current.length > 0 && (time * (current.length + 1) > maxTokens || current.length >= maxSentences)) {
      batches.push(current);
      current = [];
    }
    current.push(i);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
