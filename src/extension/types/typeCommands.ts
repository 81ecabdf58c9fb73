// Rename Entity Type, Merge Entity Types, Delete Entity Type, Undo Type Change and Recolour Entity Type. Each
// takes optional arguments (for scripts, keybindings and tests: `{ "from": "DRUG", "to": "MEDICATION" }`) and asks
// with a quick pick or an input box for what is missing; the entities view's type rows pass themselves.
import * as vscode from 'vscode';
import { SECTION } from '../config';
import { EntityDecorations, TYPE_COLOURS_SETTING } from '../decorations';
import { normaliseHexColour } from '../../core/types/typeColours';
import { validateTypeName } from '../support/labelCommands';
import { guarded, UserError } from '../commandGuard';
import type { EngineClient } from '../engineClient';
import type { TypeChangeSummary, TypeChanges, TypeUsage } from './typeChanges';

export interface RenameArgs {
  from?: string;
  to?: string;
}
export interface MergeArgs {
  from?: string;
  into?: string;
}
export interface DeleteArgs {
  type?: string;
}
export interface RecolourArgs {
  type?: string;
  /** #rgb or #rrggbb; null or '' returns the type to its palette colour. */
  color?: string | null;
}
export interface UndoArgs {
  /** Undo even when the files changed since (true), or refuse then (false); absent: ask. */
  force?: boolean;
}

/** A row of the entities view (its type nodes carry `label`). */
type FromView = { kind: 'type'; label: string };

export class TypeCommands {
  constructor(
    private readonly changes: TypeChanges,
    private readonly engine: EngineClient,
    /** The types the entities view lists now (offered for recolouring). */
    private readonly listedTypes: () => string[],
  ) {}

  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand('baner.renameEntityType', (args?: RenameArgs | FromView) => guarded(() => this.rename(fromView(args, 'from')))),
      vscode.commands.registerCommand('baner.mergeEntityTypes', (args?: MergeArgs | FromView) => guarded(() => this.merge(fromView(args, 'from')))),
      vscode.commands.registerCommand('baner.deleteEntityType', (args?: DeleteArgs | FromView) => guarded(() => this.delete(fromView(args, 'type')))),
      vscode.commands.registerCommand('baner.recolourEntityType', (args?: RecolourArgs | FromView) => guarded(() => this.recolour(fromView(args, 'type')))),
      vscode.commands.registerCommand('baner.undoTypeChange', (args?: UndoArgs) => guarded(() => this.undo(args))),
    ];
  }

  private async rename(args: RenameArgs): Promise<TypeChangeSummary | undefined> {
    const from = args.from ?? (await this.pickType('Rename which entity type?'));
    if (from === undefined) return undefined;
    const to = args.to !== undefined ? checkedName(args.to) : await askName(`New name of ${from}`, from);
    if (to === undefined) return undefined;
    return this.report(await this.changes.apply({ kind: 'rename', from, to }));
  }

  private async merge(args: MergeArgs): Promise<TypeChangeSummary | undefined> {
    const from = args.from ?? (await this.pickType('Merge which entity type (it disappears)?'));
    if (from === undefined) return undefined;
    const into = args.into !== undefined ? checkedName(args.into) : await this.pickType(`Merge ${from} into which type?`, from);
    if (into === undefined) return undefined;
    return this.report(await this.changes.apply({ kind: 'merge', from, into }));
  }

  private async delete(args: DeleteArgs): Promise<TypeChangeSummary | undefined> {
    const interactive = args.type === undefined;
    const type = args.type ?? (await this.pickType('Delete which entity type?'));
    if (type === undefined) return undefined;
    if (interactive) {
      const use = (await this.changes.usage()).find((u) => u.label === type);
      const where = use ? describeUsage(use) : 'nothing';
      const choice = await vscode.window.showWarningMessage(
        `BANER: delete the type ${type} (${where})? Its labels and suggestions leave the support set and its prototype the adapters. Undo Type Change takes it back.`,
        { modal: true },
        'Delete',
      );
      if (choice !== 'Delete') return undefined;
    }
    return this.report(await this.changes.apply({ kind: 'delete', type }));
  }

  private async undo(args: UndoArgs = {}): Promise<TypeChangeSummary> {
    const summary = await this.changes.undo(async (changed) => {
      if (args.force !== undefined) return args.force;
      const choice = await vscode.window.showWarningMessage(
        `BANER: ${changed.join(', ')} changed since the type change. Undo anyway (what changed since is lost)?`,
        { modal: true },
        'Undo Anyway',
      );
      return choice === 'Undo Anyway';
    });
    vscode.window.setStatusBarMessage(`BANER: undone: ${summary.description}`, 5000);
    return summary;
  }

  /** Sets (or, with an empty colour, removes) the type's entry of `baner.typeColors`; resolves to the type's colour now. */
  private async recolour(args: RecolourArgs): Promise<string | undefined> {
    const type = args.type !== undefined ? checkedName(args.type) : await this.pickType('Recolour which entity type?', undefined, true);
    if (type === undefined) return undefined;
    let colour: string | null;
    if (args.color !== undefined) colour = args.color === null || args.color.trim() === '' ? null : checkedColour(args.color);
    else {
      const typed = await vscode.window.showInputBox({
        title: `BANER: colour of ${type}`,
        prompt: 'A CSS hex colour such as #e6194b or #e14 (empty: back to the palette colour)',
        value: EntityDecorations.hex(type),
        validateInput: (v) => (v.trim() === '' || normaliseHexColour(v) ? undefined : 'A hex colour: # and 3 or 6 hex digits'),
      });
      if (typed === undefined) return undefined;
      colour = typed.trim() === '' ? null : checkedColour(typed);
    }
    const config = vscode.workspace.getConfiguration(SECTION);
    const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    const inspected = config.inspect<Record<string, unknown>>(TYPE_COLOURS_SETTING);
    const current = (target === vscode.ConfigurationTarget.Workspace ? inspected?.workspaceValue : inspected?.globalValue) ?? {};
    const next: Record<string, unknown> = { ...(typeof current === 'object' && !Array.isArray(current) ? current : {}) };
    if (colour === null) delete next[type];
    else next[type] = colour;
    await config.update(TYPE_COLOURS_SETTING, Object.keys(next).length > 0 ? next : undefined, target);
    return colour ?? EntityDecorations.paletteHex(type);
  }

  /** A type of the support set or the adapters (or, `any`, one the model or the view knows), picked; `except` left out. */
  private async pickType(title: string, except?: string, any = false): Promise<string | undefined> {
    const usage = await this.changes.usage();
    const items: vscode.QuickPickItem[] = usage.filter((u) => u.label !== except).map((u) => ({ label: u.label, description: describeUsage(u) }));
    if (any) {
      const others = [...(this.engine.state.kind === 'ready' ? this.engine.state.info.labels : []), ...this.listedTypes()];
      for (const label of new Set(others)) if (!items.some((i) => i.label === label)) items.push({ label, description: 'highlighted by the model' });
    }
    if (items.length === 0) throw new UserError('there is no entity type in the support set or the adapters yet.');
    const picked = await vscode.window.showQuickPick(items, { title: `BANER: ${title}` });
    return picked?.label;
  }

  private report(summary: TypeChangeSummary): TypeChangeSummary {
    const { spans, suggested, removedExamples } = summary.support;
    const parts = [`${spans} label${spans === 1 ? '' : 's'}`, `${suggested} suggestion${suggested === 1 ? '' : 's'}`];
    if (removedExamples > 0) parts.push(`${removedExamples} sentence${removedExamples === 1 ? '' : 's'} left the support set`);
    const adapters = summary.adapters.length > 0 ? `; adapters: ${summary.adapters.join(', ')}` : '';
    const skipped = summary.skipped.length > 0 ? ` (left out, unreadable: ${summary.skipped.join(', ')})` : '';
    void vscode.window.showInformationMessage(`BANER: ${summary.description}: ${parts.join(', ')}${adapters}${skipped}.`, 'Undo').then((choice) => {
      if (choice === 'Undo') void vscode.commands.executeCommand('baner.undoTypeChange');
    });
    return summary;
  }
}

