// Which adaptation to trust, from predictions on held-out sentences: the simplest method wins unless a more
// complex one is better by a margin AND reliably so. Reliability is a paired bootstrap over the held-out
// sentences (Koehn 2004; Berg-Kirkpatrick et al. 2012): resample sentences with replacement and count how
// often the candidate's micro-F1 beats the current choice's. With a handful of support sentences one lucky
// sentence can give a method a large F1 lead on the folds; the bootstrap sees that the lead rests on one
// sentence and keeps the simpler method.
import type { TokenSpan } from '../types';
import { seededRandom } from '../random';

export interface PairedChoiceOptions {
  /** F1 points (percent) the candidate's held-out F1 must gain over the current choice. */
  margin: number;
  /** Share of bootstrap resamples in which the candidate must score higher (0 disables the test). */
  confidence: number;
  resamples: number;
  seed: number;
}

export interface PairedChoice {
  /** Key of the chosen method. */
  chosen: string;
  /** Held-out micro-F1 (percent) of each key. */
  scores: Record<string, number>;
  /** For each candidate compared: the share of resamples in which it beat the choice it was compared with. */
  wins: Record<string, number>;
}

interface Counts {
  tp: Int32Array;
  fp: Int32Array;
  fn: Int32Array;
}

const spanKey = (s: TokenSpan) => `${s.start}:${s.end}:${s.label}`;

/** Per-sentence true positives, false positives and false negatives of exact typed spans. */
function countPerSentence(gold: readonly TokenSpan[][], predicted: readonly TokenSpan[][]): Counts {
  const n = gold.length;
  const c = { tp: new Int32Array(n), fp: new Int32Array(n), fn: new Int32Array(n) };
  for (let i = 0; i < n; i++) {
    const wanted = new Set(gold[i].map(spanKey));
    const found = new Set(predicted[i].map(spanKey));
    let tp = 0;
    for (const k of found) if (wanted.has(k)) tp++;
    c.tp[i] = tp;
    c.fp[i] = found.size - tp;
    c.fn[i] = wanted.size - tp;
  }
  return c;
}

function f1Of(c: Counts, sample: ArrayLike<number>): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let k = 0; k < sample.length; k++) {
    const i = sample[k];
    tp += c.tp[i];
    fp += c.fp[i];
    fn += c.fn[i];
  }
  return tp === 0 ? 0 : (200 * tp) / (2 * tp + fp + fn);
}

/**
 * `ordered`: method keys from simplest to most complex, the first being the default. Each later key replaces
 * the current choice when its F1 is higher by `margin` and it wins in at least `confidence` of the resamples.
 */
export function choosePaired(gold: readonly TokenSpan[][], predicted: ReadonlyMap<string, readonly TokenSpan[][]>, ordered: readonly string[], o: PairedChoiceOptions): PairedChoice {
  const counts = new Map(ordered.map((key) => [key, countPerSentence(gold, predicted.get(key) ?? [])]));
  const all = Int32Array.from(gold.keys());
  const scores: Record<string, number> = {};
  for (const [key, c] of counts) scores[key] = Number(f1Of(c, all).toFixed(2));
  // The same resamples for every comparison (paired), drawn once.
  const random = seededRandom(o.seed);
  const samples = Array.from({ length: o.confidence > 0 ? o.resamples : 0 }, () => Int32Array.from(gold, () => Math.floor(random() * gold.length)));
  let chosen = ordered[0];
  const wins: Record<string, number> = {};
  for (const key of ordered.slice(1)) {
    if (!(scores[key] > scores[chosen] + o.margin)) continue;
    if (samples.length > 0) {
      const [candidate, current] = [counts.get(key)!, counts.get(chosen)!];
      const won = samples.filter((s) => f1Of(candidate, s) > f1Of(current, s)).length / samples.length;
      wins[key] = Number(won.toFixed(3));
      if (won < o.confidence) continue;
    }
    chosen = key;
  }
  return { chosen, scores, wins };
}
