// Stage 1 emits type-agnostic BIOES tags per token; spans are read from the best valid tag path.
import type { TokenSpan } from '../types';

export const SPAN_TAGS = ['O', 'B', 'I', 'E', 'S'] as const;
export const TAG_O = 0;
export const TAG_B = 1;
export const TAG_I = 2;
export const TAG_E = 3;
export const TAG_S = 4;
const TAGS = SPAN_TAGS.length;

/** allowed[prev][next]: a span opens with B and closes with E, or is a single S. */
const ALLOWED: boolean[][] = [
  /* O */ [true, true, false, false, true],
  /* B */ [false, false, true, true, false],
  /* I */ [false, false, true, true, false],
  /* E */ [true, true, false, false, true],
  /* S */ [true, true, false, false, true],
];
const CAN_START = [true, true, false, false, true];
const CAN_END = [true, false, false, true, true];

/** Type-agnostic BIOES tag ids of a sentence from its spans (overlaps: the first span wins). */
export function spansToTagIds(length: number, spans: TokenSpan[]): Int32Array {
  const tags = new Int32Array(length); // all O
  for (const { start, end } of spans) {
    if (start < 0 || end > length || start >= end) continue;
    let free = true;
    for (let t = start; t < end; t++) if (tags[t] !== TAG_O) free = false;
    if (!free) continue;
    if (end - start === 1) tags[start] = TAG_S;
    else {
      tags[start] = TAG_B;
      for (let t = start + 1; t < end - 1; t++) tags[t] = TAG_I;
      tags[end - 1] = TAG_E;
    }
  }
  return tags;
}

export interface DetectedSpan {
  start: number;
  end: number;
  /** Geometric mean of the chosen tags' probabilities over the span's tokens. */
  confidence: number;
}

/**
 * Best valid BIOES path (Viterbi) over per-token log-probabilities, as spans.
 * logProbs holds `length` rows of 5 values starting at `offset`.
 */
export function decodeSpans(logProbs: Float32Array, length: number, offset = 0): DetectedSpan[] {
  if (length === 0) return [];
  const score = new Float64Array(length * TAGS);
  const back = new Int8Array(length * TAGS);
  for (let k = 0; k < TAGS; k++) score[k] = CAN_START[k] ? logProbs[offset + k] : -Infinity;
  for (let t = 1; t < length; t++) {
    for (let k = 0; k < TAGS; k++) {
      let best = -Infinity;
      let arg = 0;
      for (let j = 0; j < TAGS; j++) {
        if (!ALLOWED[j][k]) continue;
        const s = score[(t - 1) * TAGS + j];
        if (s > best) {
          best = s;
          arg = j;
        }
      }
      score[t * TAGS + k] = best + logProbs[offset + t * TAGS + k];
      back[t * TAGS + k] = arg;
    }
  }
  let last = 0;
  let bestEnd = -Infinity;
  for (let k = 0; k < TAGS; k++) {
    const s = score[(length - 1) * TAGS + k];
    if (CAN_END[k] && s > bestEnd) {
      bestEnd = s;
      last = k;
    }
  }
  const path = new Int8Array(length);
  path[length - 1] = last;
  for (let t = length - 1; t > 0; t--) path[t - 1] = back[t * TAGS + path[t]];

  const spans: DetectedSpan[] = [];
  let open = -1;
  let logSum = 0;
  for (let t = 0; t < length; t++) {
    const tag = path[t];
    const lp = logProbs[offset + t * TAGS + tag];
    if (tag === TAG_S) spans.push({ start: t, end: t + 1, confidence: Math.exp(lp) });
    else if (tag === TAG_B) {
      open = t;
      logSum = lp;
    } else if (tag === TAG_I) logSum += lp;
    else if (tag === TAG_E && open >= 0) {
      logSum += lp;
      spans.push({ start: open, end: t + 1, confidence: Math.exp(logSum / (t + 1 - open)) });
      open = -1;
    }
  }
  return spans;
}
