// The workspace's own adapters (.baner/adapters/<name>/): which one is active, and activate / delete / rename.
// The active adapter's name is kept in the workspace state, so it comes back when the workspace reopens.
import * as vscode from 'vscode';
import { join } from 'node:path';
import { deleteAdapter, listAdapters, readAdapterConfig, renameAdapter } from '../../core/adapters/adapterFiles';
import type { AdapterConfig } from '../../core/adapters/adapter';
import type { EngineClient } from '../engineClient';

const ACTIVE_KEY = 'baner.activeAdapter';

export interface AdapterEntry {
  name: string;
  dir: string;
  config?: AdapterConfig;
  /** Why its adapter.json could not be read. */
  problem?: string;
}

export class AdapterRegistry implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly root: () => string | undefined,
    private readonly state: vscode.Memento,
    private readonly engine: EngineClient,
    private readonly afterSwitch: () => void,
  ) {}

  get activeName(): string | undefined {
    return this.state.get<string>(ACTIVE_KEY);
  }

  list(): AdapterEntry[] {
    const root = this.root();
    if (!root) return [];
    return listAdapters(root).map((name) => {
      const dir = join(root, name);
      try {
        return { name, dir, config: readAdapterConfig(dir) };
      } catch (error) {
        return { name, dir, problem: (error as Error).message };
      }
    });
  }

  /** Highlights with adapter `name` from now on (null: the base model); re-highlights open documents. */
  async activate(name: string | null): Promise<void> {
    const root = this.root();
    if (name !== null && !root) throw new Error('open a folder first');
    await this.engine.useAdapter(name === null ? null : join(root!, name));
    await this.state.update(ACTIVE_KEY, name ?? undefined);
    this.changed.fire();
    this.afterSwitch();
  }

  /** Re-activates the adapter that was active when the workspace was last open; forgets it if it is gone. */
  async restore(log: (line: string) => void): Promise<void> {
    const name = this.activeName;
    if (!name) return;
    try {
      await this.activate(name);
      log(`adapter ${name} restored`);
    } catch (error) {
      log(`could not restore adapter ${name}: ${(error as Error).message}`);
      await this.state.update(ACTIVE_KEY, undefined);
      this.changed.fire();
    }
  }

  async delete(name: string): Promise<void> {
    const root = this.requireRoot();
    if (this.activeName === name) await this.activate(null);
    deleteAdapter(root, name);
    this.changed.fire();
  }

  async rename(name: string, newName: string): Promise<void> {
    const root = this.requireRoot();
    const wasActive = this.activeName === name;
    renameAdapter(root, name, newName);
    if (wasActive) await this.activate(newName);
    this.changed.fire();
  }

  /** For watchers: something changed on disk. */
  refresh(): void {
    this.changed.fire();
  }

  private requireRoot(): string {
    const root = this.root();
    if (!root) throw new Error('open a folder first');
    return root;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
