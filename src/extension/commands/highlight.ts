// `baner.highlightEntities` and `baner.clearHighlights`.
import * as vscode from 'vscode';
import type { Highlighter } from '../highlights';

export function highlightEntities(highlighter: Highlighter): () => Promise<void> {
  return async () => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('BANER: open a file to highlight its entities.');
      return;
    }
    try {
      const count = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: 'BANER: highlighting entities' },
        () => highlighter.highlight(editor.document, 'command'),
      );
      if (count === 0) void vscode.window.setStatusBarMessage('BANER: no entities above the confidence threshold', 5000);
    } catch (error) {
      void vscode.window.showErrorMessage(`BANER: ${(error as Error).message}`);
    }
  };
}

export function clearHighlights(highlighter: Highlighter): () => void {
  return () => {
    const editor = vscode.window.activeTextEditor;
    if (editor) highlighter.clear(editor.document);
  };
}
