// "Why this type?": the support mention of a type nearest to a highlighted span, by cosine similarity of
// span embeddings (the same space the prototypes live in).
import type { NerEngine } from '../engine';
import { tokenize } from '../text/tokenize';
import { textToSentence } from '../data/spanJsonl';
import type { CharSpan } from '../types';
import type { SupportExample } from './supportFile';

export interface SupportMention {
  /** Index of the example in the support set. */
  example: number;
  text: string;
  span: CharSpan;
}

export interface NearestMention extends SupportMention {
  similarity: number;
}

/** Embeddings of every labelled support mention, computed once for an engine state (model + adapter). */
export class SupportIndex {
  private constructor(
    private readonly mentions: SupportMention[],
    private readonly embeddings: Float32Array[],
  ) {}

  static async build(engine: NerEngine, examples: readonly SupportExample[]): Promise<SupportIndex> {
    const sentences: string[][] = [];
    const spans: Array<Array<{ start: number; end: number; label: string }>> = [];
    const mentions: SupportMention[] = [];
    examples.forEach((example, index) => {
      const aligned = textToSentence(example, tokenize(example.text));
      sentences.push(aligned.sentence.tokens);
      spans.push(aligned.sentence.spans);
      // textToSentence keeps span order but drops spans that cover no token: keep mentions in step.
      const kept = example.spans.filter((s) => !aligned.issues.some((i) => i.kind === 'dropped' && i.span === s));
      for (const span of kept) mentions.push({ example: index, text: example.text, span });
    });
    const embeddings = (await engine.embedSpans(sentences, spans)).flat();
    return new SupportIndex(mentions, embeddings);
  }

  get size(): number {
    return this.mentions.length;
  }

  /** The support mention of type `label` nearest to `span` of `sentence` (a sentence's text, span offsets in it). */
  async nearest(engine: NerEngine, sentence: string, span: { start: number; end: number }, label: string): Promise<NearestMention | undefined> {
    const candidates = this.mentions.map((m, i) => ({ m, i })).filter(({ m }) => m.span.label === label);
    if (candidates.length === 0) return undefined;
    const tokens = tokenize(sentence);
    const query = textToSentence({ text: sentence, spans: [{ ...span, label }] }, tokens).sentence;
    if (query.spans.length === 0) return undefined;
    const [[embedding]] = await engine.embedSpans([query.tokens], [query.spans]);
    let best: NearestMention | undefined;
    for (const { m, i } of candidates) {
      const similarity = dot(embedding, this.embeddings[i]);
      if (!best || similarity > best.similarity) best = { ...m, similarity };
    }
    return best;
  }
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let d = 0; d < a.length; d++) sum += a[d] * b[d];
  return sum;
}
