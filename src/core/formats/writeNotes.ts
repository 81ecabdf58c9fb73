// What a writer tells its caller about the texts it could not write exactly as they were.
import type { SpanAdjustment } from './alignedTokens';
import { excerpt } from './formatError';
import type { LabelledText } from './labelledText';

/** Spans moved to token edges or dropped, counted, with the first of each kind as an example. */
export function describeAdjustments(adjustments: ReadonlyArray<SpanAdjustment & { text: number }>): string[] {
  const notes: string[] = [];
  const say = (kind: SpanAdjustment['kind'], what: string) => {
    const some = adjustments.filter((adjustment) => adjustment.kind === kind);
    if (some.length === 0) return;
    const { span, text } = some[0];
    notes.push(`${some.length} span(s) ${what} (the first: text ${text + 1}, ${excerpt(span.label)} at [${span.start}, ${span.end}))`);
  };
  say('trimmed', 'began or ended in whitespace and now begin and end at the tokens they cover');
  say('dropped', 'covered no token (only whitespace) and were left out');
  return notes;
}

/** What the texts hold that `format` does not carry, as notes (nothing when there is nothing to lose). */
export function describeLeftOut(texts: readonly LabelledText[], format: string, carries: { rejected: boolean; source: boolean; score: boolean }): string[] {
  const notes: string[] = [];
  const rejected = carries.rejected ? 0 : texts.reduce((sum, text) => sum + (text.rejected?.length ?? 0), 0);
  if (rejected > 0) notes.push(`${rejected} rejected span(s) not written: ${format} has no place for spans that are not entities`);
  const sources = carries.source ? 0 : texts.filter((text) => text.source !== undefined).length;
  if (sources > 0) notes.push(`the sources of ${sources} text(s) not written: ${format} does not say where a text came from`);
  const scored = carries.score ? false : texts.some((text) => text.spans.some((span) => span.score !== undefined));
  if (scored) notes.push(`scores not written: ${format} has no place for them`);
  return notes;
}