/** Arguments of a command run from a type row of the entities view: its type in the field `field`. */
function fromView<T extends object>(args: T | FromView | undefined, field: string): T {
  if (!args || typeof args !== 'object') return {} as T;
  if ('kind' in args && args.kind === 'type' && typeof args.label === 'string') return { [field]: args.label } as T;
  return args as T;
}

function describeUsage(u: TypeUsage): string {
  const parts: string[] = [];
  if (u.spans > 0) parts.push(`${u.spans} label${u.spans === 1 ? '' : 's'}`);
  if (u.suggested > 0) parts.push(`${u.suggested} suggestion${u.suggested === 1 ? '' : 's'}`);
  if (u.adapters.length > 0) parts.push(`adapter${u.adapters.length === 1 ? '' : 's'} ${u.adapters.join(', ')}`);
  return parts.join(', ') || 'unused';
}

function checkedName(name: unknown): string {
  if (typeof name !== 'string') throw new UserError('a type name is text.');
  const problem = validateTypeName(name);
  if (problem) throw new UserError(problem);
  return name.trim();
}

function checkedColour(colour: unknown): string {
  const hex = normaliseHexColour(colour);
  if (!hex) throw new UserError('a colour is # and 3 or 6 hex digits, e.g. #e6194b.');
  return hex;
}

async function askName(title: string, current: string): Promise<string | undefined> {
  const name = await vscode.window.showInputBox({ title: `BANER: ${title}`, value: current, prompt: 'Letters, digits, "_", "-" or "." (no spaces)', validateInput: validateTypeName });
  return name?.trim() || undefined;
}
