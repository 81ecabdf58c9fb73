// CoNLL with IOB2 or BIOES tags: "token<TAB>tag" lines, a blank line after each sentence, optionally "-DOCSTART-"
// before each document (a run of texts from the same source file).
// Writing tokenises with the project tokenizer (cut at span edges, see alignedTokens), one text per sentence.
// Reading goes through the strict parseConll. What CoNLL cannot hold is lost: the whitespace of the text (read back,
// a sentence is its tokens joined by single spaces), sources, rejected spans and scores.
import { formatConll, parseConll, type FormatConllOptions } from '../data/conll';
import { sentenceToText, textToSentence } from '../data/spanJsonl';
import type { TagScheme } from '../data/tagSchemes';
import { NOT_AN_ENTITY } from '../adapters/adapter';
import { sameSourceFile } from '../support/sourcePaths';
import type { LabeledSentence } from '../types';
import { alignTokens, type SpanAdjustment } from './alignedTokens';
import { FormatError } from './formatError';
import type { LabelledText, ReadResult, WriteResult } from './labelledText';
import { describeAdjustments, describeLeftOut } from './writeNotes';

export interface ConllWriteOptions {
  scheme: 'iob2' | 'bioes';
  /** "-DOCSTART-" before each run of texts from one source file. */
  docStart?: boolean;
}

export function writeConll(texts: readonly LabelledText[], options: ConllWriteOptions): WriteResult {
  const format: FormatConllOptions = { scheme: options.scheme, columns: 2 };
  const parts: string[] = [];
  const notes: string[] = [];
  const adjustments: Array<SpanAdjustment & { text: number }> = [];
  let empty = 0;
  texts.forEach((text, index) => {
    if (options.docStart && (index === 0 || !sameDocument(texts[index - 1], text))) parts.push(formatConll([], { ...format, docStart: true }));
    const aligned = alignTokens(text.text, text.spans);
    adjustments.push(...aligned.adjustments.map((adjustment) => ({ ...adjustment, text: index })));
    if (aligned.words.length === 0) {
      empty++; // a CoNLL sentence has at least one token
      return;
    }
    const sentence: LabeledSentence = textToSentence({ text: text.text, spans: aligned.spans }, aligned.words).sentence;
    try {
      parts.push(formatConll([sentence], format));
    } catch (error) {
      throw new FormatError(`cannot write text ${index + 1}${describeSource(text)} as CoNLL: ${(error as Error).message.replace(/^sentence 0, /, '')}`);
    }
  });
  if (empty > 0) notes.push(`${empty} text(s) without a token (only whitespace) left out: a CoNLL sentence needs one`);
  notes.push(...describeAdjustments(adjustments), ...describeLeftOut(texts, 'CoNLL', { rejected: false, source: false, score: false }));
  return { content: parts.join(''), notes };
}

/** Texts of one document: the same source file, or both without a source. */
function sameDocument(a: LabelledText, b: LabelledText): boolean {
  return (a.source === undefined && b.source === undefined) || sameSourceFile(a.source, b.source);
}

function describeSource(text: LabelledText): string {
  return text.source ? ` (${text.source.path}, offset ${text.source.offset})` : '';
}

/**
 * Reads a CoNLL file: every sentence becomes a text, its tokens joined by single spaces. `scheme` 'auto' guesses the
 * scheme from the file (IOB1, IOB2 or BIOES); a named one refuses tags outside it.
 */
export function readConll(content: string, fileName: string, scheme: TagScheme | 'auto'): ReadResult {
  refuseOutsideType(content, fileName);
  const parsed = parseConll(content, { scheme, fileName });
  return { texts: parsed.sentences.map((sentence) => sentenceToText(sentence)), notes: [] };
}

/** "B-O" would make "O", the non-entity, a type; parseConll allows it (CoNLL-style files have no such rule). */
function refuseOutsideType(content: string, fileName: string): void {
  content.split(/\r\n|\r|\n/).forEach((line, index) => {
    const tag = /\S\s+(\S+)\s*$/.exec(line)?.[1]; // the last of two or more columns
    if (tag !== undefined && /^[BIES]-O$/.test(tag) && !line.trimStart().startsWith('-DOCSTART-')) {
      throw FormatError.at(fileName, index + 1, `the tag ${tag} makes "${NOT_AN_ENTITY}" a type; "${NOT_AN_ENTITY}" means "not an entity"`);
    }
  });
}
