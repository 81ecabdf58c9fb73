// Which of the workspace's adapters (.baner/adapters/<name>/) the model worker uses, and the operations on them.
// A switch is all or nothing from here: the name is checked, the folder confined to the workspace and every file
// checked before the worker is asked; when the worker fails anyway, the previous adapter is put back and stays the
// one remembered. Operations run one at a time. No 'vscode' import: tested in plain Node with a stand-in engine.
import { join } from 'node:path';
import { AdapterError, checkAdapterName, deleteAdapter, isAdapterName, listAdapters, loadAdapter, readAdapterConfig, renameAdapter } from '../../core/adapters/adapterFiles';
import { workspaceAdaptersRoot } from '../../core/adapters/workspaceAdapters';
import type { AdapterConfig } from '../../core/adapters/adapter';
import { readManifest } from '../../core/model/modelDirectory';

/** Where the active adapter's name is kept (the workspace state), so that it comes back with the workspace. */
export const ACTIVE_KEY = 'baner.activeAdapter';

export interface AdapterEntry {
  name: string;
  dir: string;
  config?: AdapterConfig;
  /** Why its adapter.json could not be used. */
  problem?: string;
}

/** The part of the engine client a switch needs. */
export interface AdapterEngine {
  useAdapter(dir: string | null): Promise<unknown>;
  readonly modelDirectory: string;
  readonly state: { kind: string };
}

/** The part of a vscode.Memento used (the workspace state). */
export interface NameMemory {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

export class ActiveAdapter {
  private queue: Promise<unknown> = Promise.resolve();
  private reportedRootProblem: string | undefined;

  constructor(
    /** The workspace folder whose adapters may be used; undefined without one or in Restricted Mode. */
    private readonly folder: () => string | undefined,
    private readonly memory: NameMemory,
    private readonly engine: AdapterEngine,
    private readonly log: (line: string) => void,
    /** After anything changed; `switched` when the worker's adapter did (documents need highlighting again). */
    private readonly changed: (switched: boolean) => void = () => {},
  ) {}

  /** The adapter remembered as active; a remembered value that is no adapter name counts as none. */
  get activeName(): string | undefined {
    const name = this.memory.get<unknown>(ACTIVE_KEY);
    return isAdapterName(name) ? name : undefined;
  }

  /** The adapters folder (a real path inside the workspace folder); undefined when there is none, or no folder may be used. */
  root(options: { create?: boolean } = {}): string | undefined {
    const folder = this.folder();
    return folder === undefined ? undefined : workspaceAdaptersRoot(folder, options);
  }

