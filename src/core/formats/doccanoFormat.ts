// doccano's sequence-labelling JSONL: {"text": ..., "label": [[start, end, "TYPE"], ...]} per line, offsets in code
// points (doccano's server is Python). Its newer export with {"entities": [{"start_offset", "end_offset", "label"}]}
// is read too. The source rides in "meta" (doccano keeps other keys as the text's metadata). Written: "text",
// "label", "meta"; no tokens, so spans keep exactly their characters.
import type { Fail } from './formatError';
import { isJsonObject, type JsonObject } from './jsonLines';
import { checkNoOverlap, readSpan, sortedSpans, type LabelledText } from './labelledText';
import { TextOffsets, type OffsetUnit } from './offsets';
import { sourceFields, sourceFromFields } from './sourceMeta';

/** Whether a line looks like doccano's (it has "label" or "entities"). */
export function isDoccanoLine(value: JsonObject): boolean {
  return value.label !== undefined || value.entities !== undefined;
}

export function readDoccanoLine(value: JsonObject, unit: OffsetUnit, fail: Fail): LabelledText {
  if (typeof value.text !== 'string') fail('"text" must be a string');
  const offsets = new TextOffsets(value.text as string, unit);
  const spans =
    value.label !== undefined
      ? listOf(value.label, 'label', fail).map((item, index) => {
          const where = `label[${index}]`;
          if (typeof item === 'string') fail(`${where} is a bare label: this looks like a text classification export, not sequence labelling`);
          if (!Array.isArray(item) || item.length !== 3) fail(`${where} must be [start, end, "TYPE"]`);
          const [start, end, label] = item as unknown[];
          return readSpan(start, end, label, where, offsets, fail);
        })
      : listOf(value.entities, 'entities', fail).map((item, index) => {
          const where = `entities[${index}]`;
          if (!isJsonObject(item)) fail(`${where} must be {"start_offset", "end_offset", "label"}`);
          const { start_offset: start, end_offset: end, label } = item as JsonObject;
          return readSpan(start, end, label, where, offsets, fail);
        });
  checkNoOverlap(spans, value.label !== undefined ? 'label' : 'entities', fail);
  const text: LabelledText = { text: value.text as string, spans };
  const source = sourceFromFields(value.meta, 'meta', fail);
  if (source) text.source = source;
  return text;
}

function listOf(value: unknown, key: string, fail: Fail): unknown[] {
  if (!Array.isArray(value)) fail(`"${key}" must be an array`);
  return value as unknown[];
}

export function doccanoLine(text: LabelledText, unit: OffsetUnit): JsonObject {
  const offsets = new TextOffsets(text.text, unit);
  const line: JsonObject = {
    text: text.text,
    label: sortedSpans(text.spans).map((span) => [offsets.fromUtf16(span.start), offsets.fromUtf16(span.end), span.label]),
  };
  if (text.source) line.meta = sourceFields(text.source);
  return line;
}
