// Where support sentences are in a document now: edits since labelling move them, so each is searched for
// by its text, nearest to the offset it was labelled at.
import type { SupportExample } from './supportFile';
import { sameSourceFile, type SourceFile } from './sourcePaths';

export interface LocatedExample {
  /** Index in the support set. */
  index: number;
  /** Offset of the sentence's first character in the document. */
  offset: number;
}

/** The examples labelled in the file `file` (whose text is `text` now) that still occur in it. */
export function locateExamples(text: string, examples: readonly SupportExample[], file: SourceFile): LocatedExample[] {
  const located: LocatedExample[] = [];
  examples.forEach((example, index) => {
    if (!example.source || !sameSourceFile(example.source, file)) return;
    const offset = nearestOccurrence(text, example.text, example.source.offset);
    if (offset >= 0) located.push({ index, offset });
  });
  return located;
}

/** The occurrence of `needle` in `text` starting closest to `near`, or -1. */
export function nearestOccurrence(text: string, needle: string, near: number): number {
  if (needle === '') return -1;
  if (text.startsWith(needle, near)) return near;
  let best = -1;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
    if (best < 0 || Math.abs(at - near) < Math.abs(best - near)) best = at;
    if (at > near) break; // later ones are only farther
  }
  return best;
}
