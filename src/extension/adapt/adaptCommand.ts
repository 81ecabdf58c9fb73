// Adapt to This Domain: the support set -> a new adapter, trained in a worker thread behind a cancellable
// progress notification; then the adapter becomes active and open documents are highlighted with it.
import * as vscode from 'vscode';
import { toSupportSet } from '../../core/support/toSupportSet';
import { typeCounts } from '../../core/support/supportEdits';
import { checkAdapterName } from '../../core/adapters/adapterFiles';
import { CancelledError } from '../../core/cancellation';
import type { AdaptProgress } from '../../core/adapt';
import { overallPercent, runAdaptation, type AdaptResult } from './adaptRunner';
import type { AdapterRegistry } from './adapterRegistry';
import type { SupportStore } from '../support/supportStore';
import { readConfig } from '../config';

export interface AdaptArgs {
  /** Adapter name; asked for when absent. */
  name?: string;
  /** Fine-tuning steps (default: the engine's). */
  steps?: number;
}

export interface AdaptingState {
  phase: AdaptProgress['phase'];
  percent: number;
  loss?: number;
}

const PHASE_TITLES: Record<AdaptProgress['phase'], string> = {
  prepare: 'preparing',
  choose: 'comparing prototypes with fine-tuned adapters on held-out folds',
  lorahub: 'composing domain adapters (LoRAHub)',
  finetune: 'fine-tuning LoRA',
  prototypes: 'building type prototypes',
  evaluate: 'scoring on the support set',
};

/** What the held-out choice picked, in words. */
const CHOSEN_TITLES: Record<string, string> = {
  none: 'prototypes only: adapting did not beat them on held-out sentences',
  lorahub: 'LoRAHub composition of the domain adapters',
  lora: 'a LoRA fine-tuned on the support set',
  full: 'LoRAHub + fine-tuned LoRA',
};

export class AdaptCommand implements vscode.Disposable {
  private running: AbortController | undefined;
  private readonly changed = new vscode.EventEmitter<AdaptingState | undefined>();
  /** Fires with the progress of a running adaptation, and undefined when it ends. */
  readonly onDidChange = this.changed.event;
  private current: AdaptingState | undefined;

  constructor(
    private readonly workerPath: string,
    private readonly modelDir: () => string,
    private readonly store: () => SupportStore | undefined,
    private readonly registry: AdapterRegistry,
    private readonly log: (line: string) => void,
    /** Why the workspace's support set may not be used now (Restricted Mode...), if that is why there is no store. */
    private readonly unavailable: () => string | undefined = () => undefined,
  ) {}

