// One type per name in a document: a name repeated in one document is usually the same entity, yet a
// sentence-level typer can call "Dvořák" PER in one sentence and ORG in the next. Mentions of one surface
// form take the type their evidence supports most (summed type probability), unless a mention is itself
// confident in another type: that is the case where the contexts clearly disagree ("Washington" the
// person and the city), and it keeps its own type.

export interface TypedMention {
  label: string;
  /** Probability of the mention's type (stage 2), 0..1. */
  typeProbability: number;
}

/** Default confidence above which a mention keeps its own type (chosen on CoNLL-2003 dev; docs/BENCHMARKS.md). */
export const KEEP_OWN_TYPE_ABOVE = 0.9;

/** The surface form mentions are grouped by: whitespace collapsed, case kept ("US" is not "us"). */
export function nameKey(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

/**
 * Returns the mentions (same order) with the labels of repeated names harmonised; `keyOf` gives a
 * mention's name. Mentions whose label changes get the winning label's mean probability.
 */
export function oneTypePerName<T extends TypedMention>(mentions: readonly T[], keyOf: (m: T, index: number) => string, keepAbove = KEEP_OWN_TYPE_ABOVE): T[] {
  const groups = new Map<string, number[]>();
  mentions.forEach((m, i) => {
    const key = keyOf(m, i);
    const list = groups.get(key);
    if (list) list.push(i);
    else groups.set(key, [i]);
  });
  const out = [...mentions];
  for (const indices of groups.values()) {
    if (indices.length < 2) continue;
    const weight = new Map<string, number>();
    for (const i of indices) weight.set(mentions[i].label, (weight.get(mentions[i].label) ?? 0) + mentions[i].typeProbability);
    if (weight.size < 2) continue;
    let winner = '';
    let best = -Infinity;
    for (const [label, w] of weight) {
      if (w > best || (w === best && label < winner)) {
        best = w;
        winner = label;
      }
    }
    const count = indices.filter((i) => mentions[i].label === winner).length;
    for (const i of indices) {
      const m = mentions[i];
      if (m.label === winner || m.typeProbability >= keepAbove) continue;
      out[i] = { ...m, label: winner, typeProbability: best / count };
    }
  }
  return out;
}

/** A typed token span with its scores (ScoredTokenSpan of the engine). */
interface ScoredSpan extends TypedMention {
  start: number;
  end: number;
  detection: number;
  score: number;
}

/**
 * oneTypePerName over tokenised documents: sentences[documentStarts[d]..documentStarts[d+1]) form document d.
 * Scores of relabelled spans are detection x the new type probability.
 */
export function harmoniseDocuments<T extends ScoredSpan>(sentences: readonly string[][], predicted: readonly T[][], documentStarts: readonly number[], keepAbove = KEEP_OWN_TYPE_ABOVE): T[][] {
  const out = predicted.map((list) => [...list]);
  const starts = documentStarts.length > 0 ? [...documentStarts] : [0];
  for (let d = 0; d < starts.length; d++) {
    const from = starts[d];
    const to = d + 1 < starts.length ? starts[d + 1] : sentences.length;
    const refs: Array<{ s: number; k: number; span: T }> = [];
    for (let s = from; s < to; s++) predicted[s].forEach((span, k) => refs.push({ s, k, span }));
    const harmonised = oneTypePerName(
      refs.map((r) => r.span),
      (span, i) => sentences[refs[i].s].slice(span.start, span.end).join(' '),
      keepAbove,
    );
    harmonised.forEach((span, i) => {
      const { s, k } = refs[i];
      out[s][k] = span === refs[i].span ? span : { ...span, score: span.detection * span.typeProbability };
    });
  }
  return out;
}
