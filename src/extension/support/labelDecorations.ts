// Support labels shown in the editor, on top of the model's highlights: a thick underline in the type's
// colour for a labelled span, a strike-through for a rejected one, a dashed outline for a suggestion kept in a
// support sentence that the user has not confirmed yet (never trained on). While the support file is broken the last
// readable labels stay, dotted, and their hover says they are stale and why.
import * as vscode from 'vscode';
import { locateExamples } from '../../core/support/locateExamples';
import type { SupportExample } from '../../core/support/supportFile';
import { EntityDecorations } from '../decorations';
import { documentSourceFile } from './sourceFiles';

/** Spans of the support set drawn in an editor (document offsets). */
export interface ShownLabels {
  labelled: Array<{ start: number; end: number; label: string }>;
  rejected: Array<{ start: number; end: number }>;
  /** Unconfirmed suggestions kept in support sentences. */
  suggested: Array<{ start: number; end: number; label: string }>;
  /** Why the labels may be stale (the support file cannot be read now). */
  stale?: string;
}

export class LabelDecorations implements vscode.Disposable {
  private readonly labelled = new Map<string, vscode.TextEditorDecorationType>();
  private readonly rejected = vscode.window.createTextEditorDecorationType({ textDecoration: 'line-through 2px', opacity: '0.75' });
  private readonly staleLabelled = new Map<string, vscode.TextEditorDecorationType>();
  private readonly suggested = new Map<string, vscode.TextEditorDecorationType>();
  private examples: SupportExample[] = [];
  /** Why the labels shown may be stale (the support file cannot be read now), or undefined. */
  private stale: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly subscriptions: vscode.Disposable[];

  constructor() {
    this.subscriptions = [
      vscode.window.onDidChangeVisibleTextEditors(() => this.renderAll()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length === 0 || !vscode.window.visibleTextEditors.some((ed) => ed.document === e.document)) return;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.renderAll(), 300);
      }),
      // Decoration types keep the colour they were made with: new ones for a type the user recoloured.
      EntityDecorations.onDidChangeColours(() => {
        for (const types of [this.labelled, this.staleLabelled, this.suggested]) {
          for (const t of types.values()) t.dispose();
          types.clear();
        }
        this.renderAll();
      }),
    ];
  }

  /** Spans of the support set shown now in `editor` (document offsets), for tests. */
  shownIn(editor: vscode.TextEditor): ShownLabels {
    const document = editor.document;
    const labelled: ShownLabels['labelled'] = [];
    const rejected: ShownLabels['rejected'] = [];
    const suggested: ShownLabels['suggested'] = [];
    for (const { index, offset } of locateExamples(document.getText(), this.examples, documentSourceFile(document))) {
      for (const s of this.examples[index].spans) labelled.push({ start: offset + s.start, end: offset + s.end, label: s.label });
      for (const r of this.examples[index].rejected) rejected.push({ start: offset + r.start, end: offset + r.end });
      for (const s of this.examples[index].suggested) suggested.push({ start: offset + s.start, end: offset + s.end, label: s.label });
    }
    return this.stale === undefined ? { labelled, rejected, suggested } : { labelled, rejected, suggested, stale: this.stale };
  }

  show(examples: SupportExample[]): void {
    this.examples = examples;
    this.renderAll();
  }

  /** `problem`: the support file cannot be read now, so the labels shown are the last readable ones; undefined: it can. */
  setStale(problem: string | undefined): void {
    if (problem === this.stale) return;
    this.stale = problem;
    this.renderAll();
  }

  private renderAll(): void {
    for (const editor of vscode.window.visibleTextEditors) this.render(editor);
  }

  private render(editor: vscode.TextEditor): void {
    if (editor.document.uri.scheme !== 'file') return;
    const document = editor.document;
    const { labelled, rejected, suggested } = this.shownIn(editor);
    const hoverMessage = this.stale === undefined ? undefined : new vscode.MarkdownString().appendText(`BANER: stale label. The support set cannot be read: ${this.stale}. This is the last readable label.`);
    const decoration = (s: { start: number; end: number }): vscode.DecorationOptions => ({ range: new vscode.Range(document.positionAt(s.start), document.positionAt(s.end)), hoverMessage });
    // Every type drawn before gets its list (maybe empty), so that labels gone or no longer stale are cleared.
    const fresh = new Map<string, vscode.DecorationOptions[]>([...this.labelled.keys()].map((l) => [l, []]));
    const stale = new Map<string, vscode.DecorationOptions[]>([...this.staleLabelled.keys()].map((l) => [l, []]));
    const target = this.stale === undefined ? fresh : stale;
    for (const s of labelled) {
      if (!target.has(s.label)) target.set(s.label, []);
      target.get(s.label)!.push(decoration(s));
    }
    const unconfirmed = new Map<string, vscode.DecorationOptions[]>([...this.suggested.keys()].map((l) => [l, []]));
    const unconfirmedHover = new vscode.MarkdownString().appendText(
      'BANER: unconfirmed suggestion, not trained on. Accept Suggested Entity (Ctrl+Alt+Y) confirms it, Accept Sentence (Ctrl+Alt+Shift+Y) confirms every suggestion of the sentence, Reject (Ctrl+Alt+N) marks it as no entity.',
    );
    for (const s of suggested) {
      if (!unconfirmed.has(s.label)) unconfirmed.set(s.label, []);
      unconfirmed.get(s.label)!.push({ range: new vscode.Range(document.positionAt(s.start), document.positionAt(s.end)), hoverMessage: hoverMessage ?? unconfirmedHover });
    }
    for (const [label, ranges] of unconfirmed) editor.setDecorations(this.suggestionTypeFor(label), ranges);
    for (const [label, ranges] of fresh) editor.setDecorations(this.typeFor(this.labelled, label, 'solid'), ranges);
    for (const [label, ranges] of stale) editor.setDecorations(this.typeFor(this.staleLabelled, label, 'dotted'), ranges);
    editor.setDecorations(this.rejected, rejected.map(decoration));
  }

  private typeFor(types: Map<string, vscode.TextEditorDecorationType>, label: string, style: 'solid' | 'dotted'): vscode.TextEditorDecorationType {
    let type = types.get(label);
    if (!type) {
      type = vscode.window.createTextEditorDecorationType({ textDecoration: `underline ${style} 3px ${EntityDecorations.hex(label)}`, fontWeight: 'bold' });
      types.set(label, type);
    }
    return type;
  }

  private suggestionTypeFor(label: string): vscode.TextEditorDecorationType {
    let type = this.suggested.get(label);
    if (!type) {
      type = vscode.window.createTextEditorDecorationType({ border: `1px dashed ${EntityDecorations.hex(label)}`, borderRadius: '2px' });
      this.suggested.set(label, type);
    }
    return type;
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    for (const t of [...this.labelled.values(), ...this.staleLabelled.values(), ...this.suggested.values()]) t.dispose();
    this.rejected.dispose();
  }
}
