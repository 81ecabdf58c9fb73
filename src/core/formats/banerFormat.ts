// BANER's own span JSONL, the shape of `.baner/support.jsonl`: {"text", "spans", "rejected", "source"} per line,
// offsets in UTF-16 code units. The one format that carries everything of a support sentence but its suggestions
// (never gold, so never exported). Read with the support file's reader; a prediction's score is kept on its span.
import { readSupportFile } from '../support/supportFile';
import { formatJsonLines, type JsonObject } from './jsonLines';
import { sortedSpans, type LabelledText, type ReadResult, type WriteResult } from './labelledText';

export function readBaner(content: string, fileName: string): ReadResult {
  const { examples, notes } = readSupportFile(content, fileName);
  const texts = examples.map((example) => {
    const text: LabelledText = { text: example.text, spans: example.spans, rejected: example.rejected };
    if (example.source) text.source = example.source;
    return text;
  });
  return { texts, notes };
}

/** Keys in the support file's order, so that an exported file diffs cleanly against it. */
export function writeBaner(texts: readonly LabelledText[]): WriteResult {
  const lines = texts.map((text) => {
    const line: JsonObject = {
      text: text.text,
      spans: sortedSpans(text.spans).map(({ start, end, label, score }) => (score === undefined ? { start, end, label } : { start, end, label, score: Number(score.toFixed(4)) })),
    };
    if (text.rejected && text.rejected.length > 0) line.rejected = sortedSpans(text.rejected).map(({ start, end }) => ({ start, end }));
    if (text.source) line.source = text.source.folder === undefined ? { path: text.source.path, offset: text.source.offset } : { path: text.source.path, offset: text.source.offset, folder: text.source.folder };
    return line;
  });
  return { content: formatJsonLines(lines), notes: [] };
}
