// The sentences of a text with how useful labelling each would be, in character offsets of the text: what
// the editor's "next sentences" view lists (the ranking across documents is the caller's).
import type { NerEngine } from '../engine';
import { tokenize } from '../text/tokenize';
import { splitSentences } from '../text/sentences';
import { suggestedSpans } from './usefulness';

export interface RankedSentence {
  /** Offsets of the sentence in the text. */
  start: number;
  end: number;
  /** The sum of its spans' uncertainties (each 0..1; 0: nothing detected, nothing to ask). */
  score: number;
  /** Detection confidence and typing margin of that span. */
  confidence: number;
  margin: number;
  /** The model's suggestions in it (text offsets), those typed as entities. */
  suggestions: Array<{ start: number; end: number; label: string }>;
}

export async function rankText(engine: NerEngine, text: string): Promise<RankedSentence[]> {
  const tokens = tokenize(text);
  const sentences = splitSentences(text, tokens, { maxTokens: Number.MAX_SAFE_INTEGER }).filter((s) => s.tokenEnd > s.tokenStart);
  const usefulness = await engine.usefulness(sentences.map((s) => tokens.slice(s.tokenStart, s.tokenEnd).map((t) => t.text)));
  return sentences.map((s, i) => {
    const own = tokens.slice(s.tokenStart, s.tokenEnd);
    const u = usefulness[i];
    return {
      start: s.start,
      end: s.end,
      score: u.score,
      confidence: u.confidence,
      margin: u.margin,
      suggestions: suggestedSpans(u).map((span) => ({ start: own[span.start].start, end: own[span.end - 1].end, label: span.label })),
    };
  });
}