  get state(): AdaptingState | undefined {
    return this.current;
  }

  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand('baner.adaptToDomain', (args?: AdaptArgs) => this.run(args ?? {})),
      vscode.commands.registerCommand('baner.cancelAdaptation', () => this.cancel()),
    ];
  }

  cancel(): boolean {
    if (!this.running) return false;
    this.running.abort();
    return true;
  }

  /** Resolves to the new adapter, or undefined when cancelled or refused (the user was told why). */
  async run(args: AdaptArgs): Promise<AdaptResult | undefined> {
    if (this.running) {
      void vscode.window.showInformationMessage('BANER: an adaptation is running already.');
      return undefined;
    }
    const store = this.store();
    if (!store) {
      const reason = this.unavailable();
      void vscode.window.showInformationMessage(reason ? `BANER: ${reason}` : 'BANER: open a folder first: adapters are trained on its .baner/support.jsonl.');
      return undefined;
    }
    let examples;
    try {
      // The store reads asynchronously: wait for the first read (an Adapt right after activation).
      examples = await store.ready();
    } catch (error) {
      void vscode.window.showErrorMessage(`BANER: ${(error as Error).message}`);
      return undefined;
    }
    const types = typeCounts(examples);
    if (types.length === 0) {
      void vscode.window.showInformationMessage('BANER: the support set has no labelled spans yet: select an entity and run "BANER: Label as Support Example".');
      return undefined;
    }
    // A .baner that links out of the workspace is refused before any question or work.
    const rootProblem = this.registry.rootProblem();
    if (rootProblem) {
      void vscode.window.showErrorMessage(`BANER: ${rootProblem}`);
      return undefined;
    }
    const name = args.name ?? (await this.askName(new Set(this.registry.list().map((entry) => entry.name))));
    if (!name) return undefined;
    let adaptersRoot: string | undefined;
    try {
      checkAdapterName(name); // before minutes of work, not after
      // Made now if missing: a real path inside the workspace folder, where the worker writes the adapter.
      adaptersRoot = this.registry.rootForWriting();
    } catch (error) {
      void vscode.window.showErrorMessage(`BANER: ${(error as Error).message}`);
      return undefined;
    }
    if (!adaptersRoot) return undefined; // no usable folder: the store check above has said why
    for (const entry of this.registry.list()) if (entry.problem) this.log(`adapter ${entry.name} is left out of the hub: ${entry.problem}`);
    const { support, issues } = toSupportSet(examples);
    for (const { example, issue } of issues) this.log(`support example ${example + 1}: span ${issue.span.start}-${issue.span.end} ${issue.kind} to token boundaries`);
    this.log(`adapting "${name}" on ${support.sentences.length} sentences (${types.map((t) => `${t.label} ${t.count}`).join(', ')})`);
    const { trainingBackend } = readConfig();

    const controller = new AbortController();
    this.running = controller;
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `BANER: adapting "${name}"`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          let reported = 0;
          return runAdaptation(
            this.workerPath,
            { modelDir: this.modelDir(), adaptersRoot, support, options: { name, method: 'auto', steps: args.steps, keepModelTypes: true }, hubRoots: [adaptersRoot], trainingBackend },
            (p) => {
              const percent = overallPercent(p);
              const loss = p.loss === undefined ? '' : `, loss ${p.loss.toFixed(4)}`;
              progress.report({ message: `${PHASE_TITLES[p.phase]} (${p.step}/${p.total}${loss})`, increment: Math.max(0, percent - reported) });
              reported = Math.max(reported, percent);
              this.setState({ phase: p.phase, percent, loss: p.loss });
            },
            controller.signal,
          );
        },
      );
      this.log(`adapter written to ${result.dir} in ${result.seconds.toFixed(1)} s`);
      const trained = result.backend;
      const notUsed = trained.passedOver.map((p) => `${p.backend}: ${p.reason}`).join('; ');
      this.log(`adaptation "${name}" trained on TensorFlow.js ${trained.backend} (${trained.device}; baner.trainingBackend: ${trainingBackend}): ${trained.reason}${notUsed ? `; not used: ${notUsed}` : ''}`);
      this.registry.refresh();
      const training = this.registry.list().find((a) => a.name === name)?.config?.training;
      const skipped = training?.hubSkipped;
      if (Array.isArray(skipped) && skipped.length > 0) this.log(`adaptation "${name}": hub adapters left out (unusable): ${skipped.join('; ')}`);
      try {
        await this.registry.activate(name);
      } catch (error) {
        // The adapter is saved; only the switch failed, and the previous adapter is still in use.
        this.log(`adaptation "${name}": ${(error as Error).message}`);
        void vscode.window.showErrorMessage(`BANER: the adapter "${name}" was saved, but ${(error as Error).message}`);
        return result;
      }
      const f1 = training?.supportF1;
      const score = typeof f1 === 'number' ? `, held-out F1 on the support set ${(f1 * 100).toFixed(0)}%` : '';
      const chosen = typeof training?.chosenMethod === 'string' ? ` (${CHOSEN_TITLES[training.chosenMethod] ?? training.chosenMethod})` : '';
      this.log(`adaptation "${name}": ${JSON.stringify(training?.choice ?? {})}`);
      void vscode.window.setStatusBarMessage(`BANER: adapted to "${name}"${chosen} in ${result.seconds.toFixed(1)} s${score}; highlights now use it`, 8000);
      return result;
    } catch (error) {
      if (error instanceof CancelledError) {
        this.log(`adaptation "${name}" cancelled`);
        void vscode.window.showInformationMessage('BANER: adaptation cancelled; no adapter was written.');
        return undefined;
      }
      this.log(`adaptation "${name}" failed: ${(error as Error).stack ?? error}`);
      void vscode.window.showErrorMessage(`BANER: adaptation failed: ${(error as Error).message}`);
      return undefined;
    } finally {
      this.running = undefined;
      this.setState(undefined);
    }
  }

  private async askName(taken: Set<string>): Promise<string | undefined> {
    let suggestion = 'my-domain';
    for (let i = 2; taken.has(suggestion); i++) suggestion = `my-domain-${i}`;
    const name = await vscode.window.showInputBox({
      title: 'BANER: name of the new adapter',
      value: suggestion,
      prompt: 'Kept in .baner/adapters/<name>; an existing adapter of that name is replaced.',
      validateInput: (value) => {
        try {
          checkAdapterName(value.trim());
          return undefined;
        } catch (error) {
          return (error as Error).message;
        }
      },
    });
    return name?.trim() || undefined;
  }

  private setState(state: AdaptingState | undefined): void {
    if ((state === undefined) !== (this.current === undefined)) void vscode.commands.executeCommand('setContext', 'baner.adapting', state !== undefined);
    this.current = state;
    this.changed.fire(state);
  }

  dispose(): void {
    this.running?.abort();
    this.changed.dispose();
  }
}
