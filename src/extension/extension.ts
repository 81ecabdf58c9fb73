// Activation: wires the engine client, decorations, hover, status bar, support set, adapters and commands.
import * as vscode from 'vscode';
import { EngineClient } from './engineClient';
import { SECTION, readConfig, resolveModelDir } from './config';
import { EntityDecorations } from './decorations';
import { Highlighter, type DocumentEntities, type PaintEvent } from './highlights';
import { EntityHoverProvider } from './hover';
import { StatusBar } from './statusBar';
import { clearHighlights, highlightEntities } from './commands/highlight';
import { selectModel, showComputeDevices } from './commands/model';
import { registerAnnotateWorkspace } from './commands/annotateWorkspace';
import { registerImportExport } from './commands/importExport';
import { SupportStore } from './support/supportStore';
import { SentenceQueue, type QueueRow } from './active/sentenceQueue';
import { LabelCommands } from './support/labelCommands';
import { LabelDecorations, type ShownLabels } from './support/labelDecorations';
import { AdapterRegistry } from './adapt/adapterRegistry';
import { AdaptCommand } from './adapt/adaptCommand';
import { registerSupportPanel } from './panel/panelHost';
import type { SupportExample } from '../core/support/supportFile';
import { SupportPanel } from './panel/supportPanel';
import type { PanelRequest, PanelState } from './panel/panelProtocol';
import { workspaceAccess, type WorkspaceAccess } from './workspaceAccess';
import { registerTypeTools, type EntitiesViewSnapshot } from './types/typeTools';

let client: EngineClient | undefined;

/** What `activate` returns: `vscode.extensions.getExtension('<publisher>.baner-vscode')?.exports` for other extensions and tests. */
export interface BanerApi {
  /**
   * The entities highlighted now in the open document `uri` (document offsets) and the document version they
   * were computed for; undefined when the document is not open or not highlighted.
   */
  entitiesOf(uri: vscode.Uri): DocumentEntities | undefined;
  /** The support set of the workspace (empty without a folder). */
  supportExamples(): SupportExample[];
  /** Support labels and rejections drawn in `editor` now (document offsets). */
  labelsShownIn(editor: vscode.TextEditor): ShownLabels;
  /** The active adapter's name, if any, the types the engine assigns, and the model loaded (its id and folder). */
  engineState(): { adapter?: string; labels: string[]; provider?: string; loadMs?: number; model?: string; modelDir?: string } | undefined;
  /** The status bar text. */
  statusText(): string;
  /** The state the support panel was last sent, if it is open. */
  panelState(): PanelState | undefined;
  /** Performs what a button of the panel asks for (activate, rename, delete, reveal, ...), as the panel does. */
  panelRequest(request: Exclude<PanelRequest, { type: 'ready' }>): Promise<void>;
  /** Activates a workspace adapter by name (null: the base model). */
  activateAdapter(name: string | null): Promise<void>;
  /** The latest decoration paints (visible lines first, or whole documents), oldest first: for latency tests and benchmarks. */
  recentPaints(): PaintEvent[];
  /** The rows of the "Next Sentences to Label" view, most useful first. */
  nextSentences(): readonly QueueRow[];
  /** The "BANER: Entities" view as shown (every node expanded), with its filter description and message. */
  entitiesView(): EntitiesViewSnapshot;
}

