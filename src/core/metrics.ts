// Entity-level scores in the style of seqeval: a predicted entity counts only when its start,
// end and type all equal a gold entity of the same sentence. Scores are fractions in [0, 1];
// a ratio with a zero denominator is 0, as seqeval reports it. Repeated identical spans within
// a sentence count once (seqeval works on sets of entities too).

import type { TokenSpan } from './types';

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

export interface PrecisionRecallF1 {
  precision: number;
  recall: number;
  f1: number;
}

export type CountedScores = PrecisionRecallF1 & Counts;
export type TypeScores = CountedScores & { support: number };

export interface EntityScores {
  micro: CountedScores;
  /** Unweighted mean over entity types (those in gold or predictions) of their precision, recall and F1. */
  macro: PrecisionRecallF1;
  perType: Record<string, TypeScores>;
}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

function scoresFromCounts({ tp, fp, fn }: Counts): CountedScores {
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  return { precision, recall, f1: ratio(2 * precision * recall, precision + recall), tp, fp, fn };
}

function checkSameSentenceCount(gold: readonly unknown[], predicted: readonly unknown[]): void {
  if (gold.length !== predicted.length) {
    throw new RangeError(`gold has ${gold.length} sentences but predictions have ${predicted.length}`);
  }
}

/** Distinct spans of one sentence, keyed by `keyOf`, with the label kept for per-type counts. */
function distinct(spans: readonly TokenSpan[], keyOf: (span: TokenSpan) => string): Map<string, string> {
  const byKey = new Map<string, string>();
  for (const span of spans) byKey.set(keyOf(span), span.label);
  return byKey;
}

const typedKey = (span: TokenSpan): string => `${span.start}:${span.end}:${span.label}`;
const untypedKey = (span: TokenSpan): string => `${span.start}:${span.end}`;

export function scoreEntities(gold: readonly (readonly TokenSpan[])[], predicted: readonly (readonly TokenSpan[])[]): EntityScores {
  checkSameSentenceCount(gold, predicted);
  const countsByType = new Map<string, Counts>();
  const countsOf = (label: string): Counts => {
    let counts = countsByType.get(label);
    if (counts === undefined) {
      counts = { tp: 0, fp: 0, fn: 0 };
      countsByType.set(label, counts);
    }
    return counts;
  };
  gold.forEach((goldSpans, sentence) => {
    const goldSet = distinct(goldSpans, typedKey);
    const predictedSet = distinct(predicted[sentence], typedKey);
    for (const [key, label] of predictedSet) {
      if (goldSet.has(key)) countsOf(label).tp++;
      else countsOf(label).fp++;
    }
    for (const [key, label] of goldSet) {
      if (!predictedSet.has(key)) countsOf(label).fn++;
    }
  });

  const total: Counts = { tp: 0, fp: 0, fn: 0 };
  const perType: Record<string, TypeScores> = {};
  for (const label of [...countsByType.keys()].sort()) {
    const counts = countsByType.get(label)!;
    total.tp += counts.tp;
    total.fp += counts.fp;
    total.fn += counts.fn;
    perType[label] = { ...scoresFromCounts(counts), support: counts.tp + counts.fn };
  }
  const types = Object.values(perType);
  const mean = (pick: (scores: TypeScores) => number): number => ratio(types.reduce((sum, scores) => sum + pick(scores), 0), types.length);
  return {
    micro: scoresFromCounts(total),
    macro: { precision: mean((s) => s.precision), recall: mean((s) => s.recall), f1: mean((s) => s.f1) },
    perType,
  };
}

/** Span detection quality: a prediction counts when its start and end match a gold span, whatever the types. */
export function scoreSpansIgnoringType(gold: readonly (readonly TokenSpan[])[], predicted: readonly (readonly TokenSpan[])[]): CountedScores {
  checkSameSentenceCount(gold, predicted);
  const total: Counts = { tp: 0, fp: 0, fn: 0 };
  gold.forEach((goldSpans, sentence) => {
    const goldSet = distinct(goldSpans, untypedKey);
    const predictedSet = distinct(predicted[sentence], untypedKey);
    let matches = 0;
    for (const key of predictedSet.keys()) if (goldSet.has(key)) matches++;
    total.tp += matches;
    total.fp += predictedSet.size - matches;
    total.fn += goldSet.size - matches;
  });
  return scoresFromCounts(total);
}
