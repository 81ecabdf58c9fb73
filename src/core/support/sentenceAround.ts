// The sentence(s) of a document around a selection: what joins the support set when a span is labelled.
import { tokenize } from '../text/tokenize';
import { splitSentences } from '../text/sentences';

/** How far around the selection to look: sentences are far shorter, and a 5,000-line file stays cheap. */
const CONTEXT_CHARS = 8_000;

export interface TextRange {
  start: number;
  end: number;
}

/**
 * The smallest run of whole sentences of `text` covering [start, end) (several when the selection crosses a
 * sentence boundary); undefined when the selection touches no token (only whitespace).
 */
export function sentenceAround(text: string, start: number, end: number): TextRange | undefined {
  const from = Math.max(0, start - CONTEXT_CHARS);
  const to = Math.min(text.length, end + CONTEXT_CHARS);
  const window = text.slice(from, to);
  const tokens = tokenize(window, from);
  const sentences = splitSentences(window, tokens, { maxTokens: Number.MAX_SAFE_INTEGER, offset: from });
  // An empty selection (a cursor) counts as touching the token it sits in or at the end of.
  const touching = sentences.filter((s) => (start === end ? s.start <= start && start <= s.end : s.start < end && start < s.end));
  if (touching.length === 0) return undefined;
  return { start: touching[0].start, end: touching[touching.length - 1].end };
}
