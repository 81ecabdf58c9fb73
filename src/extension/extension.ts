// Activation: wires the engine client, decorations, hover, status bar and commands together.
import * as vscode from 'vscode';
import { EngineClient } from './engineClient';
import { SECTION, readConfig, resolveModelDir } from './config';
import { EntityDecorations } from './decorations';
import { Highlighter, type DocumentEntities } from './highlights';
import { EntityHoverProvider } from './hover';
import { StatusBar } from './statusBar';
import { clearHighlights, highlightEntities } from './commands/highlight';

let client: EngineClient | undefined;

/** What `activate` returns: `vscode.extensions.getExtension('<publisher>.baner-vscode')?.exports` for other extensions and tests. */
export interface BanerApi {
  /**
   * The entities highlighted now in the open document `uri` (document offsets) and the document version they
   * were computed for; undefined when the document is not open or not highlighted.
   */
  entitiesOf(uri: vscode.Uri): DocumentEntities | undefined;
}

export function activate(context: vscode.ExtensionContext): BanerApi {
  const started = Date.now();
  const output = vscode.window.createOutputChannel('BANER');
  const log = (line: string) => output.appendLine(`[${new Date().toISOString()}] ${line}`);
  const modelDir = () => resolveModelDir(readConfig(), context.extensionPath);

  // The model loads in the worker on first use, so activation stays cheap.
  const engine = new EngineClient(context.asAbsolutePath('dist/modelWorker.js'), modelDir(), log);
  client = engine;
  const decorations = new EntityDecorations();
  const highlighter = new Highlighter(engine, decorations, log);

  context.subscriptions.push(
    output,
    decorations,
    highlighter,
    new StatusBar(engine, highlighter),
    vscode.languages.registerHoverProvider([{ scheme: 'file' }, { scheme: 'untitled' }], new EntityHoverProvider(highlighter)),
    vscode.commands.registerCommand('baner.highlightEntities', highlightEntities(highlighter)),
    vscode.commands.registerCommand('baner.clearHighlights', clearHighlights(highlighter)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      if (e.affectsConfiguration(`${SECTION}.modelPath`) && modelDir() !== engine.modelDirectory) {
        engine.load(modelDir()).then(
          () => highlighter.refreshAll(),
          (error: Error) => void vscode.window.showErrorMessage(`BANER: ${error.message}`),
        );
      } else if (e.affectsConfiguration(`${SECTION}.confidenceThreshold`)) {
        highlighter.refreshAll();
      }
      if (e.affectsConfiguration(`${SECTION}.autoHighlight`)) highlighter.autoHighlightVisible();
    }),
  );

  highlighter.autoHighlightVisible();
  log(`activated in ${Date.now() - started} ms; model directory ${engine.modelDirectory}`);
  return {
    entitiesOf(uri) {
      const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      const state = document && highlighter.get(document);
      return state && { version: state.version, entities: state.entities.map((e) => ({ ...e })) };
    },
  };
}

export async function deactivate(): Promise<void> {
  await client?.dispose();
  client = undefined;
}
