// The sentence of a document around a range, as the support set sees it: its text, where it is, and the
// entities highlighted in it now (in the sentence's own offsets).
import * as vscode from 'vscode';
import { sentenceAround } from '../../core/support/sentenceAround';
import type { SentenceRef } from '../../core/support/supportEdits';
import type { Highlighter } from '../highlights';

export interface DocumentSentence {
  ref: SentenceRef & { source: { path: string; offset: number } };
  /** Document offset of the sentence's first character. */
  offset: number;
}

export function workspacePath(document: vscode.TextDocument): string {
  return vscode.workspace.asRelativePath(document.uri, false).replace(/\\/g, '/');
}

export function documentSentence(document: vscode.TextDocument, start: number, end: number, highlighter: Highlighter): DocumentSentence | undefined {
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
    ref: { text: text.slice(bounds.start, bounds.end), source: { path: workspacePath(document), offset: bounds.start }, highlights },
  };
}
