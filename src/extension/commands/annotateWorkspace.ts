// `BANER: Annotate Workspace`: the entities of every document a glob matches in the workspace folder, through a
// pool of model workers (core/annotate), into one JSONL file or INPUT.entities.jsonl beside each document, behind
// a cancellable progress notification. Running it again resumes: documents finished and unchanged since are
// skipped. The model, adapter and threshold are the editor's, so each document's line holds the entities the
// editor highlights in it. `BANER: Cancel Annotation` (or the notification's Cancel) stops a run; what was written
// stays. Documents are read from disk: unsaved edits in an editor are not seen.
import * as vscode from 'vscode';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { annotateDocuments, type AnnotateProgress, type AnnotateResult } from '../../core/annotate/annotateRun';
import { annotationSettings } from '../../core/annotate/annotationSettings';
import { AnnotationStoreError, type OutputLayout } from '../../core/annotate/annotationStore';
import { documentRefs, LEDGER_SUFFIX } from '../../core/annotate/documentFiles';
import { ModelPool, poolSize } from '../../core/annotate/modelPool';
import { resolveInsideFolder } from '../../core/io/workspaceFiles';
import { isRealDirectory } from '../../core/io/pathKinds';
import { readConfig } from '../config';
import type { AdapterRegistry } from '../adapt/adapterRegistry';

/** What the command asks for when run from the palette; a caller (a test, another extension) may pass it. */
export interface AnnotateWorkspaceArgs {
  /** Documents: a glob relative to the workspace folder (default asked, proposing DEFAULT_INCLUDE). */
  include?: string;
  output?: OutputLayout;
  /** one-file: the output file, relative to the workspace folder (default asked, proposing DEFAULT_OUT_FILE). */
  outFile?: string;
  /** Start over instead of resuming (asked when the earlier run's settings differ). */
  restart?: boolean;
  /** Model workers (default one per core). */
  workers?: number;
}

export interface AnnotateWorkspaceResult extends AnnotateResult {
  /** The output file (one-file) and the ledger, absolute. */
  output?: string;
  ledger: string;
}

export const DEFAULT_INCLUDE = '**/*.{txt,md}';
export const DEFAULT_OUT_FILE = 'entities.jsonl';
/** The ledger of the next-to-inputs layout, in BANER's folder. */
const NEXT_TO_INPUTS_LEDGER = ['.baner', `annotate${LEDGER_SUFFIX}`];
/** Progress notifications at most this often. */
const REPORT_MS = 250;

/** The command's disposables: `context.subscriptions.push(...registerAnnotateWorkspace(...))`. */
export function registerAnnotateWorkspace(context: vscode.ExtensionContext, modelDir: () => string, registry: AdapterRegistry, log: (line: string) => void): vscode.Disposable[] {
  const command = new AnnotateWorkspace(context.asAbsolutePath('dist/modelWorker.js'), modelDir, registry, log);
  return [
    command,
    vscode.commands.registerCommand('baner.annotateWorkspace', (args?: AnnotateWorkspaceArgs) => command.run(args ?? {})),
    vscode.commands.registerCommand('baner.cancelAnnotation', () => command.cancel()),
  ];
}

export class AnnotateWorkspace implements vscode.Disposable {
  private running: AbortController | undefined;

  constructor(
    private readonly workerPath: string,
    private readonly modelDir: () => string,
    private readonly registry: AdapterRegistry,
    private readonly log: (line: string) => void,
  ) {}

  cancel(): boolean {
    if (!this.running) return false;
    this.running.abort();
    return true;
  }

  dispose(): void {
    this.running?.abort();
  }

