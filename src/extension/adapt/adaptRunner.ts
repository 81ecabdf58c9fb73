// Host side of one adaptation: starts the adapt worker, relays its progress, cancels it, and ends it.
// No 'vscode' import: runs (and is tested) in plain Node.
import { Worker } from 'node:worker_threads';
import type { AdaptRequest, AdaptWorkerEvent } from '../../worker/adaptWorker';
import type { AdaptProgress } from '../../core/adapt';
import { CancelledError } from '../../core/cancellation';

export interface AdaptResult {
  dir: string;
  seconds: number;
}

/** Share of the whole run each phase takes (measured on 5-shot runs, rounded): for one overall percentage. */
const PHASE_SPAN: Record<AdaptProgress['phase'], [number, number]> = {
  prepare: [0, 5],
  // Held-out folds of the automatic choice train (k-1)/k of the final work each, k times over.
  choose: [5, 60],
  lorahub: [60, 70],
  finetune: [70, 92],
  prototypes: [92, 95],
  evaluate: [95, 100],
};

export function overallPercent(p: AdaptProgress): number {
  const [from, to] = PHASE_SPAN[p.phase];
  const within = p.total > 0 ? Math.min(1, p.step / p.total) : 0;
  return Math.round(from + (to - from) * within);
}

/** After a cancel, how long the worker may take to stop on its own before it is terminated. */
const CANCEL_GRACE_MS = 5_000;
/** After its last message, how long the worker may take to exit by itself. */
const EXIT_GRACE_MS = 10_000;

export function runAdaptation(
  workerPath: string,
  request: Omit<AdaptRequest, 'type'>,
  onProgress: (p: AdaptProgress) => void,
  signal?: AbortSignal,
): Promise<AdaptResult> {
  if (signal?.aborted) return Promise.reject(new CancelledError('adaptation cancelled'));
  const worker = new Worker(workerPath, { name: 'baner-adapt' });
  return new Promise<AdaptResult>((resolve, reject) => {
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    let exited = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(graceTimer);
      signal?.removeEventListener('abort', onAbort);
      // After its last message the worker ends by itself (tearing down TF.js and ORT on its own thread);
      // terminate() would make this thread wait for that. Only one that lingers is terminated.
      if (!exited) setTimeout(() => void (exited || worker.terminate()), EXIT_GRACE_MS).unref();
      outcome();
    };
    const onAbort = () => {
      worker.postMessage({ type: 'cancel' });
      // The worker checks for cancellation between steps; a step that never ends is cut off.
      graceTimer = setTimeout(() => {
        finish(() => reject(new CancelledError('adaptation cancelled')));
        void worker.terminate();
      }, CANCEL_GRACE_MS);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (event: AdaptWorkerEvent) => {
      if (event.type === 'progress') {
        const { type: _type, ...progress } = event;
        onProgress(progress);
      } else if (event.type === 'done') {
        finish(() => resolve({ dir: event.dir, seconds: event.seconds }));
      } else if (event.type === 'error') {
        finish(() => reject(event.cancelled ? new CancelledError('adaptation cancelled') : new Error(event.message)));
      }
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) => {
      exited = true;
      finish(() => reject(new Error(`the adaptation worker stopped (exit code ${code})`)));
    });
    worker.postMessage({ type: 'adapt', ...request } satisfies AdaptRequest);
  });
}

/** The TensorFlow.js backend the adapt worker trains on: settles on an answer, an error, the worker's exit or a time limit. */
export { probeTrainingBackend } from '../../worker/trainingBackendProbe';
