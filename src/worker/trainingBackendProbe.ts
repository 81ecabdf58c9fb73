// Host side of the adapt worker's probe: which TensorFlow.js backend adaptation trains on here, and why. It
// starts a short-lived adapt worker and always settles: with the answer, the worker's error (a backend chosen in
// the settings that cannot start), its exit before answering (a crash, or a thread that ends without a word),
// or a time limit.
import { Worker } from 'node:worker_threads';
import type { AdaptWorkerEvent, ProbeRequest } from './adaptWorker';
import type { TrainingBackendChoice, TrainingBackendPreference } from '../core/model/trainingBackendChoice';

/** Starting TF.js takes about a second; far longer means the worker is stuck. */
export const PROBE_TIMEOUT_MS = 60_000;

export function probeTrainingBackendChoice(workerPath: string, preference: TrainingBackendPreference = 'auto', timeoutMs = PROBE_TIMEOUT_MS): Promise<TrainingBackendChoice> {
  const worker = new Worker(workerPath, { name: 'baner-adapt-probe' });
  return new Promise<TrainingBackendChoice>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
      void worker.terminate();
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`the adaptation worker did not answer within ${timeoutMs < 1_000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}`))), timeoutMs);
    timer.unref();
    worker.on('message', (event: AdaptWorkerEvent) => {
      if (event.type === 'probe') finish(() => resolve(event.choice));
      else if (event.type === 'error') finish(() => reject(new Error(event.message)));
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) => finish(() => reject(new Error(`the adaptation worker stopped before answering (exit code ${code})`))));
    worker.postMessage({ type: 'probe', trainingBackend: preference } satisfies ProbeRequest);
  });
}

/** Only the backend's name (e.g. 'wasm'). */
export async function probeTrainingBackend(workerPath: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<string> {
  return (await probeTrainingBackendChoice(workerPath, 'auto', timeoutMs)).backend;
}
