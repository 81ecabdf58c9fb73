// The data and actions behind the "Support Set & Adapters" panel: the support store, the adapter registry and
// the running adaptation, turned into PanelState and back.
import * as vscode from 'vscode';
import { relative } from 'node:path';
import { typeCounts, unconfirmedCount } from '../../core/support/supportEdits';
import { nearestOccurrence } from '../../core/support/locateExamples';
import type { SupportExample } from '../../core/support/supportFile';
import { exampleId, withoutExample } from '../../core/support/exampleId';
import { resolveSourceFile } from '../../core/support/sourcePaths';
import { readWorkspaceText, resolveInsideFolder } from '../../core/io/workspaceFiles';
import { folderRef, workspaceFolderRefs } from '../support/sourceFiles';
import { EntityDecorations } from '../decorations';
import type { EngineClient } from '../engineClient';
import type { AdapterRegistry } from '../adapt/adapterRegistry';
import type { AdaptCommand } from '../adapt/adaptCommand';
import type { SupportStore } from '../support/supportStore';
import { SupportPanel, type PanelHost } from './supportPanel';
import type { PanelAdapter, PanelRequest, PanelState } from './panelProtocol';

export interface PanelDeps {
  store: () => SupportStore | undefined;
  registry: AdapterRegistry;
  adapt: AdaptCommand;
  engine: EngineClient;
  log: (line: string) => void;
}

/** Registers `baner.showSupportPanel`; returns the disposables and the panel's host (its actions, for the API). */
export function registerSupportPanel(context: vscode.ExtensionContext, deps: PanelDeps): { disposables: vscode.Disposable[]; host: PanelHost } {
  const host = new SupportPanelHost(deps);
  return { disposables: [host, vscode.commands.registerCommand('baner.showSupportPanel', () => SupportPanel.show(context, host))], host };
}

class SupportPanelHost implements PanelHost, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly subscriptions: vscode.Disposable[];
  private storeSubscription: vscode.Disposable | undefined;
  private watchedStore: SupportStore | undefined;

  constructor(private readonly deps: PanelDeps) {
    const fire = () => this.changed.fire();
    this.subscriptions = [deps.registry.onDidChange(fire), deps.adapt.onDidChange(fire), deps.engine.onDidChangeState(fire)];
  }

  onDidChange(listener: () => void): vscode.Disposable {
    this.watchStore();
    return this.changed.event(listener);
  }

  log(line: string): void {
    this.deps.log(line);
  }

  async getState(): Promise<PanelState> {
    this.watchStore();
    const store = this.deps.store();
    const examples: SupportExample[] = store ? await store.ready() : [];
    const texts = new Map<string, Promise<string | undefined>>();
    const lines = await Promise.all(examples.map((e) => (store && e.source ? lineOf(store, e, texts) : undefined)));
    // Per-type held-out F1 with the model as it is now; the panel shows the rest without it if it fails. Awaited
    // before the rest is read, so that the state describes one moment (the model may switch meanwhile).
    const quality =
      this.deps.engine.state.kind === 'ready' && examples.some((e) => e.spans.length > 0)
        ? await this.deps.engine.typeQuality(examples).catch((error: Error) => {
            this.deps.log(`panel: per-type held-out F1: ${error.message}`);
            return undefined;
          })
        : undefined;
    const engineState = this.deps.engine.state;
    const adapting = this.deps.adapt.state;
    return {
      model: {
        id: engineState.kind === 'ready' ? engineState.info.model : this.deps.engine.modelDirectory,
        provider: engineState.kind === 'ready' ? engineState.info.provider : engineState.kind,
        activeAdapter: engineState.kind === 'ready' ? engineState.info.adapter : undefined,
      },
      types: typeCounts(examples).map(({ label, count }) => ({
        label,
        count,
        color: EntityDecorations.hex(label),
        ...(quality?.[label]?.f1 === undefined ? {} : { heldOutF1: quality[label].f1 }),
        ...(count < 2 ? { warning: `only ${count} example: label at least one more so that the type can be learned and checked` } : {}),
      })),
      examples: examples.map((e, index) => ({ id: exampleId(e), text: e.text, spans: e.spans, rejected: e.rejected, suggested: e.suggested, source: e.source && { ...e.source, line: lines[index] } })),
      unconfirmed: unconfirmedCount(examples),
      adapters: this.deps.registry.list().map((entry): PanelAdapter => {
        const training = (entry.config?.training ?? {}) as Record<string, unknown>;
        const mentions = (training.mentions ?? {}) as Record<string, number>;
        return {
          name: entry.name,
          active: this.deps.registry.activeName === entry.name,
          baseModel: entry.config?.baseModel.id ?? entry.problem ?? 'unknown',
          created: entry.config?.created ?? '',
          types: entry.config?.types ?? [],
          supportSentences: typeof training.supportSentences === 'number' ? training.supportSentences : 0,
          supportMentions: Object.values(mentions).reduce((a, b) => a + b, 0),
          supportF1: typeof training.supportF1 === 'number' ? training.supportF1 : undefined,
          supportScoreKind: typeof training.supportScoreKind === 'string' ? training.supportScoreKind : undefined,
          chosenMethod: typeof training.chosenMethod === 'string' ? training.chosenMethod : undefined,
        };
      }),
      adapting: adapting && { phase: adapting.phase, percent: adapting.percent },
    };
  }

  async onRequest(request: Exclude<PanelRequest, { type: 'ready' }>): Promise<void> {
    const store = this.deps.store();
    switch (request.type) {
      case 'reveal':
        return this.reveal(request.id);
      case 'removeExample':
        // By id, on the examples on disk now: a second click, or a change landing first, removes nothing else.
        if (!store) return;
        await store.update((examples) => withoutExample(examples, request.id));
        return;
      case 'activate':
        return this.deps.registry.activate(request.name);
      case 'delete': {
        const answer = await vscode.window.showWarningMessage(`BANER: delete adapter "${request.name}"? Its files are removed.`, { modal: true }, 'Delete');
        if (answer === 'Delete') await this.deps.registry.delete(request.name);
        return;
      }
      case 'rename':
        return this.deps.registry.rename(request.name, request.newName.trim());
      case 'adapt':
        await vscode.commands.executeCommand('baner.adaptToDomain');
        return;
    }
  }

  /** Opens the file a support sentence came from and selects the sentence (searched near where it was). */
  private async reveal(id: string): Promise<void> {
    const store = this.deps.store();
    const example = store && (await store.ready()).find((e) => exampleId(e) === id);
    if (!store || !example) return;
    if (!example.source) throw new Error('this example does not record the file it came from');
    const uri = vscode.Uri.file(await sourceFileOnDisk(store, example.source));
    const document = await vscode.workspace.openTextDocument(uri);
    const offset = nearestOccurrence(document.getText(), example.text, example.source.offset);
    if (offset < 0) throw new Error(`the sentence is no longer in ${example.source.path}`);
    const range = new vscode.Range(document.positionAt(offset), document.positionAt(offset + example.text.length));
    await vscode.window.showTextDocument(document, { selection: range, viewColumn: vscode.ViewColumn.One });
  }

  /** Follows the current store (it changes when workspace folders change). */
  private watchStore(): void {
    const store = this.deps.store();
    if (store === this.watchedStore) return;
    this.storeSubscription?.dispose();
    this.watchedStore = store;
    const fire = () => this.changed.fire();
    // A file that breaks is news too: the panel then says why it cannot show the support set.
    this.storeSubscription = store && vscode.Disposable.from(store.onDidChange(fire), store.onDidChangeProblem(fire));
  }

  dispose(): void {
    this.storeSubscription?.dispose();
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}

