// Wires the entities view and the type management commands (rename, merge, recolour, delete, undo) into the
// extension: one call from activate().
import type * as vscode from 'vscode';
import type { EngineClient } from '../engineClient';
import type { Highlighter } from '../highlights';
import type { AdapterRegistry } from '../adapt/adapterRegistry';
import type { SupportStore } from '../support/supportStore';
import { EntitiesView, type ViewRow } from './entitiesView';
import { TypeChanges } from './typeChanges';
import { TypeCommands } from './typeCommands';

export interface TypeToolsDeps {
  store: () => SupportStore | undefined;
  registry: AdapterRegistry;
  engine: EngineClient;
  highlighter: Highlighter;
  log: (line: string) => void;
}

export interface TypeTools {
  disposables: vscode.Disposable[];
  view: EntitiesView;
  changes: TypeChanges;
}

export function registerTypeTools(deps: TypeToolsDeps): TypeTools {
  const view = new EntitiesView(deps.highlighter, deps.engine, deps.log);
  const changes = new TypeChanges(deps.store, deps.registry, deps.engine, deps.log);
  const listed = () => [...new Set(view.snapshot().rows.flatMap((section) => (section.children ?? []).flatMap((row: ViewRow) => (row.node.kind === 'type' ? [row.node.label] : []))))];
  const commands = new TypeCommands(changes, deps.engine, listed);
  // Another adapter (or the active one edited) types differently: the workspace scan is out of date.
  const stale = deps.registry.onDidChange(() => view.markWorkspaceStale());
  return { disposables: [view, stale, ...view.register(), ...commands.register()], view, changes };
}

/** The entities view as rows, for the extension's API (tests). */
export type EntitiesViewSnapshot = ReturnType<EntitiesView['snapshot']>;
