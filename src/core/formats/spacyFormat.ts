// spaCy: one Doc per line as Doc.to_json() writes it and Doc.from_json() reads it: {"text", "ents": [{"start", "end",
// "label"}], "sents": [{"start", "end"}], "tokens": [{"id", "start", "end"}]}, offsets in code points. Docs loaded so
// can go into a DocBin for training:
//   DocBin(docs=[Doc(nlp.vocab).from_json(json.loads(line), validate=True) for line in open(path)]).to_disk("x.spacy")
// Verified with spaCy 3.7.5 (blank "en"; the check, /tmp-only, is described in docs/FORMATS.md): every Doc we write
// loads with validate=True, has exactly our tokens, entities and sentence starts, survives a DocBin round trip, and
// its own to_json() reads back here to the same texts and spans (emoji, ZWJ sequences, accents, CJK, astral CJK,
// tabs, line breaks, leading and trailing whitespace included).
// The source goes in a top-level "meta" object, which from_json ignores (even with validate=True). Not in "_": for
// a custom attribute it has not seen, spaCy 3.7's from_json calls Doc.set_extension(name) without a default, which
// raises E083, so a file with "_" loads only where the attributes were registered first. Read, "_" is looked at too
// (to_json(underscore=["source_path", "source_offset"]) of a Doc that has them).
// Written: tokens cut at span edges plus spaCy's whitespace tokens (alignedTokens), sentences from the project's
// sentence splitter (never inside an entity). Not carried: rejected spans, scores (the schema takes no floats).
// Read: "text", "ents" (none when absent, as to_json leaves it out for a Doc without entity annotation), the source;
// "tokens" must be there (from_json needs it), its content is not used.
import { splitSentences } from '../text/sentences';
import { alignTokens, spacyTokens, type SpanAdjustment } from './alignedTokens';
import type { Fail } from './formatError';
import { isJsonObject, type JsonObject } from './jsonLines';
import { checkNoOverlap, readSpan, type LabelledText } from './labelledText';
import { TextOffsets, type OffsetUnit } from './offsets';
import { sourceFields, sourceFromFields } from './sourceMeta';
import type { CharSpan, Token } from '../types';

/** Where Doc.to_json(underscore=[...]) puts custom attributes. */
const CUSTOM = '_';
/** Ours, beside the Doc's keys: Doc.from_json ignores it. */
const META = 'meta';

export function readSpacyLine(value: JsonObject, unit: OffsetUnit, fail: Fail): LabelledText {
  if (typeof value.text !== 'string') fail('"text" must be a string');
  if (!Array.isArray(value.tokens)) fail('"tokens" must be an array (this is not the JSON of a spaCy Doc, Doc.to_json())');
  if (value.ents !== undefined && !Array.isArray(value.ents)) fail('"ents" must be an array');
  const offsets = new TextOffsets(value.text as string, unit);
  const spans = ((value.ents ?? []) as unknown[]).map((item, index) => {
    const where = `ents[${index}]`;
    if (!isJsonObject(item)) fail(`${where} must be {"start", "end", "label"}`);
    const { start, end, label } = item as JsonObject;
    return readSpan(start, end, label, where, offsets, fail);
  });
  checkNoOverlap(spans, 'ents', fail);
  const text: LabelledText = { text: value.text as string, spans };
  const source = sourceFromFields(value[META], META, fail) ?? sourceFromFields(value[CUSTOM], CUSTOM, fail);
  if (source) text.source = source;
  return text;
}

export function spacyLine(text: LabelledText, unit: OffsetUnit): { line: JsonObject; adjustments: SpanAdjustment[] } {
  const offsets = new TextOffsets(text.text, unit);
  const aligned = alignTokens(text.text, text.spans);
  const at = (offset: number) => offsets.fromUtf16(offset);
  const line: JsonObject = {
    text: text.text,
    ents: aligned.spans.map((span) => ({ start: at(span.start), end: at(span.end), label: span.label })),
    sents: sentencesOf(text.text, aligned.words, aligned.spans).map((sentence) => ({ start: at(sentence.start), end: at(sentence.end) })),
    tokens: spacyTokens(text.text, aligned.words).map((token, id) => ({ id, start: at(token.start), end: at(token.end) })),
  };
  if (text.source) line[META] = sourceFields(text.source);
  return { line, adjustments: aligned.adjustments };
}

/** Sentence ranges (first word's start to last word's end: spaCy token edges), a boundary inside an entity removed. */
function sentencesOf(text: string, words: Token[], spans: readonly CharSpan[]): Array<{ start: number; end: number }> {
  const sentences: Array<{ start: number; end: number }> = [];
  for (const sentence of splitSentences(text, words, { maxTokens: Number.MAX_SAFE_INTEGER })) {
    const previous = sentences[sentences.length - 1];
    const insideEntity = previous !== undefined && spans.some((span) => span.start < sentence.start && sentence.start < span.end);
    if (insideEntity) previous.end = sentence.end;
    else sentences.push({ start: sentence.start, end: sentence.end });
  }
  return sentences;
}