/** Source files are read for a line number only: a bigger one gets none. */
const MAX_SOURCE_BYTES = 20 * 1024 * 1024;

/**
 * The real path of the file a source names, in its own workspace folder. Sources come from a file anyone can
 * edit: a path or a link leading out of the folder is refused.
 */
async function sourceFileOnDisk(store: SupportStore, source: NonNullable<SupportExample['source']>): Promise<string> {
  const resolved = resolveSourceFile(source, workspaceFolderRefs(), folderRef(store.folder));
  if ('problem' in resolved) throw new Error(resolved.problem);
  return resolveInsideFolder(resolved.root, relative(resolved.root, resolved.file));
}

/** The 1-based line where an example's sentence is now in its file (searched near where it was labelled). */
async function lineOf(store: SupportStore, example: SupportExample, texts: Map<string, Promise<string | undefined>>): Promise<number | undefined> {
  const source = example.source!;
  const key = JSON.stringify([source.folder ?? '', source.path]);
  if (!texts.has(key)) texts.set(key, sourceText(store, source));
  const text = await texts.get(key);
  if (text === undefined) return undefined;
  const at = nearestOccurrence(text, example.text, source.offset);
  if (at < 0) return undefined;
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** The text of a source file: the open document (it may be ahead of the disk), else the saved file, read safely. */
async function sourceText(store: SupportStore, source: NonNullable<SupportExample['source']>): Promise<string | undefined> {
  const resolved = resolveSourceFile(source, workspaceFolderRefs(), folderRef(store.folder));
  if ('problem' in resolved) return undefined;
  const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === resolved.file);
  if (open) return open.getText();
  // The line is a hint: a file that cannot be read safely just has none.
  return readWorkspaceText(resolved.root, relative(resolved.root, resolved.file), { maxBytes: MAX_SOURCE_BYTES }).catch(() => undefined);
}