  /** Resolves to what the run did, or undefined when it did not start (no folder, a question dismissed...). */
  async run(args: AnnotateWorkspaceArgs): Promise<AnnotateWorkspaceResult | undefined> {
    if (this.running) {
      void vscode.window.showInformationMessage('BANER: an annotation is running already ("BANER: Cancel Annotation" stops it).');
      return undefined;
    }
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) {
      void vscode.window.showInformationMessage('BANER: open a folder to annotate its documents.');
      return undefined;
    }
    if (folder.uri.scheme !== 'file') {
      void vscode.window.showErrorMessage('BANER: this workspace folder is not on the local file system; its documents cannot be annotated.');
      return undefined;
    }
    const include = args.include ?? (await askInclude());
    if (!include) return undefined;
    const layout = args.output ?? (await askLayout());
    if (!layout) return undefined;
    const root = folder.uri.fsPath;
    let output: string | undefined;
    if (layout === 'one-file') {
      const relative = args.outFile ?? (await askOutFile());
      if (!relative) return undefined;
      try {
        output = await resolveInsideFolder(root, relative);
        if (isRealDirectory(output)) throw new Error(`${relative} is a folder; name the output file`);
      } catch (error) {
        void vscode.window.showErrorMessage(`BANER: ${(error as Error).message}`);
        return undefined;
      }
    }
    const ledger = output ? output + LEDGER_SUFFIX : join(root, ...NEXT_TO_INPUTS_LEDGER);

    const found = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, include));
    const documents = await documentRefs(
      found.filter((uri) => uri.scheme === 'file').map((uri) => uri.fsPath),
      { base: root, exclude: output ? [output, ledger] : [ledger] },
    );
    if (documents.length === 0) {
      void vscode.window.showInformationMessage(`BANER: no documents match ${include} in ${folder.name}.`);
      return undefined;
    }

    const config = readConfig();
    const modelDir = this.modelDir();
    const active = this.registry.activeName;
    const adapterDir = active === undefined ? null : (this.registry.list().find((entry) => entry.name === active)?.dir ?? null);
    let settings;
    try {
      settings = annotationSettings(modelDir, adapterDir, config.confidenceThreshold);
    } catch (error) {
      void vscode.window.showErrorMessage(`BANER: cannot annotate with the model ${modelDir}: ${(error as Error).message}`);
      return undefined;
    }

    const controller = new AbortController();
    this.running = controller;
    void vscode.commands.executeCommand('setContext', 'baner.annotating', true);
    try {
      let restart = args.restart === true;
      for (;;) {
        try {
          const result = await this.withProgress(controller, (onProgress) =>
            annotateDocuments({
              documents,
              layout,
              output,
              ledger,
              settings,
              restart,
              signal: controller.signal,
              onProgress,
              startPool: () =>
                ModelPool.start({
                  spawn: () => new Worker(this.workerPath, { name: 'baner-annotate' }),
                  modelDir,
                  preference: config.backend,
                  adapterDir,
                  size: poolSize(undefined, args.workers),
                  log: this.log,
                }),
            }),
          );
          this.tell(result, include, output, root);
          return { ...result, output, ledger };
        } catch (error) {
          // An earlier run with other settings, or a file that is not ours: only the user may throw it away.
          if (!(error instanceof AnnotationStoreError) || restart) throw error;
          const choice = await vscode.window.showWarningMessage(`BANER: ${error.message}. Start over and annotate every document again?`, { modal: true }, 'Start Over');
          if (choice !== 'Start Over') return undefined;
          restart = true;
        }
      }
    } catch (error) {
      this.log(`annotate workspace: ${(error as Error).stack ?? error}`);
      void vscode.window.showErrorMessage(`BANER: annotation failed: ${(error as Error).message}`);
      return undefined;
    } finally {
      this.running = undefined;
      void vscode.commands.executeCommand('setContext', 'baner.annotating', false);
    }
  }

  /** Runs `work` behind a cancellable notification fed by its progress events. */
  private withProgress(controller: AbortController, work: (onProgress: (p: AnnotateProgress) => void) => Promise<AnnotateResult>): Promise<AnnotateResult> {
    return Promise.resolve(
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'BANER: annotating', cancellable: true }, (progress, token) => {
        const onCancel = token.onCancellationRequested(() => controller.abort());
        let shown = 0;
        let last = 0;
        let lastPhase: AnnotateProgress['phase'] | undefined;
        const onProgress = (p: AnnotateProgress) => {
          const now = Date.now();
          if (p.phase === lastPhase && p.phase === 'annotating' && now - last < REPORT_MS) return;
          last = now;
          lastPhase = p.phase;
          const percent = p.total > 0 ? (100 * (p.resumed + p.annotated + p.skipped + p.failed)) / p.total : 100;
          progress.report({ message: progressMessage(p), increment: Math.max(0, percent - shown) });
          shown = Math.max(shown, percent);
        };
        return work(onProgress).finally(() => onCancel.dispose());
      }),
    );
  }

  private tell(result: AnnotateResult, include: string, output: string | undefined, root: string): void {
    for (const { path, reason } of result.skippedFiles) this.log(`annotate workspace: skipped ${path}: ${reason}`);
    for (const { path, message } of result.failedFiles) this.log(`annotate workspace: failed ${path}: ${message}`);
    const where = output ? vscode.workspace.asRelativePath(output) : 'NAME.entities.jsonl beside each document';
    const others = [result.resumed > 0 ? `${result.resumed} done before` : '', result.skipped > 0 ? `${result.skipped} skipped (not text)` : '', result.failed > 0 ? `${result.failed} failed (see the BANER output)` : '']
      .filter(Boolean)
      .join(', ');
    const counts = `${result.annotated} of ${result.total} documents annotated${others ? ` (${others})` : ''}`;
    this.log(`annotate workspace: ${include} in ${root}: ${counts} -> ${where}; ${Math.round(result.tokensPerSecond)} tokens/s, ${result.documentsPerSecond.toFixed(1)} documents/s, ${result.workers} workers${result.cancelled ? '; cancelled' : ''}`);
    const message = result.cancelled ? `BANER: annotation stopped: ${counts}. Run Annotate Workspace again to go on.` : `BANER: ${counts}, ${result.entities} entities found -> ${where}.`;
    const open = output && !result.cancelled ? 'Open' : undefined;
    void Promise.resolve(open ? vscode.window.showInformationMessage(message, open) : vscode.window.showInformationMessage(message)).then((choice) => {
      if (choice === 'Open' && output) void vscode.window.showTextDocument(vscode.Uri.file(output));
    });
  }
}

