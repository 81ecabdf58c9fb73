// onnxruntime-node sessions of the encoder and span head, on CUDA when it is wanted and works, else on the CPU.
import * as ort from 'onnxruntime-node';
import { probeCuda, type CudaProbe } from './cudaProbe';

/** 'auto': CUDA when a test session runs on it, else the CPU; 'cuda': CUDA or an error; 'cpu': the CPU. */
export type ExecutionPreference = 'auto' | 'cpu' | 'cuda';

export interface SessionChoice {
  provider: string;
  /** Why this provider runs, and why a faster one does not, for the user. */
  reason: string;
  /**
   * What the settings asked for. When it is 'auto' or 'cuda', the first session made with this choice tries CUDA
   * and settles `provider` and `reason` (a choice without it is already settled).
   */
  requested?: ExecutionPreference;
}

/** The settings' preference, before CUDA is tried: sessions made with it settle it (see createSession). */
export function chooseProvider(preference: ExecutionPreference): SessionChoice {
  if (preference === 'cpu') return { provider: 'cpu', reason: 'the CPU was chosen in the settings', requested: 'cpu' };
  return { provider: 'cpu', reason: 'CUDA not tried yet', requested: preference };
}

/** CUDA was forced in the settings and cannot be used here. */
export class CudaUnavailableError extends Error {
  constructor(readonly why: string) {
    super(`CUDA was chosen as the backend, but it cannot be used here: ${why}. Choose "auto" to run on the CPU when CUDA is unavailable.`);
    this.name = 'CudaUnavailableError';
  }
}

/** Choices being settled or settled: one probe per choice, whatever the number of sessions made with it. */
const settling = new WeakMap<SessionChoice, Promise<void>>();

function settle(choice: SessionChoice, probe: () => Promise<CudaProbe>): Promise<void> {
  if (choice.requested !== 'auto' && choice.requested !== 'cuda') return Promise.resolve();
  let pending = settling.get(choice);
  if (!pending) {
    pending = probe().then((answer) => applyProbe(choice, answer));
    settling.set(choice, pending);
  }
  return pending;
}

function applyProbe(choice: SessionChoice, answer: CudaProbe): void {
  const forced = choice.requested === 'cuda';
  if (answer.available) {
    choice.provider = 'cuda';
    choice.reason = forced ? 'CUDA was chosen in the settings, and a test session ran on the GPU' : 'a test session ran on the GPU';
    return;
  }
  // Forced and unavailable: every session made with this choice fails with the same message; none runs on the CPU.
  if (forced) throw new CudaUnavailableError(answer.reason);
  choice.provider = 'cpu';
  choice.reason = `CUDA not used: ${answer.reason}`;
}

function sessionOptions(provider: string, threads: number): ort.InferenceSession.SessionOptions {
  return {
    // With CUDA, nodes the CUDA provider has no kernel for run on the CPU.
    executionProviders: provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // ORT's worker threads busy-wait after each run by default; on a 2-core machine that steals the core the
    // JavaScript thread and the editor need (measured: 2 threads +38% tokens/s without spinning).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

function create(modelBytes: Uint8Array | string, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
  return typeof modelBytes === 'string' ? ort.InferenceSession.create(modelBytes, options) : ort.InferenceSession.create(modelBytes, options);
}

/**
 * A session on the choice's provider. The first one made with an unsettled choice tries CUDA first (cudaProbe.ts).
 * With 'auto', a model whose session fails on CUDA (e.g. too large for the GPU's free memory) while the test
 * session ran goes on the CPU, and the choice says so; sessions made before keep their device.
 */
export async function createSession(modelBytes: Uint8Array | string, choice: SessionChoice, threads: number, probe: () => Promise<CudaProbe> = probeCuda): Promise<ort.InferenceSession> {
  await settle(choice, probe);
  if (choice.provider !== 'cuda') return create(modelBytes, sessionOptions('cpu', threads));
  try {
    return await create(modelBytes, sessionOptions('cuda', threads));
  } catch (cudaError) {
    if (choice.requested === 'cuda') throw cudaError;
    // The same model on the CPU: when that fails too, the model is at fault, not CUDA, and the choice stays.
    const session = await create(modelBytes, sessionOptions('cpu', threads));
    choice.provider = 'cpu';
    choice.reason = `CUDA not used: the model's session failed on the GPU (${firstLine(cudaError)})`;
    return session;
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n')[0];
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

/**
 * Sessions of several graphs that belong together (an encoder and its span head): all of them, or none. When
 * building or loading one fails, those already created are released before the error goes on, so a failed
 * load or adapter switch leaves no native session (and its memory) behind. `graphs` are built one at a time,
 * in order, each just before its session.
 */
export async function createSessions(graphs: ReadonlyArray<() => Uint8Array | string>, choice: SessionChoice, threads: number): Promise<ort.InferenceSession[]> {
  const sessions: ort.InferenceSession[] = [];
  try {
    for (const graph of graphs) sessions.push(await createSession(graph(), choice, threads));
    return sessions;
  } catch (error) {
    await Promise.allSettled(sessions.map((s) => s.release()));
    throw error;
  }
}
