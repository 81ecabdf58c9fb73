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

/**
 * Like lengthBuckets, but the split of the length-sorted sentences into batches is the one with the fewest padded
 * cells, counting `batchCost` cells for each batch (a model call's fixed cost). Greedy filling pads a short text
 * badly: the 22 visible lines of a document (394 pieces) took 744 cells in 2 batches, 474 in 4 this way.
 */
export function leastPaddedBuckets(lengths: number[], maxTokens: number, maxSentences: number, batchCost: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const n = order.length;
  // cost[j]: the cheapest split of the first j sentences; start[j]: where its last batch starts.
  const cost = new Float64Array(n + 1).fill(Infinity);
  const start = new Int32Array(n + 1);
  cost[0] = 0;
  for (let j = 1; j <= n; j++) {
    const longest = lengths[order[j - 1]]; // sorted: the batch's last sentence is its longest
    for (let i = j - 1; i >= 0; i--) {
      const count = j - i;
      // A sentence longer than maxTokens still gets a batch of its own.
      if (count > 1 && (count > maxSentences || count * longest > maxTokens)) break;
      const total = cost[i] + count * longest + batchCost;
      if (total < cost[j]) {
        cost[j] = total;
        start[j] = i;
      }
    }
  }
  const batches: number[][] = [];
  for (let j = n; j > 0; j = start[j]) batches.unshift(order.slice(start[j], j));
  return batches;
}
