// The workspace's support set, `.baner/support.jsonl`: read asynchronously (bounded, never through a link
// leaving the folder), changed under a lock shared with other windows (core/support/supportFileAccess).
// A file that does not parse is never written over: the last readable labels stay on screen, said to be
// stale, with one warning per broken state, and edits are refused with the parser's message until it is fixed.
import * as vscode from 'vscode';
import { join } from 'node:path';
import { SpanJsonlError } from '../../core/data/spanJsonl';
import { WorkspaceFileError } from '../../core/io/workspaceFiles';
import { BANER_DIR, loadSupportFile, updateSupportFile, type SupportFileEdit } from '../../core/support/supportFileAccess';
import type { SupportExample } from '../../core/support/supportFile';

export { BANER_DIR };

export class SupportStore implements vscode.Disposable {
  /** The examples as last read or written (the last readable ones while the file is broken). */
  private examples: SupportExample[] = [];
  /** Why the file cannot be used now (it does not parse, is too large, leads outside the folder...). */
  private broken: Error | undefined;
  /** The problem the user was last warned about: one warning per broken state. */
  private warnedAbout: string | undefined;
  private notesShown: string | undefined;
  private loading: Promise<void>;
  /** Numbers the reads, so that a slow one never replaces what a newer read or a write found. */
  private readSeq = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /** What this store wrote last, so that the watcher's echo of it is not taken for an outside change. */
  private written: string | undefined;
  private readonly changed = new vscode.EventEmitter<SupportExample[]>();
  private readonly problemChanged = new vscode.EventEmitter<string | undefined>();
  private readonly watcher: vscode.FileSystemWatcher;
  /** Fires after every change, ours or another program's (git checkout, an editor, another window). */
  readonly onDidChange = this.changed.event;
  /** Fires when the file becomes unusable (with the problem) and when it is usable again (undefined). */
  readonly onDidChangeProblem = this.problemChanged.event;

  constructor(
    readonly folder: vscode.WorkspaceFolder,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, `${BANER_DIR}/support.jsonl`));
    const reload = () => void this.reload();
    this.watcher.onDidChange(reload);
    this.watcher.onDidCreate(reload);
    this.watcher.onDidDelete(reload);
    this.loading = this.reload();
  }

  get path(): string {
    return join(this.folder.uri.fsPath, BANER_DIR, 'support.jsonl');
  }

  get adaptersRoot(): string {
    return join(this.folder.uri.fsPath, BANER_DIR, 'adapters');
  }

  /** Why the support file cannot be used now, or undefined. */
  get problem(): string | undefined {
    return this.broken?.message;
  }

  /**
   * The examples (a copy) as last read: empty until the first read has finished (`ready()` waits for it).
   * Throws, naming the file and line, while the file cannot be used.
   */
  read(): SupportExample[] {
    if (this.broken) throw this.broken;
    return this.lastReadable();
  }

  /** The examples once the read under way has finished (read() then). */
  async ready(): Promise<SupportExample[]> {
    await this.loading;
    return this.read();
  }

  /** The last examples read or written, even while the file is broken (what the editor keeps showing). */
  lastReadable(): SupportExample[] {
    return this.examples.map((e) => ({ ...e, spans: [...e.spans], rejected: [...e.rejected], suggested: [...e.suggested] }));
  }

  /**
   * Applies `edit` to the examples on disk and writes the result (under the lock other windows take too); edits
   * of this window run one after another. `edit` returns undefined to change nothing. Refused, writing nothing,
   * while the file does not parse. `edit` is also given the file's text, and may return a text to write as it is.
   */
  update(edit: SupportFileEdit): Promise<SupportExample[] | undefined> {
    const run = this.queue.then(async () => {
      let result;
      try {
        result = await updateSupportFile(this.folder.uri.fsPath, edit, { displayName: this.path });
      } catch (error) {
        if (!isFileProblem(error)) throw error;
        this.setBroken(error as Error);
        throw new Error(`${(error as Error).message}. Fix the file: BANER does not write it meanwhile.`);
      }
      if (!result) return undefined;
      this.readSeq++; // a read under way saw the file before this write
      this.written = result.content;
      this.examples = result.examples;
      this.setUsable();
      this.changed.fire(this.read());
      return result.examples;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Reads the file again (after another program changed it). */
  private reload(): Promise<void> {
    const seq = ++this.readSeq;
    this.loading = (async () => {
      let loaded;
      try {
        loaded = await loadSupportFile(this.folder.uri.fsPath, { displayName: this.path });
      } catch (error) {
        if (seq === this.readSeq) this.setBroken(error as Error);
        return;
      }
      if (seq !== this.readSeq) return;
      const ours = loaded.content !== undefined && loaded.content === this.written;
      this.written = undefined;
      this.setUsable();
      if (ours) return; // the echo of our own write, which has fired already
      this.examples = loaded.examples;
      this.showNotes(loaded.notes);
      this.changed.fire(this.read());
    })();
    return this.loading;
  }

  private setBroken(error: Error): void {
    this.broken = error;
    this.log(`support set: ${error.message}`);
    if (this.warnedAbout !== error.message) {
      this.warnedAbout = error.message;
      const labels = this.examples.length > 0 ? 'The labels shown are the last readable ones and may be stale; ' : '';
      void vscode.window.showWarningMessage(`BANER: the support set cannot be read: ${error.message}. ${labels}BANER will not write the file until it is fixed.`);
    }
    this.problemChanged.fire(error.message);
  }

  private setUsable(): void {
    if (!this.broken) return;
    this.broken = undefined;
    this.warnedAbout = undefined;
    this.problemChanged.fire(undefined);
  }

  /** Repeated sentences were dropped on reading: said once (the next write removes them from the file). */
  private showNotes(notes: string[]): void {
    const text = notes.length === 0 ? undefined : notes.length === 1 ? notes[0] : `${notes[0]} (and ${notes.length - 1} more repeated sentences)`;
    if (text === this.notesShown) return;
    this.notesShown = text;
    if (!text) return;
    for (const note of notes) this.log(`support set: ${note}`);
    void vscode.window.showWarningMessage(`BANER: ${text}.`);
  }

  dispose(): void {
    this.watcher.dispose();
    this.changed.dispose();
    this.problemChanged.dispose();
  }
}

/** Errors that are about the file (it does not parse, is too large, leads outside), not about this attempt. */
function isFileProblem(error: unknown): boolean {
  return error instanceof SpanJsonlError || error instanceof WorkspaceFileError;
}