  /** Why the adapters folder cannot be used (a link leading out of the workspace...), or undefined. */
  rootProblem(): string | undefined {
    try {
      this.root();
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }

  list(): AdapterEntry[] {
    let root: string | undefined;
    try {
      root = this.root();
    } catch (error) {
      const problem = (error as Error).message;
      if (problem !== this.reportedRootProblem) this.log(`adapters: ${problem}`);
      this.reportedRootProblem = problem;
      return [];
    }
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

  /** Highlights with adapter `name` from now on (null: the base model). On failure the previous one stays active. */
  activate(name: string | null): Promise<void> {
    return this.serially(async () => {
      const previous = this.activeName;
      await this.switchTo(name, previous ?? null);
      await this.remember(name ?? undefined);
      this.changed(true);
    });
  }

  /**
   * Re-activates the adapter remembered for this workspace (at start, after a model switch). It is forgotten only
   * when the adapter itself cannot be used: without a folder to read (Restricted Mode) or a model, it is kept.
   */
  restore(): Promise<void> {
    return this.serially(async () => {
      const remembered = this.memory.get<unknown>(ACTIVE_KEY);
      if (remembered === undefined) return;
      if (!isAdapterName(remembered)) {
        this.log('the remembered active adapter has no valid adapter name: forgotten');
        await this.remember(undefined);
        return;
      }
      if (this.folder() === undefined) {
        this.log(`adapter ${remembered} not restored: the workspace's adapters are not used now`);
        return;
      }
      try {
        await this.switchTo(remembered, null);
        this.log(`adapter ${remembered} restored`);
        this.changed(true);
      } catch (error) {
        if (!(error instanceof AdapterError) && this.engine.state.kind !== 'ready') {
          this.log(`adapter ${remembered} not restored now (no model is loaded): ${(error as Error).message}`);
          return;
        }
        this.log(`could not restore adapter ${remembered}: ${(error as Error).message}`);
        await this.remember(undefined);
        this.changed(false);
      }
    });
  }

  delete(name: string): Promise<void> {
    return this.serially(async () => {
      checkAdapterName(name);
      const root = this.requireRoot();
      const wasActive = this.activeName === name;
      if (wasActive) {
        await this.engine.useAdapter(null).catch((error: Error) => this.log(`switching to the base model before deleting ${name}: ${error.message}`));
      }
      deleteAdapter(root, name);
      if (wasActive) await this.remember(undefined);
      this.changed(wasActive);
    });
  }

  rename(name: string, newName: string): Promise<void> {
    return this.serially(async () => {
      checkAdapterName(name);
      checkAdapterName(newName);
      const root = this.requireRoot();
      const wasActive = this.activeName === name;
      renameAdapter(root, name, newName);
      if (wasActive) {
        // The worker holds the adapter's weights, not its folder: it goes on highlighting with it; the new folder is
        // what a restarted worker reloads.
        await this.remember(newName);
        await this.engine.useAdapter(join(root, newName)).catch((error: Error) => this.log(`re-activating ${newName} after the rename: ${error.message}`));
      }
      this.changed(wasActive);
    });
  }

  /**
   * Asks the worker for adapter `name` after checking everything it will read; when the worker fails, puts back
   * `fallback` (null: the base model) so that it is in a known state, and throws saying what stays active.
   */
  private async switchTo(name: string | null, fallback: string | null): Promise<void> {
    if (name === null) {
      await this.engine.useAdapter(null);
      return;
    }
    checkAdapterName(name);
    const root = this.requireRoot();
    const dir = join(root, name);
    // The whole adapter, checked here first: a damaged one never reaches the worker.
    loadAdapter(dir, undefined, { spanDims: this.modelSpanDims() });
    try {
      await this.engine.useAdapter(dir);
    } catch (error) {
      const kept = await this.putBack(root, fallback === name ? null : fallback);
      throw new Error(`adapter "${name}" could not be activated: ${(error as Error).message}; ${kept}`);
    }
  }

  /** Puts adapter `name` (null: none) back into the worker; returns what is in use now, in words. */
  private async putBack(root: string, name: string | null): Promise<string> {
    if (name !== null) {
      try {
        await this.engine.useAdapter(join(root, name));
        return `"${name}" stays active`;
      } catch (error) {
        this.log(`could not put adapter ${name} back: ${(error as Error).message}`);
      }
    }
    try {
      await this.engine.useAdapter(null);
      if (name !== null) {
        await this.remember(undefined);
        this.changed(true);
      }
      return 'the base model is in use';
    } catch (error) {
      this.log(`could not return to the base model: ${(error as Error).message}`);
      return 'no model is loaded';
    }
  }

  /** The span width of the model in use, for checking type vectors (undefined when its manifest cannot be read). */
  private modelSpanDims(): number | undefined {
    try {
      const dims = readManifest(this.engine.modelDirectory).architecture.spanDims;
      return typeof dims === 'number' ? dims : undefined;
    } catch {
      return undefined; // the worker will say what is wrong with the model
    }
  }

  private requireRoot(): string {
    if (this.folder() === undefined) throw new Error('open a trusted folder first: adapters live in its .baner/adapters');
    const root = this.root();
    if (!root) throw new AdapterError('this workspace has no adapters yet (.baner/adapters)');
    return root;
  }

  private async remember(name: string | undefined): Promise<void> {
    await this.memory.update(ACTIVE_KEY, name);
  }

  private serially<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation, operation);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
