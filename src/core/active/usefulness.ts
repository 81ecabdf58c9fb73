// Which unlabelled sentence is worth labelling next (active learning): the one the model is least sure about.
// A detected span is uncertain when its detection confidence is low or when its two nearest prototypes are
// close (a small typing margin); a sentence is as useful as its most uncertain span. The non-entity prototype
// counts as a type here: a span torn between "DRUG" and "not an entity" is as informative as one torn
// between two types. A sentence's usefulness adds up the doubts of its spans (see USEFULNESS_RULE).
import { NOT_AN_ENTITY } from '../adapters/adapter';
import { classify, type TypeSpace } from '../types/prototypes';

/** A detected span as stage 1 gives it: token offsets, detection confidence and unit-length embedding. */
export interface DetectedForRanking {
  start: number;
  end: number;
  confidence: number;
  embedding: Float32Array;
}

export interface SpanDoubt {
  start: number;
  end: number;
  /** The nearest type (NOT_AN_ENTITY when the span is more likely no entity). */
  label: string;
  confidence: number;
  /** Probability of the nearest type minus that of the second nearest (0..1). */
  margin: number;
  /** 1 - confidence x margin: 0 for a sure span, 1 for a coin toss. */
  uncertainty: number;
}

/**
 * How span doubts add up to a sentence's score: 'max', the most doubtful span (a sentence is worth what its
 * hardest question is); 'sum', all of them (a sentence with several doubtful spans teaches more).
 */
export type UsefulnessRule = 'max' | 'sum';

export interface SentenceUsefulness {
  /** By the rule: the most uncertain span's uncertainty, or the sum of all (0 when nothing was detected: nothing to ask about). */
  score: number;
  /** Detection confidence and typing margin of that span (1 and 1 when there is none). */
  confidence: number;
  margin: number;
  spans: SpanDoubt[];
}

/**
 * The rule the editor ranks by: chosen on the dev splits of the six few-shot targets (docs/BENCHMARKS.md,
 * "Active learning"): 'sum' gained +0.69 F1 over random sentences on average (5 of 6 targets), 'max' -0.55.
 */
export const USEFULNESS_RULE: UsefulnessRule = 'sum';

export function spanDoubts(types: TypeSpace, spans: readonly DetectedForRanking[]): SpanDoubt[] {
  return spans.map((span) => {
    const typed = classify(types, span.embedding, 0);
    const margin = Math.max(0, typed.probability - typed.runnerUp);
    return { start: span.start, end: span.end, label: typed.label, confidence: span.confidence, margin, uncertainty: 1 - span.confidence * margin };
  });
}

export function sentenceUsefulness(spans: readonly SpanDoubt[], rule: UsefulnessRule = USEFULNESS_RULE): SentenceUsefulness {
  let worst: SpanDoubt | undefined;
  for (const s of spans) if (!worst || s.uncertainty > worst.uncertainty) worst = s;
  const score = rule === 'max' ? (worst?.uncertainty ?? 0) : spans.reduce((n, s) => n + s.uncertainty, 0);
  return { score, confidence: worst?.confidence ?? 1, margin: worst?.margin ?? 1, spans: [...spans] };
}

/**
 * Indices of `items` from most to least useful; ties (e.g. sentences with nothing detected) keep their order,
 * and a sentence with more doubtful spans goes first among equal scores.
 */
export function rankByUsefulness(items: readonly SentenceUsefulness[]): number[] {
  const doubtful = (u: SentenceUsefulness) => u.spans.filter((s) => s.uncertainty >= 0.5).length;
  return items
    .map((_, i) => i)
    .sort((a, b) => items[b].score - items[a].score || doubtful(items[b]) - doubtful(items[a]) || a - b);
}

/** The spans a ranking row shows as suggestions: those typed as entities. */
export function suggestedSpans(u: SentenceUsefulness): SpanDoubt[] {
  return u.spans.filter((s) => s.label !== NOT_AN_ENTITY);
}
