// Hover over a highlighted entity: its type and confidence.
import * as vscode from 'vscode';
import { entityAt, type Highlighter } from './highlights';

export class EntityHoverProvider implements vscode.HoverProvider {
  constructor(private readonly highlighter: Highlighter) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const state = this.highlighter.get(document);
    // After an edit the offsets are stale until the debounced re-highlight lands.
    if (!state || state.version !== document.version) return undefined;
    const entity = entityAt(state.entities, document.offsetAt(position));
    if (!entity) return undefined;
    const text = new vscode.MarkdownString();
    text.appendMarkdown(`**${escape(entity.label)}** · confidence ${entity.score.toFixed(2)}\n\n`);
    text.appendText(entity.text);
    const range = new vscode.Range(document.positionAt(entity.start), document.positionAt(entity.end));
    return new vscode.Hover(text, range);
  }
}

function escape(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!<>|]/g, '\\$&');
}
