// Document context for the transformer: consecutive sentences of one document share one encoder input, so each
// sentence is encoded with its neighbours, while the heads still see each sentence's own words. The rule is the
// one training used (pack_documents in scripts/transformer/data.py): sentences are taken in order and a pack
// is closed when the document changes, a sentence has no document, or the next sentence would pass the budget.
// Packs therefore depend only on the sentences and their documents, never on what else is in the call.

import { NO_DOCUMENT } from '../model/modelRuntime';

/**
 * Packs of sentence indices: `pieces[i]` is sentence i's piece count, `documents[i]` its document (NO_DOCUMENT or
 * any negative number: alone). A sentence over the budget is a pack of its own.
 */
export function documentPacks(pieces: readonly number[], documents: readonly number[] | undefined, budget: number): number[][] {
  if (!Number.isInteger(budget) || budget < 1) throw new RangeError(`pack budget must be a positive integer, got ${budget}`);
  if (documents !== undefined && documents.length !== pieces.length) throw new RangeError(`${documents.length} documents for ${pieces.length} sentences`);
  const packs: number[][] = [];
  let current: number[] = [];
  let used = 0;
  pieces.forEach((count, i) => {
    const document = documents?.[i] ?? NO_DOCUMENT;
    const previous = current.length > 0 ? (documents?.[current[current.length - 1]] ?? NO_DOCUMENT) : undefined;
    if (current.length > 0 && (document < 0 || previous !== document || used + count > budget)) {
      packs.push(current);
      current = [];
      used = 0;
    }
    current.push(i);
    used += count;
    if (document < 0) {
      packs.push(current);
      current = [];
      used = 0;
    }
  });
  if (current.length > 0) packs.push(current);
  return packs;
}
