// How well an adapted model does on its own support set without having seen the answer: each sentence's
// spans are detected by the engine and typed by prototypes built from the *other* sentences' labels.
import type { NerEngine } from '../engine';
import { classifySpans } from '../engine';
import { buildPrototypes } from '../types/prototypes';
import { scoreEntities, type EntityScores } from '../metrics';
import type { SupportSet } from '../adapt';

/** Undefined when fewer than two sentences are labelled: then no sentence has others to be typed by. */
export async function leaveOneOutScores(engine: NerEngine, support: SupportSet): Promise<EntityScores | undefined> {
  if (support.sentences.filter((s) => s.spans.length > 0).length < 2) return undefined;
  const tokens = support.sentences.map((s) => s.tokens);
  const gold = support.sentences.map((s) => s.spans);
  const detected = await engine.detectAndEmbed(tokens);
  const goldEmbeddings = await engine.embedSpans(tokens, gold);
  const { dims, scale } = engine.defaultTypes;
  const predicted = support.sentences.map((_, held) => {
    const embeddings: Float32Array[] = [];
    const labels: string[] = [];
    gold.forEach((spans, i) => {
      if (i === held) return;
      spans.forEach((span, k) => {
        embeddings.push(goldEmbeddings[i][k]);
        labels.push(span.label);
      });
    });
    if (labels.length === 0) return [];
    return classifySpans(buildPrototypes(embeddings, labels, dims, scale), detected[held]);
  });
  return scoreEntities(gold, predicted);
}

/** Per type: how many confirmed mentions it has and, when it can be measured, its held-out F1 (0..1). */
export interface TypeQuality {
  mentions: number;
  f1?: number;
}

/**
 * Leave-one-out quality of each type of a support set: what the panel shows beside the types. A type labelled in
 * one sentence only cannot be held out (its prototype would be gone with the sentence), so it gets no F1.
 */
export async function typeQuality(engine: NerEngine, support: SupportSet): Promise<Record<string, TypeQuality>> {
  const quality: Record<string, TypeQuality> = {};
  for (const s of support.sentences) for (const span of s.spans) (quality[span.label] ??= { mentions: 0 }).mentions++;
  const scores = await leaveOneOutScores(engine, support);
  if (!scores) return quality;
  for (const [label, q] of Object.entries(quality)) {
    const inSentences = support.sentences.filter((s) => s.spans.some((span) => span.label === label)).length;
    const typeScores = scores.perType[label];
    if (inSentences >= 2 && typeScores) q.f1 = typeScores.f1;
  }
  return quality;
}