export function activate(context: vscode.ExtensionContext): BanerApi {
  const started = Date.now();
  const output = vscode.window.createOutputChannel('BANER');
  const log = (line: string) => output.appendLine(`[${new Date().toISOString()}] ${line}`);
  const modelDir = () => resolveModelDir(readConfig(), context.extensionPath);

  // The model loads in the worker on first use, so activation stays cheap.
  const engine = new EngineClient(context.asAbsolutePath('dist/modelWorker.js'), modelDir(), log, readConfig().backend);
  client = engine;
  const decorations = new EntityDecorations();
  const highlighter = new Highlighter(engine, decorations, log);
  const paints: PaintEvent[] = [];
  context.subscriptions.push(
    highlighter.onDidPaint((paint) => {
      paints.push(paint);
      if (paints.length > 50) paints.shift();
    }),
  );

  // The support set and adapters live in the first workspace folder; nothing of it is read in Restricted Mode.
  let store: SupportStore | undefined;
  const queue = new SentenceQueue(engine, () => store, log);
  let access: WorkspaceAccess = { kind: 'none' };
  let accessReported: string | undefined;
  const labelDecorations = new LabelDecorations();
  const openStore = () => {
    store?.dispose();
    const folder = vscode.workspace.workspaceFolders?.[0];
    access = workspaceAccess(folder?.uri, vscode.workspace.isTrusted);
    if ((access.kind === 'restricted' || access.kind === 'virtual') && accessReported !== access.reason) {
      log(access.reason);
      void vscode.window.showWarningMessage(`BANER: ${access.reason}`);
      accessReported = access.reason;
    }
    store = folder && access.kind === 'allowed' ? new SupportStore(folder, log) : undefined;
    const show = (examples: SupportExample[]) => {
      labelDecorations.show(examples);
      engine.setSupport(examples);
    };
    labelDecorations.setStale(undefined);
    if (store) {
      store.onDidChange(show);
      store.onDidChangeProblem((problem) => labelDecorations.setStale(problem));
      try {
        show(store.read());
      } catch (error) {
        log(`support set: ${(error as Error).message}`);
        void vscode.window.showWarningMessage(`BANER: the support set cannot be read: ${(error as Error).message}. Fix the file; BANER will not overwrite it meanwhile.`);
      }
    } else show([]);
  };
  openStore();
  const registry = new AdapterRegistry(() => (access.kind === 'allowed' ? access.folder : undefined), context.workspaceState, engine, () => highlighter.refreshAll(), log);
  const adaptersProblem = registry.rootProblem();
  if (adaptersProblem) void vscode.window.showWarningMessage(`BANER: the workspace's adapters are not used: ${adaptersProblem}`);
  const adapt = new AdaptCommand(context.asAbsolutePath('dist/adaptWorker.js'), modelDir, () => store, registry, log, () =>
    access.kind === 'restricted' || access.kind === 'virtual' ? access.reason : undefined,
  );
  const statusBar = new StatusBar(engine, highlighter, adapt);
  const panel = registerSupportPanel(context, { store: () => store, registry, adapt, engine, log });
  const typeTools = registerTypeTools({ store: () => store, registry, engine, highlighter, log });

  context.subscriptions.push(
    output,
    decorations,
    highlighter,
    labelDecorations,
    registry,
    adapt,
    statusBar,
    { dispose: () => store?.dispose() },
    vscode.languages.registerHoverProvider([{ scheme: 'file' }, { scheme: 'untitled' }], new EntityHoverProvider(highlighter, engine)),
    vscode.commands.registerCommand('baner.highlightEntities', highlightEntities(highlighter)),
    vscode.commands.registerCommand('baner.clearHighlights', clearHighlights(highlighter)),
    vscode.commands.registerCommand('baner.selectModel', selectModel(engine, context.extensionPath)),
    vscode.commands.registerCommand('baner.showComputeDevices', showComputeDevices(engine, context.asAbsolutePath('dist/adaptWorker.js'), log, () => output.show(true))),
    ...new LabelCommands(() => store, highlighter, engine).register(),
    queue,
    ...queue.register(),
    ...adapt.register(),
    ...registerAnnotateWorkspace(context, modelDir, registry, log),
    ...registerImportExport({ store: () => store, engine, log }),
    ...panel.disposables,
    ...typeTools.disposables,
    vscode.workspace.onDidChangeWorkspaceFolders(() => openStore()),
    // Trusting the workspace lifts Restricted Mode: its support set and remembered adapter are loaded now.
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      openStore();
      registry.refresh();
      void registry.restore();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      const config = readConfig();
      if ((e.affectsConfiguration(`${SECTION}.modelPath`) && modelDir() !== engine.modelDirectory) || e.affectsConfiguration(`${SECTION}.backend`)) {
        // An adapter belongs to a base model: after a switch it is re-applied (and forgotten if it does not fit).
        // When the new model fails to load, the remembered adapter is kept for the next model that loads.
        engine.load(modelDir(), config.backend).then(
          () => registry.restore().then(() => highlighter.refreshAll()),
          (error: Error) => {
            log(`model switch failed: ${error.message}`);
            registry.refresh();
            void vscode.window.showErrorMessage(`BANER: ${error.message}`);
          },
        );
      } else if (e.affectsConfiguration(`${SECTION}.confidenceThreshold`)) {
        highlighter.refreshAll();
      }
      if (e.affectsConfiguration(`${SECTION}.autoHighlight`)) highlighter.autoHighlightVisible();
    }),
  );

  void registry.restore().then(() => highlighter.autoHighlightVisible());
  log(`activated in ${Date.now() - started} ms; model directory ${engine.modelDirectory}`);
  return {
    entitiesOf(uri) {
      const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      const state = document && highlighter.get(document);
      return state && { version: state.version, entities: state.entities.map((e) => ({ ...e })) };
    },
    supportExamples: () => {
      try {
        return store?.read() ?? [];
      } catch {
        return [];
      }
    },
    labelsShownIn: (editor) => labelDecorations.shownIn(editor),
    engineState: () => {
      if (engine.state.kind !== 'ready') return undefined;
      const { adapter, labels, provider, loadMs, model, modelDir } = engine.state.info;
      return { adapter, labels, provider, loadMs, model, modelDir };
    },
    statusText: () => statusBar.text,
    panelState: () => SupportPanel.current?.lastStateSent(),
    panelRequest: (request) => panel.host.onRequest(request),
    activateAdapter: (name) => registry.activate(name),
    recentPaints: () => [...paints],
    nextSentences: () => queue.shown(),
    entitiesView: () => typeTools.view.snapshot(),
  };
}

export async function deactivate(): Promise<void> {
  await client?.dispose();
  client = undefined;
}
