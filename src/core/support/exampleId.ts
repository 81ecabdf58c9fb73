// A stable name for a support example, for the panel's buttons: a hash of the file it came from and its text.
// An index would name another sentence as soon as the set changes under a click (a double click, a change from
// another window); the parser keeps one example per file and text, so the id names exactly one.
import { createHash } from 'node:crypto';
import type { SupportExample } from './supportFile';

/** 16 hex digits. */
export function exampleId(example: Pick<SupportExample, 'text' | 'source'>): string {
  const key = JSON.stringify([example.source?.folder ?? '', example.source?.path ?? '', example.text]);
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** The examples without the one called `id`; undefined when none is (removed already, or changed meanwhile). */
export function withoutExample(examples: readonly SupportExample[], id: string): SupportExample[] | undefined {
  const index = examples.findIndex((e) => exampleId(e) === id);
  return index < 0 ? undefined : examples.filter((_, i) => i !== index);
}
