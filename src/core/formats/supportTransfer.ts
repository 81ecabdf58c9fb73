// The support set to and from the other formats. Export writes the gold spans (and, where the format has room, the
// rejected spans and sources), never the unconfirmed suggestions. Import adds the sentences that are not in the
// support set yet and leaves those that are as they are: the labels already there were made in the editor.
import { loadSupportFile, updateSupportFile } from '../support/supportFileAccess';
import { sameSourceFile } from '../support/sourcePaths';
import type { SupportExample } from '../support/supportFile';
import { FormatError } from './formatError';
import type { LabelledText, WriteResult } from './labelledText';
import { writeTexts, type FormatName, type FormatOptions } from './formatRegistry';

/** Support examples as texts to write: gold spans, rejected spans, sources. */
export function supportToTexts(examples: readonly SupportExample[]): LabelledText[] {
  return examples.map((example) => {
    const text: LabelledText = { text: example.text, spans: example.spans.map(({ start, end, label }) => ({ start, end, label })), rejected: example.rejected.map(({ start, end }) => ({ start, end })) };
    if (example.source) text.source = { ...example.source };
    return text;
  });
}

/** A text as a support example: scores dropped (support labels are gold), no suggestions. */
export function textToSupportExample(text: LabelledText): SupportExample {
  const example: SupportExample = {
    text: text.text,
    spans: text.spans.map(({ start, end, label }) => ({ start, end, label })),
    rejected: (text.rejected ?? []).map(({ start, end }) => ({ start, end })),
    suggested: [],
  };
  if (text.source) example.source = { ...text.source };
  return example;
}

/**
 * Whitespace does not tell sentences apart: CoNLL keeps none of it (a sentence read back is its tokens joined by
 * single spaces), and the tokenizer skips zero-width spaces and byte order marks too.
 */
function withoutWhitespace(text: string): string {
  return text.replace(/[\s\u200B\uFEFF]+/g, '');
}

export interface MergedSupport {
  examples: SupportExample[];
  added: number;
  /** Texts that were in the support set already (or earlier in the import), left as they were. */
  alreadyThere: number;
}

/**
 * The support set with the texts that are not in it appended. A text is already there when a sentence has the same
 * characters (whitespace aside) and the two name the same source file, or one of them names none (CoNLL carries no
 * source, so a sentence exported to CoNLL and imported back is found again).
 */
export function mergeIntoSupport(existing: readonly SupportExample[], texts: readonly LabelledText[]): MergedSupport {
  const examples = [...existing];
  const byContent = new Map<string, SupportExample[]>();
  const remember = (example: SupportExample) => {
    const key = withoutWhitespace(example.text);
    const same = byContent.get(key);
    if (same) same.push(example);
    else byContent.set(key, [example]);
  };
  existing.forEach(remember);
  let added = 0;
  let alreadyThere = 0;
  for (const text of texts) {
    const same = byContent.get(withoutWhitespace(text.text)) ?? [];
    if (same.some((example) => !example.source || !text.source || sameSourceFile(example.source, text.source))) {
      alreadyThere++;
      continue;
    }
    const example = textToSupportExample(text);
    examples.push(example);
    remember(example);
    added++;
  }
  return { examples, added, alreadyThere };
}

/** Adds `texts` to the support set of the folder `root` (under its lock, written atomically; nothing when all are there). */
export async function importIntoSupport(root: string, texts: readonly LabelledText[]): Promise<Omit<MergedSupport, 'examples'>> {
  let merged: MergedSupport | undefined;
  await updateSupportFile(root, (examples) => {
    merged = mergeIntoSupport(examples, texts);
    return merged.added > 0 ? merged.examples : undefined;
  });
  return { added: merged!.added, alreadyThere: merged!.alreadyThere };
}

/** The support set of the folder `root` in `format`, with notes on what the format could not hold. */
export async function exportSupport(root: string, format: FormatName, options: FormatOptions = {}): Promise<WriteResult & { count: number }> {
  const { examples, notes } = await loadSupportFile(root);
  if (examples.length === 0) throw new FormatError(`the support set of ${root} is empty (no examples in .baner/support.jsonl): nothing to export`);
  const written = writeTexts(format, supportToTexts(examples), options);
  return { content: written.content, notes: [...notes, ...written.notes], count: examples.length };
}
