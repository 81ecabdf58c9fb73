// Overlapping windows over a long token sequence, so that a model with a fixed input size
// sees every token with context on both sides. Each token belongs to exactly one window's
// "keep" region: the part away from the window edges, where predictions are most reliable.

export interface TokenWindow {
  /** Tokens given to the model, end exclusive. */
  start: number;
  end: number;
  /** Tokens whose predictions come from this window, end exclusive; the keep regions tile [0, tokenCount). */
  keepStart: number;
  keepEnd: number;
}

export interface WindowSpan {
  start: number;
  end: number;
  label: string;
  score?: number;
}

/**
 * Windows of `size` tokens, each starting `size - overlap` after the previous one; the last is
 * moved back to end at `tokenCount` rather than being cut short. Neighbouring keep regions meet
 * in the middle of their overlap.
 */
export function makeWindows(tokenCount: number, size: number, overlap: number): TokenWindow[] {
  if (!Number.isInteger(tokenCount) || tokenCount < 0) throw new RangeError(`tokenCount must be a non-negative integer, got ${tokenCount}`);
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`window size must be a positive integer, got ${size}`);
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= size) {
    throw new RangeError(`overlap must be an integer in [0, ${size - 1}], got ${overlap}`);
  }
  if (tokenCount === 0) return [];

  const ranges: Array<[number, number]> = [];
  const stride = size - overlap;
  let start = 0;
  while (start + size < tokenCount) {
    ranges.push([start, start + size]);
    start += stride;
  }
  ranges.push([Math.max(0, tokenCount - size), tokenCount]);

  return ranges.map(([windowStart, windowEnd], index) => {
    const previous = ranges[index - 1];
    const next = ranges[index + 1];
    return {
      start: windowStart,
      end: windowEnd,
      keepStart: previous === undefined ? 0 : Math.floor((windowStart + previous[1]) / 2),
      keepEnd: next === undefined ? tokenCount : Math.floor((next[0] + windowEnd) / 2),
    };
  });
}

/**
 * Merges spans predicted per window (token indices relative to the window start) into one list
 * in absolute token indices. A span is kept only from the window whose keep region holds its
 * start; identical spans (same start, end and label) are kept once, with the highest score.
 * Spans of different windows may still overlap each other; resolving that is up to the caller.
 */
export function mergeWindowSpans<T extends WindowSpan>(windows: TokenWindow[], spansPerWindow: T[][]): T[] {
  if (windows.length !== spansPerWindow.length) {
    throw new RangeError(`got ${spansPerWindow.length} span lists for ${windows.length} windows`);
  }
  const byKey = new Map<string, T>();
  windows.forEach((window, windowIndex) => {
    for (const span of spansPerWindow[windowIndex]) {
      const start = span.start + window.start;
      const end = span.end + window.start;
      if (start < window.keepStart || start >= window.keepEnd) continue;
      const key = `${start}:${end}:${span.label}`;
      const existing = byKey.get(key);
      if (existing === undefined || (span.score ?? -Infinity) > (existing.score ?? -Infinity)) {
        byKey.set(key, { ...span, start, end });
      }
    }
  });
  return [...byKey.values()].sort((a, b) => a.start - b.start || a.end - b.end || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}
