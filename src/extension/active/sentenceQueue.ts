// "Next Sentences to Label": the workspace's unlabelled sentences, most useful first (active learning: the
// model's least sure spans, core/active/usefulness), in a tree view. Each row shows the sentence, its
// suggestions, the score and the margin, and jumps to the sentence. Accept confirms every suggestion of the
// sentence, Reject marks them all as no entity, Skip hides the row for this session, Undo takes back the last
// accept or reject. The ranking runs in the model worker, one document at a time.
import * as vscode from 'vscode';
import { guardedAsInformation } from '../commandGuard';
import type { RankedSentence } from '../../core/active/rankText';
import { findExample, withRejected, withSentenceAccepted, type SentenceRef } from '../../core/support/supportEdits';
import type { SupportExample } from '../../core/support/supportFile';
import type { EngineClient } from '../engineClient';
import { readConfig } from '../config';
import type { SupportStore } from '../support/supportStore';
import { documentSourceFile } from '../support/sourceFiles';
import { findWorkspaceTextFiles } from '../workspaceTextFiles';

/** Rows kept (the most useful). */
const MAX_ROWS = 200;

/** A ranked sentence of an open document (its offsets and its suggestions' are document offsets), for the view. */
export interface QueueRow extends RankedSentence {
  uri: vscode.Uri;
  /** Workspace-relative path, for display. */
  path: string;
  /** Line (0-based) of the sentence's start. */
  line: number;
  text: string;
  ref: SentenceRef;
}

interface Judged {
  row: QueueRow;
  index: number;
  /** The sentence's example before the verdict (undefined: it was not in the support set). */
  previous: SupportExample | undefined;
}

const rowKey = (row: { path: string; text: string; start: number }) => `${row.path}\u0000${row.start}\u0000${row.text}`;

export class SentenceQueue implements vscode.TreeDataProvider<QueueRow>, vscode.Disposable {
  private rows: QueueRow[] = [];
  private readonly skipped = new Set<string>();
  private readonly judged: Judged[] = [];
  private readonly changed = new vscode.EventEmitter<QueueRow | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private view: vscode.TreeView<QueueRow> | undefined;
  private ranking: AbortController | undefined;

  constructor(
    private readonly engine: EngineClient,
    private readonly store: () => SupportStore | undefined,
    private readonly log: (line: string) => void,
  ) {}

  register(): vscode.Disposable[] {
    this.view = vscode.window.createTreeView('baner.nextSentences', { treeDataProvider: this, showCollapseAll: false });
    const selected = (row?: QueueRow) => row ?? this.view?.selection[0] ?? this.rows[0];
    return [
      this.view,
      vscode.commands.registerCommand('baner.nextUsefulSentences', () => guardedAsInformation(() => this.refresh())),
      vscode.commands.registerCommand('baner.queue.reveal', (row?: QueueRow) => guardedAsInformation(() => this.reveal(selected(row)))),
      vscode.commands.registerCommand('baner.queue.accept', (row?: QueueRow) => guardedAsInformation(() => this.judge(selected(row), 'accept'))),
      vscode.commands.registerCommand('baner.queue.reject', (row?: QueueRow) => guardedAsInformation(() => this.judge(selected(row), 'reject'))),
      vscode.commands.registerCommand('baner.queue.skip', (row?: QueueRow) => guardedAsInformation(() => this.skip(selected(row)))),
      vscode.commands.registerCommand('baner.queue.undo', () => guardedAsInformation(() => this.undo())),
    ];
  }

  /** The rows shown now, most useful first (for tests). */
  shown(): readonly QueueRow[] {
    return this.rows;
  }

  getTreeItem(row: QueueRow): vscode.TreeItem {
    const excerpt = row.text.length > 90 ? `${row.text.slice(0, 87)}…` : row.text;
    const item = new vscode.TreeItem(excerpt, vscode.TreeItemCollapsibleState.None);
    const suggestions = row.suggestions.map((s) => `${row.text.slice(s.start - row.start, s.end - row.start)} (${s.label})`);
    item.description = `score ${row.score.toFixed(2)} · margin ${row.margin.toFixed(2)} · ${row.path}:${row.line + 1}`;
    item.tooltip = new vscode.MarkdownString()
      .appendText(row.text)
      .appendMarkdown('\n\n')
      .appendText(`Suggestions: ${suggestions.join(', ') || 'none'}\nUsefulness ${row.score.toFixed(2)} (least sure span: detection ${row.confidence.toFixed(2)}, margin between its two nearest types ${row.margin.toFixed(2)})`);
    item.contextValue = 'banerQueueRow';
    item.command = { command: 'baner.queue.reveal', title: 'Go to the sentence', arguments: [row] };
    return item;
  }

  getChildren(row?: QueueRow): QueueRow[] {
    return row ? [] : this.rows;
  }

  getParent(): undefined {
    return undefined;
  }

