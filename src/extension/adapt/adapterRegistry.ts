// The workspace's own adapters for the rest of the extension: ActiveAdapter (which one the worker uses, and
// activate / delete / rename, checked and atomic) with a change event, and the documents re-highlighted after a switch.
// The active adapter's name is kept in the workspace state, so it comes back when the workspace reopens.
import * as vscode from 'vscode';
import { ActiveAdapter, type AdapterEngine, type AdapterEntry } from './activeAdapter';

export type { AdapterEntry };

export class AdapterRegistry implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly active: ActiveAdapter;

  constructor(
    /** The workspace folder whose adapters may be used: undefined without one, or in Restricted Mode. */
    folder: () => string | undefined,
    state: vscode.Memento,
    engine: AdapterEngine,
    afterSwitch: () => void,
    log: (line: string) => void = () => {},
  ) {
    this.active = new ActiveAdapter(folder, state, engine, log, (switched) => {
      this.changed.fire();
      if (switched) afterSwitch();
    });
  }

  get activeName(): string | undefined {
    return this.active.activeName;
  }

  /** The adapters folder to write a new adapter into (made when missing), a real path inside the workspace folder. */
  rootForWriting(): string | undefined {
    return this.active.root({ create: true });
  }

  /** Why the workspace's adapters folder cannot be used, or undefined. */
  rootProblem(): string | undefined {
    return this.active.rootProblem();
  }

  list(): AdapterEntry[] {
    return this.active.list();
  }

  /** Highlights with adapter `name` from now on (null: the base model); re-highlights open documents. */
  activate(name: string | null): Promise<void> {
    return this.active.activate(name);
  }

  /** Re-activates the adapter that was active when the workspace was last open; forgets it only if it is unusable. */
  restore(): Promise<void> {
    return this.active.restore();
  }

  delete(name: string): Promise<void> {
    return this.active.delete(name);
  }

  rename(name: string, newName: string): Promise<void> {
    return this.active.rename(name, newName);
  }

  /** For watchers: something changed on disk. */
  refresh(): void {
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
