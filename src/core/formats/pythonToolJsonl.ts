// Reading and writing the JSONL of the Python annotation tools (doccano, Prodigy, spaCy), offsets counted in the
// unit the caller names (code points, as Python counts, unless told otherwise).
import { doccanoLine, isDoccanoLine, readDoccanoLine } from './doccanoFormat';
import { forEachJsonLine, formatJsonLines, type JsonObject } from './jsonLines';
import type { LabelledText, ReadResult, WriteResult } from './labelledText';
import type { OffsetUnit } from './offsets';
import { prodigyLine, readProdigyLine } from './prodigyFormat';
import { readSpacyLine, spacyLine } from './spacyFormat';
import type { SpanAdjustment } from './alignedTokens';
import { describeAdjustments, describeLeftOut } from './writeNotes';

/** doccano or Prodigy lines, told apart line by line: "spans" is Prodigy's, "label" or "entities" doccano's. */
export function readAnnotationJsonl(content: string, fileName: string, unit: OffsetUnit): ReadResult {
  const texts: LabelledText[] = [];
  const skipped = new Map<string, number[]>();
  forEachJsonLine(content, fileName, (value, fail, line) => {
    if (value.spans !== undefined || value.answer !== undefined) {
      const read = readProdigyLine(value, unit, fail);
      if (read.kind === 'text') texts.push(read.text);
      else skipped.set(read.answer, (skipped.get(read.answer) ?? []).concat(line));
    } else if (isDoccanoLine(value)) {
      texts.push(readDoccanoLine(value, unit, fail));
    } else {
      fail('no entities: expected "label" or "entities" (doccano) or "spans" (Prodigy)');
    }
  });
  const notes = [...skipped].map(([answer, lines]) => `${fileName}: ${lines.length} task(s) answered "${answer}" skipped (lines ${listLines(lines)})`);
  return { texts, notes };
}

export function readSpacyJsonl(content: string, fileName: string, unit: OffsetUnit): ReadResult {
  const texts: LabelledText[] = [];
  forEachJsonLine(content, fileName, (value, fail) => texts.push(readSpacyLine(value, unit, fail)));
  return { texts, notes: [] };
}

export type PythonToolFormat = 'doccano' | 'prodigy' | 'spacy';

const CARRIES = {
  doccano: { rejected: false, source: true, score: false },
  prodigy: { rejected: false, source: true, score: true },
  spacy: { rejected: false, source: true, score: false },
};

export function writePythonToolJsonl(format: PythonToolFormat, texts: readonly LabelledText[], unit: OffsetUnit): WriteResult {
  const adjustments: Array<SpanAdjustment & { text: number }> = [];
  const lines: JsonObject[] = texts.map((text, index) => {
    if (format === 'doccano') return doccanoLine(text, unit);
    const written = format === 'prodigy' ? prodigyLine(text, unit) : spacyLine(text, unit);
    adjustments.push(...written.adjustments.map((adjustment) => ({ ...adjustment, text: index })));
    return written.line;
  });
  return { content: formatJsonLines(lines), notes: [...describeAdjustments(adjustments), ...describeLeftOut(texts, format, CARRIES[format])] };
}

/** "3, 7, 12" (at most ten, then "..."). */
function listLines(lines: readonly number[]): string {
  return lines.length > 10 ? `${lines.slice(0, 10).join(', ')}, ...` : lines.join(', ');
}
