// Reading and writing CoNLL-style NER files: one token per line, the NER tag in the last
// column, a whitespace-only line between sentences, optional "-DOCSTART-" document headers.
// Handles both CoNLL-2003 (4 space-separated columns, IOB1) and WNUT/CrossNER (token TAB tag, IOB2).
// The reader is strict, so that a damaged line fails loudly instead of changing scores: one rule splits
// columns (any run of whitespace), every line has the file's number of columns, tags follow the scheme's
// grammar, and a token is read only if the writer could have written it. Errors give the line and column,
// never the line's text.

import { readFile } from 'node:fs/promises';
import type { LabeledSentence } from '../types';
import { detectScheme, parseTag, spansToTags, tagsToSpans, type TagScheme } from './tagSchemes';
import { decodeUtf8Text } from './utf8Text';

export class ConllFormatError extends Error {
  constructor(
    readonly fileName: string,
    readonly line: number,
    problem: string,
    /** 1-based column of the problem in the line (in UTF-16 code units, as editors count), when there is one. */
    readonly column?: number,
  ) {
    super(`${fileName}:${line}:${column === undefined ? '' : `${column}:`} ${problem}`);
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

/**
 * Columns are separated by any run of whitespace (JavaScript's \s: spaces, TABs, Unicode spaces), and a line of
 * nothing else separates sentences; the writer never puts whitespace inside a token.
 */
const SEPARATOR = /\s+/g;
const BLANK_LINE = /^\s*$/;
const DOCSTART = '-DOCSTART-';
/** Entity type names: letters, digits, "_", "-", "." (what the extension accepts as a type name). */
const TYPE_NAME = /^[\p{L}\p{N}_.-]+$/u;
const CONTROL = /\p{Cc}/u;
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why `token` cannot be a CoNLL token (undefined: it can). Reader and writer share this rule, so that what
 * one writes the other reads back unchanged, and what one refuses the other refuses too.
 */
export function conllTokenProblem(token: string): { problem: string; at: number } | undefined {
  if (token === '') return { problem: 'an empty token', at: 0 };
  if (token === DOCSTART) return { problem: `a token may not be ${DOCSTART}, the document marker`, at: 0 };
  const checks: Array<[RegExp, string]> = [
    [/\s/, 'a token may not contain whitespace (it separates columns)'],
    [CONTROL, 'a token may not contain a control character'],
    [UNPAIRED_SURROGATE, 'a token may not contain an unpaired UTF-16 surrogate (not a Unicode character)'],
  ];
  for (const [pattern, problem] of checks) {
    const match = pattern.exec(token);
    if (match) return { problem, at: match.index };
  }
  return undefined;
}

/** Why `label` cannot be an entity type in a tag (undefined: it can). */
export function conllTypeProblem(label: string): string | undefined {
  if (label.includes(',')) return 'the tag lists alternatives; a gold file needs a single tag per token';
  if (!TYPE_NAME.test(label)) return 'an entity type is letters, digits, "_", "-" or "." (at least one)';
  return undefined;
}

interface Column {
  text: string;
  /** 1-based character column where it starts in the line. */
  at: number;
}

function splitColumns(line: string): Column[] {
  const columns: Column[] = [];
  let start = 0;
  for (const match of line.matchAll(SEPARATOR)) {
    if (match.index > start) columns.push({ text: line.slice(start, match.index), at: start + 1 });
    start = match.index + match[0].length;
  }
  if (start < line.length) columns.push({ text: line.slice(start), at: start + 1 });
  return columns;
}

const SCHEME_NAMES: Record<TagScheme, string> = { iob1: 'IOB1', iob2: 'IOB2', bioes: 'BIOES' };

export function parseConll(content: string, options: ParseConllOptions = {}): ParsedConll {
  const fileName = options.fileName ?? '<input>';
  const explicitScheme = options.scheme === undefined || options.scheme === 'auto' ? undefined : options.scheme;
  const lines = content.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const tokenSequences: string[][] = [];
  const tagSequences: string[][] = [];
  let tokens: string[] = [];
  let tags: string[] = [];
  let documents = 0;
  const documentStarts: number[] = [];
  /** The file's column count: that of its first token line. */
  let fileColumns: { count: number; line: number } | undefined;
  const endSentence = (): void => {
    if (tokens.length === 0) return;
    tokenSequences.push(tokens);
    tagSequences.push(tags);
    tokens = [];
    tags = [];
  };

  lines.forEach((line, index) => {
    const lineNumber = index + 1;
    const fail = (problem: string, column?: number): never => {
      throw new ConllFormatError(fileName, lineNumber, problem, column);
    };
    if (BLANK_LINE.test(line)) {
      endSentence();
      return;
    }
    const columns = splitColumns(line);
    // A header's placeholder columns vary between releases ("-DOCSTART- -X- O O", "-DOCSTART- -X- -X- O").
    if (columns[0].text === DOCSTART) {
      endSentence();
      documents++;
      if (documentStarts[documentStarts.length - 1] !== tokenSequences.length) documentStarts.push(tokenSequences.length);
      return;
    }
    if (columns.length < 2) return fail('expected a token and a tag separated by spaces or a TAB', columns[0].at);
    fileColumns ??= { count: columns.length, line: lineNumber };
    if (columns.length !== fileColumns.count) {
      // Point at the first extra column, or at the last one there is.
      const at = columns[Math.min(columns.length, fileColumns.count + 1) - 1].at;
      return fail(`${columns.length} columns where the file has ${fileColumns.count} (line ${fileColumns.line}); columns are separated by spaces or TABs`, at);
    }
    const token = columns[0];
    const tokenProblem = conllTokenProblem(token.text);
    if (tokenProblem) return fail(tokenProblem.problem, token.at + tokenProblem.at);
    const tag = columns[columns.length - 1];
    const parsed = parseTag(tag.text);
    if (parsed === undefined) return fail('invalid NER tag (expected O, or B-, I-, E- or S- followed by a type)', tag.at);
    if (parsed.prefix !== 'O') {
      const typeProblem = conllTypeProblem(parsed.type);
      if (typeProblem) return fail(`invalid NER tag: ${typeProblem}`, tag.at + 2);
      if (explicitScheme && explicitScheme !== 'bioes' && (parsed.prefix === 'E' || parsed.prefix === 'S')) {
        return fail(`an ${parsed.prefix}- tag is not part of the ${SCHEME_NAMES[explicitScheme]} scheme the file is read as`, tag.at);
      }
    }
    tokens.push(token.text);
    tags.push(tag.text);
  });
  endSentence();

  if (tokenSequences.length === 0) {
    throw new ConllFormatError(fileName, Math.max(1, lines.length), 'no sentences found (empty file?)');
  }
  const scheme = explicitScheme ?? detectScheme(tagSequences);
  const sentences = tokenSequences.map((sentenceTokens, index) => ({
    tokens: sentenceTokens,
    spans: tagsToSpans(tagSequences[index], scheme),
  }));
  while (documentStarts.length > 0 && documentStarts[documentStarts.length - 1] >= tokenSequences.length) documentStarts.pop();
  if (documentStarts[0] !== 0) documentStarts.unshift(0);
  return { sentences, scheme, documents, documentStarts };
}

export function formatConll(sentences: readonly LabeledSentence[], options: FormatConllOptions): string {
  const separator = options.columns === 2 ? '\t' : ' ';
  const parts: string[] = [];
  if (options.docStart) parts.push(options.columns === 2 ? `${DOCSTART}\tO\n\n` : `${DOCSTART} -X- -X- O\n\n`);
  sentences.forEach((sentence, sentenceIndex) => {
    if (sentence.tokens.length === 0) throw new RangeError(`sentence ${sentenceIndex} has no tokens`);
    const tags = spansToTags(sentence.spans, sentence.tokens.length, options.scheme);
    for (const span of sentence.spans) {
      const problem = conllTypeProblem(span.label);
      if (problem) throw new RangeError(`sentence ${sentenceIndex}, span [${span.start}, ${span.end}): ${problem}`);
    }
    const lines = sentence.tokens.map((token, tokenIndex) => {
      const problem = conllTokenProblem(token);
      if (problem) throw new RangeError(`sentence ${sentenceIndex}, token ${tokenIndex}, character ${problem.at + 1}: ${problem.problem}`);
      return options.columns === 2 ? `${token}${separator}${tags[tokenIndex]}` : `${token} -X- -X- ${tags[tokenIndex]}`;
    });
    parts.push(lines.join('\n') + '\n\n');
  });
  return parts.join('');
}

/** Reads and parses a CoNLL file; the file name in errors is `path` unless options say otherwise. */
export async function readConllFile(path: string, options: ParseConllOptions = {}): Promise<ParsedConll> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`CoNLL file not found: ${path}`);
    throw new Error(`cannot read CoNLL file ${path}: ${(error as Error).message}`);
  }
  const fileName = options.fileName ?? path;
  return parseConll(decodeUtf8Text(bytes, fileName), { ...options, fileName });
}

/**
 * Each sentence's document (index of its -DOCSTART- section), for encoding sentences with their neighbours;
 * undefined when the file marks no documents (its sentences are not known to be neighbours).
 */
export function sentenceDocuments(parsed: ParsedConll): number[] | undefined {
  if (parsed.documents === 0) return undefined;
  const documents = new Array<number>(parsed.sentences.length);
  parsed.documentStarts.forEach((start, d) => documents.fill(d, start, parsed.documentStarts[d + 1] ?? parsed.sentences.length));
  return documents;
}
