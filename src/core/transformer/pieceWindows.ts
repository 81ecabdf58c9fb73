// Windows over a long sentence measured in pieces, not words: the transformer sees at most `budget`
// pieces at once (its positions are limited and attention is quadratic). Windows overlap so that every
// word is predicted away from a window edge; the keep regions tile the sentence, as in text/windows.ts,
// so mergeWindowSpans applies unchanged. Nothing is truncated: every word lies in some window.
import type { TokenWindow } from '../text/windows';

/** Pieces per window besides [CLS] and [SEP]: 256 positions keep attention cheap and leave most sentences whole. */
export const WINDOW_PIECES = 254;
/** Share of a window's words that the next window sees again. */
export const WINDOW_OVERLAP = 0.25;

/**
 * Windows over words whose piece counts are `costs`: each window holds at most `budget` pieces, and
 * consecutive windows share about `overlap` (a fraction of a window) of their words. A single word
 * costing more than the budget is a window of its own (callers cap pieces per word below the budget).
 */
export function makePieceWindows(costs: ArrayLike<number>, budget: number, overlap = 0.25): TokenWindow[] {
  const n = costs.length;
  if (!Number.isInteger(budget) || budget < 1) throw new RangeError(`piece budget must be a positive integer, got ${budget}`);
  if (!(overlap >= 0 && overlap < 1)) throw new RangeError(`overlap must be in [0, 1), got ${overlap}`);
  if (n === 0) return [];
  const ranges: Array<[number, number]> = [];
  let start = 0;
  for (;;) {
    let end = start;
    let used = 0;
    while (end < n && (end === start || used + costs[end] <= budget)) used += costs[end++];
    ranges.push([start, end]);
    if (end >= n) break;
    // Step forward by the window minus the overlap, always by at least one word.
    const words = end - start;
    start = Math.max(start + 1, end - Math.floor(words * overlap));
  }
  return ranges.map(([windowStart, windowEnd], index) => {
    const previous = ranges[index - 1];
    const next = ranges[index + 1];
    return {
      start: windowStart,
      end: windowEnd,
      keepStart: previous === undefined ? 0 : Math.floor((windowStart + previous[1]) / 2),
      keepEnd: next === undefined ? n : Math.floor((next[0] + windowEnd) / 2),
    };
  });
}
