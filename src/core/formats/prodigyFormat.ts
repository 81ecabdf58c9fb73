// Prodigy's NER tasks: {"text", "tokens": [{"text", "start", "end", "id", "ws"}], "spans": [{"start", "end",
// "token_start", "token_end", "label"}], "meta"} per line; offsets in code points (Prodigy is Python), token_end
// inclusive. Read: "text" and "spans" (tokens and token indices are derived, so ignored); a task answered "reject" or
// "ignore" is skipped, since its spans are not what the annotator accepted. Written with spaCy-style tokens cut at
// span edges (alignedTokens), a prediction's score kept on its span, the source in "meta".
import { alignTokens, spacyTokens, type SpanAdjustment } from './alignedTokens';
import type { Fail } from './formatError';
import { isJsonObject, type JsonObject } from './jsonLines';
import { checkNoOverlap, readSpan, type LabelledText } from './labelledText';
import { TextOffsets, type OffsetUnit } from './offsets';
import { sourceFields, sourceFromFields } from './sourceMeta';

export type ProdigyLine = { kind: 'text'; text: LabelledText } | { kind: 'skipped'; answer: string };

export function readProdigyLine(value: JsonObject, unit: OffsetUnit, fail: Fail): ProdigyLine {
  if (value.answer === 'reject' || value.answer === 'ignore') return { kind: 'skipped', answer: value.answer };
  if (typeof value.text !== 'string') fail('"text" must be a string');
  if (!Array.isArray(value.spans)) fail('"spans" must be an array');
  const offsets = new TextOffsets(value.text as string, unit);
  const spans = (value.spans as unknown[]).map((item, index) => {
    const where = `spans[${index}]`;
    if (!isJsonObject(item)) fail(`${where} must be {"start", "end", "label"}`);
    const { start, end, label, score } = item as JsonObject;
    const span = readSpan(start, end, label, where, offsets, fail);
    if (score !== undefined && typeof score !== 'number') fail(`${where}: "score" must be a number`);
    if (typeof score === 'number') span.score = score;
    return span;
  });
  checkNoOverlap(spans, 'spans', fail);
  const text: LabelledText = { text: value.text as string, spans };
  const source = sourceFromFields(value.meta, 'meta', fail);
  if (source) text.source = source;
  return { kind: 'text', text };
}

export function prodigyLine(text: LabelledText, unit: OffsetUnit): { line: JsonObject; adjustments: SpanAdjustment[] } {
  const offsets = new TextOffsets(text.text, unit);
  const aligned = alignTokens(text.text, text.spans);
  const tokens = spacyTokens(text.text, aligned.words);
  const tokenStarting = new Map(tokens.map((token, index) => [token.start, index]));
  const tokenEnding = new Map(tokens.map((token, index) => [token.end, index]));
  const line: JsonObject = {
    text: text.text,
    tokens: tokens.map((token, id) => ({ text: text.text.slice(token.start, token.end), start: offsets.fromUtf16(token.start), end: offsets.fromUtf16(token.end), id, ws: token.ws })),
    spans: aligned.spans.map((span) => {
      const written: JsonObject = {
        start: offsets.fromUtf16(span.start),
        end: offsets.fromUtf16(span.end),
        token_start: tokenStarting.get(span.start),
        token_end: tokenEnding.get(span.end),
        label: span.label,
      };
      if (span.score !== undefined) written.score = Number(span.score.toFixed(4));
      return written;
    }),
  };
  if (text.source) line.meta = sourceFields(text.source);
  return { line, adjustments: aligned.adjustments };
}
