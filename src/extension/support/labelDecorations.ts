// Support labels shown in the editor, on top of the model's highlights: a thick underline in the type's
// colour for a labelled span, a strike-through for a rejected one.
import * as vscode from 'vscode';
import { locateExamples } from '../../core/support/locateExamples';
import type { SupportExample } from '../../core/support/supportFile';
import { EntityDecorations } from '../decorations';
import { workspacePath } from './documentSentence';

export class LabelDecorations implements vscode.Disposable {
  private readonly labelled = new Map<string, vscode.TextEditorDecorationType>();
  private readonly rejected = vscode.window.createTextEditorDecorationType({ textDecoration: 'line-through 2px', opacity: '0.75' });
  private examples: SupportExample[] = [];
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
    ];
  }

  /** Spans of the support set shown now in `editor` (document offsets), for tests. */
  shownIn(editor: vscode.TextEditor): { labelled: Array<{ start: number; end: number; label: string }>; rejected: Array<{ start: number; end: number }> } {
    const document = editor.document;
    const labelled: Array<{ start: number; end: number; label: string }> = [];
    const rejected: Array<{ start: number; end: number }> = [];
    for (const { index, offset } of locateExamples(document.getText(), this.examples, workspacePath(document))) {
      for (const s of this.examples[index].spans) labelled.push({ start: offset + s.start, end: offset + s.end, label: s.label });
      for (const r of this.examples[index].rejected) rejected.push({ start: offset + r.start, end: offset + r.end });
    }
    return { labelled, rejected };
  }

  show(examples: SupportExample[]): void {
    this.examples = examples;
    this.renderAll();
  }

  private renderAll(): void {
    for (const editor of vscode.window.visibleTextEditors) this.render(editor);
  }

  private render(editor: vscode.TextEditor): void {
    if (editor.document.uri.scheme !== 'file') return;
    const document = editor.document;
    const { labelled, rejected } = this.shownIn(editor);
    const byLabel = new Map<string, vscode.Range[]>([...this.labelled.keys()].map((l) => [l, []]));
    const range = (s: { start: number; end: number }) => new vscode.Range(document.positionAt(s.start), document.positionAt(s.end));
    for (const s of labelled) {
      if (!byLabel.has(s.label)) byLabel.set(s.label, []);
      byLabel.get(s.label)!.push(range(s));
    }
    for (const [label, ranges] of byLabel) editor.setDecorations(this.typeFor(label), ranges);
    editor.setDecorations(this.rejected, rejected.map(range));
  }

  private typeFor(label: string): vscode.TextEditorDecorationType {
    let type = this.labelled.get(label);
    if (!type) {
      type = vscode.window.createTextEditorDecorationType({ textDecoration: `underline 3px ${EntityDecorations.hex(label)}`, fontWeight: 'bold' });
      this.labelled.set(label, type);
    }
    return type;
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    for (const t of this.labelled.values()) t.dispose();
    this.rejected.dispose();
  }
}