  /** Ranks the workspace's unlabelled sentences (with progress, cancellable) and shows the most useful one. */
  async refresh(): Promise<number> {
    const store = this.store();
    if (!store) throw new Error('open a folder first: the support set is kept in its .baner/support.jsonl.');
    this.ranking?.abort();
    const controller = new AbortController();
    this.ranking = controller;
    const rows = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'BANER: ranking sentences to label', cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        const files = await findWorkspaceTextFiles();
        const examples = await store.ready();
        const found: QueueRow[] = [];
        for (const [i, uri] of files.entries()) {
          if (controller.signal.aborted) break;
          progress.report({ message: vscode.workspace.asRelativePath(uri), increment: 100 / Math.max(1, files.length) });
          const document = await vscode.workspace.openTextDocument(uri);
          const text = document.getText();
          if (text.length > readConfig(document).maxDocumentSize) {
            this.log(`next sentences: ${vscode.workspace.asRelativePath(uri)} skipped, larger than baner.maxDocumentSize`);
            continue;
          }
          let ranked: RankedSentence[];
          try {
            ranked = await this.engine.rank(text, controller.signal);
          } catch (error) {
            if (controller.signal.aborted) break;
            throw error;
          }
          found.push(...this.rowsOf(document, ranked, examples));
          void i;
        }
        return found;
      },
    );
    if (this.ranking === controller) this.ranking = undefined;
    this.rows = rows
      .filter((r) => !this.skipped.has(rowKey(r)))
      .sort((a, b) => b.score - a.score || a.path.localeCompare(b.path) || a.start - b.start)
      .slice(0, MAX_ROWS);
    this.changed.fire(undefined);
    this.log(`next sentences: ${this.rows.length} unlabelled sentences ranked`);
    // Show the list (it lives in the Explorer, maybe collapsed), then the most useful sentence.
    await vscode.commands.executeCommand('baner.nextSentences.focus').then(undefined, () => undefined);
    if (this.rows.length > 0) await this.select(this.rows[0]);
    return this.rows.length;
  }

  private rowsOf(document: vscode.TextDocument, ranked: readonly RankedSentence[], examples: readonly SupportExample[]): QueueRow[] {
    const source = documentSourceFile(document, this.store()?.folder);
    const text = document.getText();
    const path = vscode.workspace.asRelativePath(document.uri, false);
    return ranked.flatMap((r) => {
      const sentence = text.slice(r.start, r.end);
      const ref: SentenceRef = {
        text: sentence,
        source: { ...source, offset: r.start },
        highlights: r.suggestions.map((s) => ({ start: s.start - r.start, end: s.end - r.start, label: s.label })),
      };
      if (findExample(examples, ref) >= 0) return []; // labelled already
      return [{ ...r, uri: document.uri, path, line: document.positionAt(r.start).line, text: sentence, ref }];
    });
  }

  private async reveal(row: QueueRow | undefined): Promise<void> {
    if (!row) return;
    const editor = await vscode.window.showTextDocument(row.uri, { preserveFocus: true });
    const range = new vscode.Range(editor.document.positionAt(row.start), editor.document.positionAt(row.end));
    editor.selection = new vscode.Selection(range.start, range.start);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  /** Accept: every suggestion of the sentence becomes a label. Reject: each becomes a rejected span. */
  private async judge(row: QueueRow | undefined, verdict: 'accept' | 'reject'): Promise<boolean> {
    if (!row) throw new Error('no sentence to judge: run "BANER: Next Sentences to Label" first.');
    const store = this.store();
    if (!store) throw new Error('open a folder first.');
    if (verdict === 'reject' && row.suggestions.length === 0) throw new Error('the sentence has no suggestion to reject: Skip it instead.');
    let previous: SupportExample | undefined;
    await store.update((examples) => {
      const index = findExample(examples, row.ref);
      previous = index >= 0 ? examples[index] : undefined;
      if (verdict === 'accept') return withSentenceAccepted(examples, row.ref).examples;
      return (row.ref.highlights ?? []).reduce((all, s) => withRejected(all, row.ref, { start: s.start, end: s.end }), examples);
    });
    const index = this.rows.indexOf(row);
    this.judged.push({ row, index, previous });
    this.remove(row);
    vscode.window.setStatusBarMessage(`BANER: ${verdict === 'accept' ? 'accepted' : 'rejected'} the sentence's ${row.suggestions.length} suggestion${row.suggestions.length === 1 ? '' : 's'}`, 4000);
    return true;
  }

  private async skip(row: QueueRow | undefined): Promise<boolean> {
    if (!row) return false;
    this.skipped.add(rowKey(row));
    this.remove(row);
    return true;
  }

  /** Takes back the last accept or reject: the sentence's example is as it was, and its row is back. */
  private async undo(): Promise<boolean> {
    const last = this.judged.pop();
    if (!last) throw new Error('nothing to undo.');
    const store = this.store();
    if (!store) throw new Error('open a folder first.');
    await store.update((examples) => {
      const index = findExample(examples, last.row.ref);
      const next = [...examples];
      if (last.previous) {
        if (index >= 0) next[index] = last.previous;
        else next.push(last.previous);
      } else if (index >= 0) next.splice(index, 1);
      return next;
    });
    this.rows.splice(Math.min(last.index, this.rows.length), 0, last.row);
    this.changed.fire(undefined);
    await this.select(last.row);
    return true;
  }

  private remove(row: QueueRow): void {
    const at = this.rows.indexOf(row);
    if (at < 0) return;
    this.rows.splice(at, 1);
    this.changed.fire(undefined);
    const next = this.rows[Math.min(at, this.rows.length - 1)];
    if (next) void this.select(next);
  }

  /** Selections run one after another: two editors opened at once cancel each other in VS Code. */
  private selecting: Promise<void> = Promise.resolve();

  /** Selects the row and shows its sentence; a sentence that cannot be shown is logged, never fails the command. */
  private select(row: QueueRow): Promise<void> {
    this.selecting = this.selecting.then(async () => {
      if (this.view?.visible) await this.view.reveal(row, { select: true, focus: false }).then(undefined, () => undefined);
      await this.reveal(row).catch((error: Error) => this.log(`could not show ${row.path}:${row.line + 1}: ${error.message}`));
    });
    return this.selecting;
  }

  dispose(): void {
    this.ranking?.abort();
    this.changed.dispose();
  }
}
