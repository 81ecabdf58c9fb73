// The data and actions behind the "Support Set & Adapters" panel: the support store, the adapter registry and
// the running adaptation, turned into PanelState and back.
import * as vscode from 'vscode';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { typeCounts } from '../../core/support/supportEdits';
import { nearestOccurrence } from '../../core/support/locateExamples';
import type { SupportExample } from '../../core/support/supportFile';
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

  async getState(): Promise<PanelState> {
    this.watchStore();
    const store = this.deps.store();
    const examples: SupportExample[] = store ? store.read() : [];
    const texts = new Map<string, string | undefined>();
    const engineState = this.deps.engine.state;
    const adapting = this.deps.adapt.state;
    return {
      model: {
        id: engineState.kind === 'ready' ? engineState.info.model : this.deps.engine.modelDirectory,
        provider: engineState.kind === 'ready' ? engineState.info.provider : engineState.kind,
        activeAdapter: engineState.kind === 'ready' ? engineState.info.adapter : undefined,
      },
      types: typeCounts(examples).map(({ label, count }) => ({ label, count, color: EntityDecorations.hex(label) })),
      examples: examples.map((e, index) => ({ index, text: e.text, spans: e.spans, rejected: e.rejected, source: e.source && { ...e.source, line: store && lineOf(store.folder.uri.fsPath, e, texts) } })),
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
        return this.reveal(request.index);
      case 'removeExample':
        if (!store) return;
        await store.update((examples) => (request.index >= 0 && request.index < examples.length ? examples.filter((_, i) => i !== request.index) : undefined));
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
  private async reveal(index: number): Promise<void> {
    const store = this.deps.store();
    const example = store?.read()[index];
    if (!store || !example) return;
    if (!example.source) throw new Error('this example does not record the file it came from');
    const root = store.folder.uri.fsPath;
    const file = resolve(root, example.source.path);
    if (!isInside(root, file)) throw new Error(`${example.source.path} is outside the workspace folder`);
    const uri = vscode.Uri.file(file);
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
    this.storeSubscription = store?.onDidChange(() => this.changed.fire());
  }

  dispose(): void {
    this.storeSubscription?.dispose();
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}

/** The 1-based line where an example's sentence is now in its file (searched near where it was labelled). */
function lineOf(root: string, example: SupportExample, texts: Map<string, string | undefined>): number | undefined {
  const path = example.source!.path;
  if (!texts.has(path)) {
    const file = resolve(root, path);
    const inside = isInside(root, file);
    // Open documents may be ahead of the disk; the line is a hint, so the saved text is good enough.
    const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
    texts.set(path, open ? open.getText() : inside && existsSync(file) ? readFileSync(file, 'utf8') : undefined);
  }
  const text = texts.get(path);
  if (text === undefined) return undefined;
  const at = nearestOccurrence(text, example.text, example.source!.offset);
  if (at < 0) return undefined;
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Support sources come from a file anyone can edit: only files inside the workspace folder are read or opened. */
function isInside(root: string, file: string): boolean {
  const path = relative(root, file);
  return !path.startsWith('..') && !isAbsolute(path);
}
