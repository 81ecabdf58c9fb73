// Splits a long text into pieces the worker highlights one at a time, so that one request can report progress
// and be cancelled. Pieces end where sentences end (as the engine splits them), at a paragraph's end where one is
// in reach, so no entity and no sentence's context is ever cut in two; the engine sees the same sentences (and
// paragraphs) it would see in the whole text.
import { tokenize } from '../core/text/tokenize';
import { splitSentences } from '../core/text/sentences';
import { paragraphsOf } from '../core/text/paragraphs';

export interface TextChunk {
  /** Character offset of the chunk in the whole text. */
  offset: number;
  text: string;
}

/** Characters read past a candidate cut: the sentence splitter looks at what follows a full stop. */
const LOOKAHEAD = 400;

/**
 * Chunks of about `size` characters, each ending at a sentence end found between half and all of `size`.
 * A sentence longer than that stays whole up to 4 x `size`, and is then cut at whitespace (the engine
 * windows such a sentence anyway).
 */
export function splitIntoChunks(text: string, size: number): TextChunk[] {
  const chunks: TextChunk[] = [];
  let start = 0;
  while (text.length - start > size) {
    const cut = sentenceCut(text, start, size) ?? sentenceCut(text, start, 4 * size) ?? whitespaceCut(text, start, 4 * size);
    if (cut >= text.length) break;
    chunks.push({ offset: start, text: text.slice(start, cut) });
    start = cut;
  }
  chunks.push({ offset: start, text: text.slice(start) });
  return chunks;
}

/** The start of the last sentence that begins within (start + limit/2, start + limit], if any. */
function sentenceCut(text: string, start: number, limit: number): number | undefined {
  const end = Math.min(text.length, start + limit + LOOKAHEAD);
  const piece = text.slice(start, end);
  const sentences = splitSentences(piece, tokenize(piece), { maxTokens: Number.MAX_SAFE_INTEGER });
  // The last sentence start in range, preferably one that begins a paragraph: a model with document context
  // encodes a paragraph's sentences together, and a paragraph cut in two would be encoded differently from the
  // same paragraph highlighted on screen.
  const paragraphs = paragraphsOf(piece, sentences);
  let cut: number | undefined;
  let paragraphCut: number | undefined;
  sentences.forEach((s, i) => {
    if (!(s.start > limit / 2 && s.start <= limit)) return;
    cut = start + s.start;
    if (i > 0 && paragraphs[i] !== paragraphs[i - 1]) paragraphCut = cut;
  });
  return paragraphCut ?? cut;
}

function whitespaceCut(text: string, start: number, limit: number): number {
  const window = text.slice(start + Math.floor(limit / 2), start + limit);
  let last = -1;
  for (const m of window.matchAll(/\s+/g)) last = m.index + m[0].length;
  return last > 0 ? start + Math.floor(limit / 2) + last : start + limit;
}
