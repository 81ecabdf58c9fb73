// A worker thread that adapts the model to a support set: LoRAHub + LoRA fine-tuning off the editor's
// thread, with progress events and cancellation. Messages in: {type:'adapt', ...} then optionally
// {type:'cancel'}; out: progress events, then {type:'done', dir} or {type:'error', message, cancelled}. A worker
// sent {type:'probe'} instead answers which TensorFlow.js backend it would train on, and why.
import { hostChannel } from './hostChannel';
import { join } from 'node:path';
import { initTf, type TrainingBackendChoice, type TrainingBackendPreference } from '../core/model/tfBackend';
import { loadAdaptationBase } from '../core/adapters/adaptationBase';
import { loadHub } from '../core/adapters/adapterFiles';
import { adaptAndSave } from '../core/adapters/adaptAndSave';
import { CancelSource, CancelledError } from '../core/cancellation';
import type { AdaptOptions, AdaptProgress, HeldOutChoice, SupportSet } from '../core/adapt';
import { lowerThisThreadPriority } from './lowerPriority';
import { NerEngine } from '../core/engine';
import { leaveOneOutScores } from '../core/support/leaveOneOut';
import type { Adapter } from '../core/adapters/adapter';

export interface AdaptRequest {
  type: 'adapt';
  modelDir: string;
  /** Where the new adapter is written (e.g. the workspace's .baner/adapters). */
  adaptersRoot: string;
  support: SupportSet;
  options: AdaptOptions;
  /** More adapter folders whose adapters join the shipped hub (e.g. the user's earlier domains). */
  hubRoots?: string[];
  /** Score the adapter on the support set by leave-one-out before saving it (default true). */
  evaluate?: boolean;
  /** The TensorFlow.js backend to train on (default 'auto': the fastest that starts). */
  trainingBackend?: TrainingBackendPreference;
}

/** Asks which TensorFlow.js backend adaptation would train on here, and why. */
export interface ProbeRequest {
  type: 'probe';
  trainingBackend?: TrainingBackendPreference;
}

export type AdaptWorkerEvent =
  | ({ type: 'progress' } & AdaptProgress)
  /** Answer to a ProbeRequest: the TensorFlow.js backend adaptation trains on here, and why. */
  | { type: 'probe'; backend: string; choice: TrainingBackendChoice }
  | { type: 'done'; dir: string; seconds: number; backend: TrainingBackendChoice }
  | { type: 'error'; message: string; cancelled: boolean };

const port = hostChannel<AdaptRequest | { type: 'cancel' } | ProbeRequest, AdaptWorkerEvent>();
if (port) {
  lowerThisThreadPriority();
  const cancel = new CancelSource();
  port.on((message) => {
    if (message.type === 'cancel') {
      cancel.cancel();
      return;
    }
    if (message.type === 'probe') {
      initTf(message.trainingBackend ?? 'auto').then(
        (choice) => port.postMessage({ type: 'probe', backend: choice.backend, choice } satisfies AdaptWorkerEvent),
        (error: unknown) => port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error), cancelled: false }),
      );
      return;
    }
    // One adaptation per worker: after the answer the port closes and the thread ends by itself.
    run(message)
      .then(
        (event) => port.postMessage(event),
        (error: unknown) => port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error), cancelled: error instanceof CancelledError }),
      )
      .finally(() => port.close());
  });

  async function run(request: AdaptRequest): Promise<AdaptWorkerEvent> {
    const started = Date.now();
    const backend = await initTf(request.trainingBackend ?? 'auto');
    const base = loadAdaptationBase(request.modelDir);
    // The user's own adapters join the hub when they were trained on this base model; others are left out.
    const skipped: string[] = [];
    const hub =
      request.options.method === 'none'
        ? []
        : loadHub([join(request.modelDir, 'adapters')], { id: base.manifest.id, hash: base.hash }, request.options.name, request.hubRoots ?? [], (dir, reason) => skipped.push(`${dir}: ${reason}`));
    const progress = throttledProgress((p) => port!.postMessage({ type: 'progress', ...p }));
    // The support-set score. With 'auto' it is the chosen method's k-fold held-out F1 (each fold predicted by
    // an adapter and prototypes built without it). Otherwise the adapter saw every sentence, so only the
    // prototypes are held out (each sentence typed by the others'), through the ONNX path that will highlight.
    const evaluate = async (adapter: Adapter) => {
      const choice = adapter.config.training.choice as HeldOutChoice | undefined;
      if (choice) {
        const key = choice.chosen.method === 'full' ? `full@${choice.chosen.steps}` : choice.chosen.method;
        const f1 = choice.scores[key];
        return typeof f1 === 'number'
          ? { supportF1: f1 / 100, supportScoreKind: `held-out, ${choice.folds} folds` }
          : { supportF1Note: 'needs labels in two or more sentences' };
      }
      progress({ phase: 'evaluate', step: 0, total: 1 });
      const engine = await NerEngine.load(request.modelDir, { threads: 1 });
      try {
        await engine.useAdapter(adapter);
        const scores = await leaveOneOutScores(engine, request.support);
        progress({ phase: 'evaluate', step: 1, total: 1 });
        return scores
          ? { supportF1: scores.micro.f1, supportScores: scores.micro, supportScoreKind: 'prototypes held out; the adapter saw every sentence' }
          : { supportF1Note: 'needs labels in two or more sentences' };
      } finally {
        await engine.dispose();
      }
    };
    const { dir } = await adaptAndSave(base, request.support, { ...request.options, hub }, request.adaptersRoot, progress, cancel.token, async (adapter) => ({
      ...(skipped.length > 0 ? { hubSkipped: skipped } : {}),
      ...(request.evaluate === false ? {} : await evaluate(adapter)),
    }));
    return { type: 'done', dir, seconds: (Date.now() - started) / 1000, backend };
  }
}

/** Fewer messages than progress events: each one costs the extension host a task, and a burst of them a stall. */
const PROGRESS_INTERVAL_MS = 100;

/** Forwards the first and last event of each phase, and in between at most one every PROGRESS_INTERVAL_MS. */
export function throttledProgress(send: (p: AdaptProgress) => void): (p: AdaptProgress) => void {
  let phase: string | undefined;
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (p.phase !== phase || p.step >= p.total || now - last >= PROGRESS_INTERVAL_MS) {
      phase = p.phase;
      last = now;
      send(p);
    }
  };
}
