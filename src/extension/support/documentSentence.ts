// The sentence of a document around a range, as the support set sees it: its text, where it is, and the
// entities highlighted in it now (in the sentence's own offsets).
import * as vscode from 'vscode';
import { sentenceAround } from '../../core/support/sentenceAround';
import type { SentenceRef } from '../../core/support/supportEdits';
import type { SupportSource } from '../../core/support/supportFile';
import type { Highlighter } from '../highlights';
import { documentSourceFile } from './sourceFiles';

export interface DocumentSentence {
  ref: SentenceRef & { source: SupportSource };
  /** Document offset of the sentence's first character. */
  offset: number;
}

/** `home`: the workspace folder of the support set (sources in other folders carry their folder's name). */
export function documentSentence(document: vscode.TextDocument, start: number, end: number, highlighter: Highlighter, home?: vscode.WorkspaceFolder): DocumentSentence | undefined {
  const text = document.getText();
  const bounds = sentenceAround(text, start, end);
  if (!bounds) return undefined;
  const state = highlighter.get(document);
  const current = state && state.version === document.version ? state.entities : [];
  const highlights = current
    .filter((e) => e.start >= bounds.start && e.end <= bounds.end)
    .map((e) => ({ start: e.start - bounds.start, end: e.end - bounds.start, label: e.label }));
  return {
    offset: bounds.start,
    ref: { text: text.slice(bounds.start, bounds.end), source: { ...documentSourceFile(document, home), offset: bounds.start }, highlights },
  };
}
