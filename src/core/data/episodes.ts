// Few-shot support sets sampled with the greedy procedure of Few-NERD (Ding et al., 2021): walk the
// sentences in a seeded random order and take a sentence when it helps a type that still has fewer than
// K mentions without pushing any type past 2K. The result has K..2K mentions of every type.
import type { LabeledSentence } from '../types';
import { seededRandom, shuffleInPlace } from '../random';

export interface SupportSample {
  sentences: LabeledSentence[];
  /** Indices of the chosen sentences in the pool. */
  indices: number[];
  counts: Record<string, number>;
  /** Types that could not reach K mentions from this pool. */
  short: string[];
}

export function sampleSupportSet(pool: LabeledSentence[], shots: number, seed: number, types?: string[]): SupportSample {
  if (!Number.isInteger(shots) || shots < 1) throw new RangeError(`shots must be a positive integer, got ${shots}`);
  const wanted = types ?? [...new Set(pool.flatMap((s) => s.spans.map((x) => x.label)))].sort();
  const counts: Record<string, number> = Object.fromEntries(wanted.map((t) => [t, 0]));
  const order = shuffleInPlace(
    pool.map((_, i) => i),
    seededRandom(seed),
  );
  const indices: number[] = [];
  const done = () => wanted.every((t) => counts[t] >= shots);
  for (const i of order) {
    if (done()) break;
    const mentions: Record<string, number> = {};
    for (const span of pool[i].spans) if (span.label in counts) mentions[span.label] = (mentions[span.label] ?? 0) + 1;
    const labels = Object.keys(mentions);
    if (labels.length === 0) continue;
    const helps = labels.some((t) => counts[t] < shots);
    const overflows = labels.some((t) => counts[t] + mentions[t] > 2 * shots);
    if (!helps || overflows) continue;
    for (const t of labels) counts[t] += mentions[t];
    indices.push(i);
  }
  const sentences = indices.map((i) => ({ tokens: pool[i].tokens, spans: pool[i].spans.filter((s) => s.label in counts) }));
  return { sentences, indices, counts, short: wanted.filter((t) => counts[t] < shots) };
}
