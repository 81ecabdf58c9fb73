// Edits of the support set, as pure functions from examples to new examples. A sentence joins the set the
// first time one of its spans is labelled, accepted or rejected, and brings its other current highlights along
// as unconfirmed suggestions: the user looked at one span, not at the rest, so the rest is no gold label until
// it is accepted (one by one, or the whole sentence at once). From then on its own labels are what counts.
import type { CharSpan } from '../types';
import type { RejectedSpan, SupportExample, SupportSource } from './supportFile';
import { sameSourceFile } from './sourcePaths';

/** A sentence of a document, in its own coordinates (offset 0 = its first character). */
export interface SentenceRef {
  text: string;
  source?: SupportSource;
  /** The entities highlighted in it now, which become its suggestions if it is new to the support set. */
  highlights?: readonly CharSpan[];
}

export function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
}

/** The example holding this sentence: same text, same file preferred (the same sentence may occur in several files). */
export function findExample(examples: readonly SupportExample[], sentence: SentenceRef): number {
  let fallback = -1;
  for (let i = 0; i < examples.length; i++) {
    if (examples[i].text !== sentence.text) continue;
    if (!sentence.source || sameSourceFile(examples[i].source, sentence.source)) return i;
    if (fallback < 0) fallback = i;
  }
  return fallback;
}

/**
 * The labels a new label `span` would replace and that are worth asking about: those it partly overlaps. A label
 * on exactly the same characters is simply retyped (that is what labelling a highlighted entity means).
 */
export function conflictsWith(examples: readonly SupportExample[], sentence: SentenceRef, span: CharSpan): CharSpan[] {
  const current = labelsOf(examples, sentence);
  return current.filter((s) => overlaps(s, span) && !(s.start === span.start && s.end === span.end));
}

/** Confirmed labels of the sentence in the support set (none while it is not in the set). */
export function labelsOf(examples: readonly SupportExample[], sentence: SentenceRef): CharSpan[] {
  const index = findExample(examples, sentence);
  return index >= 0 ? examples[index].spans : [];
}

/** Unconfirmed suggestions of the sentence: those kept in the set, or its highlights while it is not in the set. */
export function suggestionsOf(examples: readonly SupportExample[], sentence: SentenceRef): CharSpan[] {
  const index = findExample(examples, sentence);
  if (index >= 0) return examples[index].suggested;
  return (sentence.highlights ?? []).map(({ start, end, label }) => ({ start, end, label }));
}

/** Labels `span` in the sentence, replacing labels and suggestions it overlaps and un-rejecting it. */
export function withLabel(examples: readonly SupportExample[], sentence: SentenceRef, span: CharSpan): SupportExample[] {
  return update(examples, sentence, (example) => ({
    ...example,
    spans: sortSpans([...example.spans.filter((s) => !overlaps(s, span)), { start: span.start, end: span.end, label: span.label }]),
    rejected: example.rejected.filter((r) => !overlaps(r, span)),
    suggested: example.suggested.filter((s) => !overlaps(s, span)),
  }));
}

/** Marks `span` as not an entity in the sentence (removing a label or suggestion there). */
export function withRejected(examples: readonly SupportExample[], sentence: SentenceRef, span: RejectedSpan): SupportExample[] {
  return update(examples, sentence, (example) => ({
    ...example,
    spans: example.spans.filter((s) => !overlaps(s, span)),
    rejected: sortSpans([...example.rejected.filter((r) => !overlaps(r, span)), { start: span.start, end: span.end }]),
    suggested: example.suggested.filter((s) => !overlaps(s, span)),
  }));
}

/**
 * Accepts the whole sentence as it is suggested (one key, like Prodigy's ner.correct): every suggestion becomes
 * a confirmed label. A sentence new to the set joins with its highlights as labels. Returns the number of spans
 * confirmed, with the new examples.
 */
export function withSentenceAccepted(examples: readonly SupportExample[], sentence: SentenceRef): { examples: SupportExample[]; confirmed: number } {
  const confirmed = suggestionsOf(examples, sentence).length;
  const next = update(examples, sentence, (example) => ({
    ...example,
    spans: sortSpans([...example.spans, ...example.suggested.map(({ start, end, label }) => ({ start, end, label }))]),
    suggested: [],
  }));
  return { examples: next, confirmed };
}

/**
 * Removes the labels, rejections and suggestions of example `index` that overlap [start, end) (a cursor: start =
 * end, the span around it); an example left with no label and no rejection is dropped (suggestions alone teach
 * nothing). Returns undefined when nothing was there.
 */
export function withoutLabelAt(examples: readonly SupportExample[], index: number, start: number, end: number): SupportExample[] | undefined {
  const example = examples[index];
  const hit = (s: { start: number; end: number }) => (start === end ? s.start <= start && start < s.end : overlaps(s, { start, end }));
  const spans = example.spans.filter((s) => !hit(s));
  const rejected = example.rejected.filter((r) => !hit(r));
  const suggested = example.suggested.filter((s) => !hit(s));
  if (spans.length === example.spans.length && rejected.length === example.rejected.length && suggested.length === example.suggested.length) return undefined;
  const next = [...examples];
  if (spans.length === 0 && rejected.length === 0) next.splice(index, 1);
  else next[index] = { ...example, spans, rejected, suggested };
  return next;
}

/** Suggestions no one has confirmed or rejected yet, in the whole set. */
export function unconfirmedCount(examples: readonly SupportExample[]): number {
  return examples.reduce((n, e) => n + e.suggested.length, 0);
}

/** Confirmed mentions per type, most frequent first. */
export function typeCounts(examples: readonly SupportExample[]): Array<{ label: string; count: number }> {
  const counts = new Map<string, number>();
  for (const e of examples) for (const s of e.spans) counts.set(s.label, (counts.get(s.label) ?? 0) + 1);
  return [...counts].map(([label, count]) => ({ label, count })).sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
}

function update(examples: readonly SupportExample[], sentence: SentenceRef, edit: (example: SupportExample) => SupportExample): SupportExample[] {
  const next = [...examples];
  const index = findExample(examples, sentence);
  if (index >= 0) {
    const edited = edit(examples[index]);
    next[index] = sentence.source ? { ...edited, source: sentence.source } : edited;
  } else {
    const joined: SupportExample = { text: sentence.text, spans: [], rejected: [], suggested: suggestionsOf(examples, sentence) };
    if (sentence.source) joined.source = sentence.source;
    next.push(edit(joined));
  }
  return next;
}

function sortSpans<T extends { start: number; end: number }>(spans: T[]): T[] {
  return spans.sort((a, b) => a.start - b.start || a.end - b.end);
}
