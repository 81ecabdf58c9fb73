// Hover over a highlighted entity: its type and confidence, and the support example of that type nearest
// to it (by span embedding), so the user sees why it got that type.
import * as vscode from 'vscode';
import { entityAt, type Highlighter } from './highlights';
import type { EngineClient } from './engineClient';
import { sentenceAround } from '../core/support/sentenceAround';
import { EntityDecorations } from './decorations';

/** A hover must not wait long for the worker (it may be busy highlighting a large file). */
const NEAREST_TIMEOUT_MS = 1_500;

export class EntityHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly highlighter: Highlighter,
    private readonly engine: EngineClient,
  ) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const state = this.highlighter.get(document);
    // After an edit the offsets are stale until the debounced re-highlight lands.
    if (!state || state.version !== document.version) return undefined;
    const entity = entityAt(state.entities, document.offsetAt(position));
    if (!entity) return undefined;
    const text = new vscode.MarkdownString();
    text.supportHtml = true;
    text.appendMarkdown(`<span style="color:${EntityDecorations.hex(entity.label)};">■</span> **${escape(entity.label)}** · confidence ${entity.score.toFixed(2)}\n\n`);
    const nearest = await this.nearest(document, entity, token);
    if (nearest) {
      const { mention } = nearest;
      const before = mention.text.slice(Math.max(0, mention.span.start - 60), mention.span.start);
      const after = mention.text.slice(mention.span.end, mention.span.end + 60);
      text.appendMarkdown(`Nearest support example (similarity ${mention.similarity.toFixed(2)}):\n\n> `);
      text.appendText(`${before}`);
      text.appendMarkdown(`**${escape(mention.text.slice(mention.span.start, mention.span.end))}**`);
      text.appendText(`${after}`);
    } else if (nearest === null) {
      text.appendMarkdown(`*No support example of ${escape(entity.label)} yet.*`);
    }
    const range = new vscode.Range(document.positionAt(entity.start), document.positionAt(entity.end));
    return new vscode.Hover(text, range);
  }

  /** null: the type has no support example; undefined: no answer in time. */
  private async nearest(
    document: vscode.TextDocument,
    entity: { start: number; end: number; label: string },
    token: vscode.CancellationToken,
  ): Promise<{ mention: NonNullable<Awaited<ReturnType<EngineClient['nearest']>>> } | null | undefined> {
    const text = document.getText();
    const sentence = sentenceAround(text, entity.start, entity.end);
    if (!sentence) return undefined;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), NEAREST_TIMEOUT_MS);
    const onCancel = token.onCancellationRequested(() => controller.abort());
    try {
      const mention = await this.engine.nearest(
        text.slice(sentence.start, sentence.end),
        entity.start - sentence.start,
        entity.end - sentence.start,
        entity.label,
        controller.signal,
      );
      return mention ? { mention } : null;
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
      onCancel.dispose();
    }
  }
}

function escape(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!<>|]/g, '\\$&');
}
