// The workspace's support set, `.baner/support.jsonl`: read on demand, written atomically, one edit at a time.
// A file that does not parse is never overwritten: edits are refused with the parser's message until it is fixed.
import * as vscode from 'vscode';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../core/io/atomicWrite';
import { formatSupportFile, parseSupportFile, type SupportExample } from '../../core/support/supportFile';

export const BANER_DIR = '.baner';

export class SupportStore implements vscode.Disposable {
  private examples: SupportExample[] | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** What this store wrote last, so that the watcher's echo of it is not taken for an outside change. */
  private written: string | undefined;
  private readonly changed = new vscode.EventEmitter<SupportExample[]>();
  private readonly watcher: vscode.FileSystemWatcher;
  /** Fires after every change, ours or another program's (git checkout, an editor). */
  readonly onDidChange = this.changed.event;

  constructor(readonly folder: vscode.WorkspaceFolder) {
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, `${BANER_DIR}/support.jsonl`));
    const reload = () => {
      const content = existsSync(this.path) ? readFileSync(this.path, 'utf8') : undefined;
      // Our own writes have fired already; only another program's change is news.
      if (content !== undefined && content === this.written) return;
      this.written = undefined; // the cache no longer holds what we wrote
      this.examples = undefined;
      try {
        this.changed.fire(this.read());
      } catch {
        // A broken file is reported when it is next used.
      }
    };
    this.watcher.onDidChange(reload);
    this.watcher.onDidCreate(reload);
    this.watcher.onDidDelete(reload);
  }

  get path(): string {
    return join(this.folder.uri.fsPath, BANER_DIR, 'support.jsonl');
  }

  get adaptersRoot(): string {
    return join(this.folder.uri.fsPath, BANER_DIR, 'adapters');
  }

  /** The examples (a copy); throws a SpanJsonlError naming the bad line when the file is malformed. */
  read(): SupportExample[] {
    if (!this.examples) {
      this.examples = existsSync(this.path) ? parseSupportFile(readFileSync(this.path, 'utf8'), this.path) : [];
    }
    return this.examples.map((e) => ({ ...e, spans: [...e.spans], rejected: [...e.rejected] }));
  }

  /**
   * Applies `edit` to the current examples and writes the result; edits run one after another, each on the
   * result of the previous. `edit` returns undefined to change nothing.
   */
  update(edit: (examples: SupportExample[]) => SupportExample[] | undefined): Promise<SupportExample[] | undefined> {
    const run = this.queue.then(() => {
      this.examples = undefined; // another program may have written it
      const next = edit(this.read());
      if (!next) return undefined;
      mkdirSync(dirname(this.path), { recursive: true });
      this.written = formatSupportFile(next);
      writeFileAtomic(this.path, this.written);
      this.examples = next;
      this.changed.fire(this.read());
      return next;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  dispose(): void {
    this.watcher.dispose();
    this.changed.dispose();
  }
}
