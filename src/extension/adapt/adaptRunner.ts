// Host side of one adaptation: starts the adapt worker, relays its progress, cancels it, and ends it.
// The worker is a child process, not a thread of the extension host: training allocates and frees hundreds
// of megabytes per run, and in a thread the native allocator kept them in the host (a soak test of 9
// adaptations grew it by 350 MiB; 15 runs in a row by 1.4 GiB). A process gives everything back when it ends.
// No 'vscode' import: runs (and is tested) in plain Node.
import { fork, type ChildProcess } from 'node:child_process';
import type { AdaptRequest, AdaptWorkerEvent } from '../../worker/adaptWorker';
import type { AdaptProgress } from '../../core/adapt';
import { CancelledError } from '../../core/cancellation';
import type { TrainingBackendChoice } from '../../core/model/trainingBackendChoice';

export interface AdaptResult {
  dir: string;
  seconds: number;
  /** The TensorFlow.js backend it trained on, and why. */
  backend: TrainingBackendChoice;
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
/** The last lines of the worker's stderr kept for an error message. */
const STDERR_CHARS = 2_000;

/** Starts the adapt worker script as a Node child process (also from Electron's extension host). */
export function startAdaptProcess(workerPath: string): ChildProcess {
  return fork(workerPath, [], {
    // Electron runs the script as plain Node; two malloc arenas keep a multi-threaded trainer compact.
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', MALLOC_ARENA_MAX: '2' },
    execArgv: [],
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
}

export function runAdaptation(
  workerPath: string,
  request: Omit<AdaptRequest, 'type'>,
  onProgress: (p: AdaptProgress) => void,
  signal?: AbortSignal,
): Promise<AdaptResult> {
  if (signal?.aborted) return Promise.reject(new CancelledError('adaptation cancelled'));
  const worker = startAdaptProcess(workerPath);
  let stderr = '';
  worker.stderr?.setEncoding('utf8');
  worker.stderr?.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-STDERR_CHARS)));
  const kill = () => void (worker.exitCode === null && worker.signalCode === null && worker.kill('SIGKILL'));
  return new Promise<AdaptResult>((resolve, reject) => {
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    let exited = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(graceTimer);
      signal?.removeEventListener('abort', onAbort);
      // After its last message the worker ends by itself; only one that lingers is killed.
      if (!exited) setTimeout(() => void (exited || kill()), EXIT_GRACE_MS).unref();
      outcome();
    };
    const onAbort = () => {
      if (worker.connected) worker.send({ type: 'cancel' });
      // The worker checks for cancellation between steps; a step that never ends is cut off.
      graceTimer = setTimeout(() => {
        finish(() => reject(new CancelledError('adaptation cancelled')));
        kill();
      }, CANCEL_GRACE_MS);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (event: AdaptWorkerEvent) => {
      if (event.type === 'progress') {
        const { type: _type, ...progress } = event;
        onProgress(progress);
      } else if (event.type === 'done') {
        finish(() => resolve({ dir: event.dir, seconds: event.seconds, backend: event.backend }));
      } else if (event.type === 'error') {
        finish(() => reject(event.cancelled ? new CancelledError('adaptation cancelled') : new Error(event.message)));
      }
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code, signalName) => {
      exited = true;
      const last = stderr.trim().split('\n').slice(-3).join(' | ');
      finish(() => reject(new Error(`the adaptation worker stopped (${signalName ? `signal ${signalName}` : `exit code ${code}`})${last ? `: ${last}` : ''}`)));
    });
    worker.send({ type: 'adapt', ...request } satisfies AdaptRequest);
  });
}

/** The TensorFlow.js backend the adapt worker trains on, and why: settles on an answer, an error, the worker's exit or a time limit. */
export { probeTrainingBackend, probeTrainingBackendChoice } from '../../worker/trainingBackendProbe';
