// Predictions of text files in any format: each file through the engine, then one output for all files or one per
// file. CoNLL holds sentences, so for it (or when asked) a file becomes one text per sentence, its source offset the
// sentence's place in the file; otherwise a file is one text (one doccano/Prodigy task, one spaCy Doc).
import { splitSentences } from '../text/sentences';
import { tokenize } from '../text/tokenize';
import type { CharSpan } from '../types';
import { FormatError } from './formatError';
import { fileExtensionOf, writeTexts, type FormatName, type FormatOptions } from './formatRegistry';
import type { LabelledText } from './labelledText';
import type { TextFile } from './textFiles';

/** What predicts entities: NerEngine, or anything with its highlight(). */
export interface Highlighter {
  highlight(text: string, options?: { threshold?: number }): Promise<CharSpan[]>;
}

export interface PredictOptions {
  threshold?: number;
  /** One text per sentence instead of one per file. */
  sentences?: boolean;
  /** Called after each file (progress). */
  onFile?: (file: TextFile, index: number) => void;
}

export interface PredictedFile {
  file: TextFile;
  texts: LabelledText[];
}

/** Whether `format` needs a file cut into sentences (CoNLL has no place for text between sentences). */
export function needsSentences(format: FormatName): boolean {
  return format.startsWith('conll');
}

export async function predictFiles(engine: Highlighter, files: readonly TextFile[], options: PredictOptions = {}): Promise<PredictedFile[]> {
  const predicted: PredictedFile[] = [];
  for (const [index, file] of files.entries()) {
    const entities = (await engine.highlight(file.text, { threshold: options.threshold ?? 0 })).map(({ start, end, label, score }) => ({ start, end, label, score }));
    const whole: LabelledText = { text: file.text, spans: entities, source: { path: file.relativePath, offset: 0 } };
    predicted.push({ file, texts: options.sentences ? bySentence(whole) : [whole] });
    options.onFile?.(file, index);
  }
  return predicted;
}

/** One text per sentence (the engine's own sentences, so no entity crosses one), offsets shifted to the sentence. */
function bySentence(whole: LabelledText): LabelledText[] {
  const sentences = splitSentences(whole.text, tokenize(whole.text), { maxTokens: Number.MAX_SAFE_INTEGER });
  return sentences.map(({ start, end }) => ({
    text: whole.text.slice(start, end),
    spans: whole.spans.filter((span) => span.start >= start && span.end <= end).map((span) => ({ ...span, start: span.start - start, end: span.end - start })),
    source: { ...whole.source!, offset: whole.source!.offset + start },
  }));
}

export interface PredictionOutput {
  /** Where it goes under the output folder (one output per input), forward slashes; undefined: the one output file. */
  relativePath?: string;
  content: string;
  notes: string[];
}

/** The predictions formatted: all in one output, or one per input file named after it (its path + the format's extension). */
export function predictionOutputs(predicted: readonly PredictedFile[], format: FormatName, layout: 'one-file' | 'per-input', options: FormatOptions = {}): PredictionOutput[] {
  if (layout === 'one-file') return [writeTexts(format, predicted.flatMap((p) => p.texts), options)];
  const seen = new Map<string, string>();
  return predicted.map(({ file, texts }) => {
    const relativePath = file.relativePath + fileExtensionOf(format);
    const other = seen.get(relativePath);
    if (other !== undefined) throw new FormatError(`${other} and ${file.path} would both be written to ${relativePath}; predict them into separate folders`);
    seen.set(relativePath, file.path);
    return { relativePath, ...writeTexts(format, texts, options) };
  });
}
