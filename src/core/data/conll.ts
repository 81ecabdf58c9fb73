// Reading and writing CoNLL-style NER files: one token per line, the NER tag in the last
// column, a whitespace-only line between sentences, optional "-DOCSTART-" document headers.
// Handles both CoNLL-2003 (4 space-separated columns, IOB1) and WNUT/CrossNER (token TAB tag, IOB2).

import { readFile } from 'node:fs/promises';
import type { LabeledSentence } from '../types';
import { detectScheme, parseTag, spansToTags, tagsToSpans, type TagScheme } from './tagSchemes';

export class ConllFormatError extends Error {
  constructor(
    readonly fileName: string,
    readonly line: number,
    problem: string,
  ) {
    super(`${fileName}:${line}: ${problem}`);
    this.name = 'ConllFormatError';
  }
}

export interface ParseConllOptions {
  /** Scheme of the NER column; 'auto' (the default) guesses it from the whole file. */
  scheme?: TagScheme | 'auto';
  /** Used in error messages. */
  fileName?: string;
}

export interface ParsedConll {
  sentences: LabeledSentence[];
  /** The scheme the tags were read as (the detected one for 'auto'). */
  scheme: TagScheme;
  /** Number of -DOCSTART- lines. */
  documents: number;
  /** Index of the first sentence of each document (one document from 0 when the file has no -DOCSTART-). */
  documentStarts: number[];
}

export interface FormatConllOptions {
  scheme: TagScheme;
  /** 2: "token<TAB>tag"; 4: "token POS chunk tag" with "-X-" placeholders for POS and chunk. */
  columns: 2 | 4;
  /** Write one "-DOCSTART-" header (and its blank line) before the sentences. */
  docStart?: boolean;
}

const BLANK_LINE = /^\s*$/;
const DOCSTART = '-DOCSTART-';

function splitColumns(line: string): string[] {
  // With a TAB anywhere the file is tab-separated (tokens may then hold spaces); else spaces.
  const separator = line.includes('\t') ? /\t+/ : / +/;
  return line.replace(/^[ \t]+|[ \t]+$/g, '').split(separator);
}

export function parseConll(content: string, options: ParseConllOptions = {}): ParsedConll {
  const fileName = options.fileName ?? '<input>';
  const lines = content.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const tokenSequences: string[][] = [];
  const tagSequences: string[][] = [];
  let tokens: string[] = [];
  let tags: string[] = [];
  let documents = 0;
  const documentStarts: number[] = [];
  const endSentence = (): void => {
    if (tokens.length === 0) return;
    tokenSequences.push(tokens);
    tagSequences.push(tags);
    tokens = [];
    tags = [];
  };

  lines.forEach((line, index) => {
    const lineNumber = index + 1;
    if (BLANK_LINE.test(line)) {
      endSentence();
      return;
    }
    const columns = splitColumns(line);
    if (columns[0] === DOCSTART) {
      endSentence();
      documents++;
      if (documentStarts[documentStarts.length - 1] !== tokenSequences.length) documentStarts.push(tokenSequences.length);
      return;
    }
    if (columns.length < 2) {
      throw new ConllFormatError(fileName, lineNumber, `expected a token and a tag separated by a space or TAB, got "${line}"`);
    }
    const tag = columns[columns.length - 1];
    const parsed = parseTag(tag);
    if (parsed === undefined) {
      throw new ConllFormatError(fileName, lineNumber, `invalid NER tag "${tag}" (expected O or B-/I-/E-/S- followed by a type)`);
    }
    if (parsed.type.includes(',')) {
      throw new ConllFormatError(fileName, lineNumber, `tag "${tag}" lists alternatives; a gold file needs a single tag per token`);
    }
    tokens.push(columns[0]);
    tags.push(tag);
  });
  endSentence();

  if (tokenSequences.length === 0) {
    throw new ConllFormatError(fileName, Math.max(1, lines.length), 'no sentences found (empty file?)');
  }
  const scheme = options.scheme === undefined || options.scheme === 'auto' ? detectScheme(tagSequences) : options.scheme;
  const sentences = tokenSequences.map((sentenceTokens, index) => ({
    tokens: sentenceTokens,
    spans: tagsToSpans(tagSequences[index], scheme),
  }));
  while (documentStarts.length > 0 && documentStarts[documentStarts.length - 1] >= tokenSequences.length) documentStarts.pop();
  if (documentStarts[0] !== 0) documentStarts.unshift(0);
  return { sentences, scheme, documents, documentStarts };
}

/** A token must read back unchanged: no line breaks, no separator inside, nothing the reader trims or skips. */
function isWritableToken(token: string, columns: 2 | 4): boolean {
  if (token === '' || token === DOCSTART || /[\t\r\n]|^ | $/.test(token)) return false;
  return columns === 2 || !token.includes(' ');
}

export function formatConll(sentences: readonly LabeledSentence[], options: FormatConllOptions): string {
  const separator = options.columns === 2 ? '\t' : ' ';
  const parts: string[] = [];
  if (options.docStart) parts.push(options.columns === 2 ? `${DOCSTART}\tO\n\n` : `${DOCSTART} -X- -X- O\n\n`);
  sentences.forEach((sentence, sentenceIndex) => {
    if (sentence.tokens.length === 0) throw new RangeError(`sentence ${sentenceIndex} has no tokens`);
    const tags = spansToTags(sentence.spans, sentence.tokens.length, options.scheme);
    const lines = sentence.tokens.map((token, tokenIndex) => {
      if (!isWritableToken(token, options.columns)) {
        throw new RangeError(`sentence ${sentenceIndex}, token ${tokenIndex}: "${token}" cannot be written as a CoNLL token`);
      }
      return options.columns === 2 ? `${token}${separator}${tags[tokenIndex]}` : `${token} -X- -X- ${tags[tokenIndex]}`;
    });
    parts.push(lines.join('\n') + '\n\n');
  });
  return parts.join('');
}

/** Reads and parses a CoNLL file; the file name in errors is `path` unless options say otherwise. */
export async function readConllFile(path: string, options: ParseConllOptions = {}): Promise<ParsedConll> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`CoNLL file not found: ${path}`);
    throw new Error(`cannot read CoNLL file ${path}: ${(error as Error).message}`);
  }
  return parseConll(content, { ...options, fileName: options.fileName ?? path });
}
