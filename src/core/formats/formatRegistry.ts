// The formats by name, as the command line and (later) the editor name them: what each reads and writes with.
import { readBaner, writeBaner } from './banerFormat';
import { readConll, writeConll } from './conllFormat';
import type { LabelledText, ReadResult, WriteResult } from './labelledText';
import type { OffsetUnit } from './offsets';
import { readAnnotationJsonl, readSpacyJsonl, writePythonToolJsonl } from './pythonToolJsonl';

export const FORMAT_NAMES = ['baner', 'conll', 'conll-iob2', 'conll-bioes', 'doccano', 'prodigy', 'spacy'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

/** One line each, for help texts. */
export const FORMAT_DESCRIPTIONS: Record<FormatName, string> = {
  baner: 'BANER span JSONL, the support file\'s own shape (UTF-16 offsets; carries rejected spans and sources)',
  conll: 'CoNLL "token<TAB>tag", IOB2 tags written; read: IOB1, IOB2 or BIOES, guessed from the file',
  'conll-iob2': 'CoNLL with IOB2 tags (read: E- and S- tags refused)',
  'conll-bioes': 'CoNLL with BIOES tags',
  doccano: 'doccano JSONL {"text","label":[[start,end,"TYPE"]]}; read: doccano or Prodigy, told apart per line',
  prodigy: 'Prodigy JSONL {"text","tokens","spans"}; read: doccano or Prodigy, told apart per line',
  spacy: 'spaCy Doc.to_json() per line (for Doc.from_json and DocBin)',
};

export interface FormatOptions {
  /** What doccano, Prodigy and spaCy offsets count: code points (the default, as Python does) or UTF-16 units. */
  offsets?: OffsetUnit;
  /** CoNLL: "-DOCSTART-" before each run of texts from one source file. */
  docStart?: boolean;
}

export function isFormatName(name: string): name is FormatName {
  return (FORMAT_NAMES as readonly string[]).includes(name);
}

export function readTexts(format: FormatName, content: string, fileName: string, options: FormatOptions = {}): ReadResult {
  const unit = options.offsets ?? 'codepoints';
  switch (format) {
    case 'baner':
      return readBaner(content, fileName);
    case 'conll':
      return readConll(content, fileName, 'auto');
    case 'conll-iob2':
      return readConll(content, fileName, 'iob2');
    case 'conll-bioes':
      return readConll(content, fileName, 'bioes');
    case 'doccano':
    case 'prodigy':
      return readAnnotationJsonl(content, fileName, unit);
    case 'spacy':
      return readSpacyJsonl(content, fileName, unit);
  }
}

export function writeTexts(format: FormatName, texts: readonly LabelledText[], options: FormatOptions = {}): WriteResult {
  const unit = options.offsets ?? 'codepoints';
  switch (format) {
    case 'baner':
      return writeBaner(texts);
    case 'conll':
    case 'conll-iob2':
      return writeConll(texts, { scheme: 'iob2', docStart: options.docStart });
    case 'conll-bioes':
      return writeConll(texts, { scheme: 'bioes', docStart: options.docStart });
    case 'doccano':
    case 'prodigy':
    case 'spacy':
      return writePythonToolJsonl(format, texts, unit);
  }
}

/** The extension of a file in `format` (one output file per input file is named INPUT + this). */
export function fileExtensionOf(format: FormatName): string {
  return format.startsWith('conll') ? '.conll' : '.jsonl';
}

/** The format a file name says unambiguously (.conll, .bio, .iob2, .bioes); JSONL could be any of four. */
export function formatOfPath(path: string): FormatName | undefined {
  const extension = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase();
  if (extension === 'conll' || extension === 'bio') return 'conll';
  if (extension === 'iob2') return 'conll-iob2';
  if (extension === 'bioes') return 'conll-bioes';
  return undefined;
}