function progressMessage(p: AnnotateProgress): string {
  const number = (x: number) => Math.round(x).toLocaleString();
  if (p.phase === 'checking') return `checking ${number(p.total)} documents against the earlier runs`;
  if (p.phase === 'loading') return `${number(p.resumed)} of ${number(p.total)} done before; starting the model workers`;
  const finished = p.resumed + p.annotated + p.skipped + p.failed;
  const rate = p.annotated > 0 ? `, ${number(p.tokensPerSecond)} tokens/s` : '';
  const eta = p.etaSeconds !== undefined && finished < p.total ? `, about ${formatEta(p.etaSeconds)} left` : '';
  return `${number(finished)} of ${number(p.total)} documents${rate}${eta}`;
}

function formatEta(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
}

async function askInclude(): Promise<string | undefined> {
  const value = await vscode.window.showInputBox({
    title: 'BANER: Annotate Workspace',
    prompt: 'Documents to annotate: a glob relative to the workspace folder (not .baner, node_modules, .git)',
    value: DEFAULT_INCLUDE,
    validateInput: (text) => (text.trim() === '' ? 'Name some documents, e.g. **/*.md' : undefined),
  });
  return value?.trim() || undefined;
}

async function askLayout(): Promise<OutputLayout | undefined> {
  const items: Array<vscode.QuickPickItem & { layout: OutputLayout }> = [
    { label: 'One file', description: 'one JSON line per document: {"path","entities"}', layout: 'one-file' },
    { label: 'Next to each document', description: 'NAME.entities.jsonl beside NAME', layout: 'next-to-inputs' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'BANER: Annotate Workspace: where to write the entities' });
  return picked?.layout;
}

async function askOutFile(): Promise<string | undefined> {
  const value = await vscode.window.showInputBox({
    title: 'BANER: Annotate Workspace',
    prompt: 'The output file, relative to the workspace folder (a run into the same file resumes)',
    value: DEFAULT_OUT_FILE,
    validateInput: (text) => (text.trim() === '' ? 'Name the output file' : undefined),
  });
  return value?.trim() || undefined;
}
