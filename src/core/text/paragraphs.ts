// Which paragraph each sentence of a text belongs to: the unit a model trained with document context encodes
// sentences together in. A paragraph ends at a blank line, so the same paragraph gives the same groups whether
// the whole text or only the part of it on screen is highlighted.
import type { SentenceBounds } from './sentences';

const BLANK_LINE = /\n[ \t\f\v\r]*\n|\r[ \t\f\v]*\r/;
const BLANK_LINES = new RegExp(BLANK_LINE.source, 'g');

/** Paragraph index of each sentence (sentences in text order). */
export function paragraphsOf(text: string, sentences: readonly SentenceBounds[]): number[] {
  let paragraph = 0;
  return sentences.map((sentence, i) => {
    if (i > 0 && BLANK_LINE.test(text.slice(sentences[i - 1].end, sentence.start))) paragraph++;
    return paragraph;
  });
}

/**
 * [start, end) grown to whole paragraphs: back to just after the blank line before it, on to the blank line after
 * it. A side with no blank line within `limit` characters stays where it is (unless the text ends there).
 */
export function paragraphBounds(text: string, start: number, end: number, limit = 20_000): { start: number; end: number } {
  const from = Math.max(0, start - limit);
  let grownStart = from === 0 ? 0 : start;
  for (const m of text.slice(from, start).matchAll(BLANK_LINES)) grownStart = from + m.index + m[0].length;
  const after = BLANK_LINE.exec(text.slice(end, end + limit));
  const grownEnd = after ? end + after.index : end + limit >= text.length ? text.length : end;
  return { start: Math.min(grownStart, start), end: Math.max(grownEnd, end) };
}
