// onnxruntime-node sessions of the encoder and span head. CUDA is tried first when asked and present.
import * as ort from 'onnxruntime-node';

export type ExecutionPreference = 'auto' | 'cpu' | 'cuda';

export interface SessionChoice {
  provider: string;
  /** Why a faster provider is not used, for the user. */
  reason: string;
}

export function chooseProvider(preference: ExecutionPreference): SessionChoice {
  const backends = ort.listSupportedBackends?.() ?? [];
  const cuda = backends.find((b) => b.name === 'cuda');
  if (preference === 'cpu') return { provider: 'cpu', reason: 'CPU requested in settings' };
  if (cuda?.bundled) return { provider: 'cuda', reason: 'CUDA execution provider present' };
  return {
    provider: 'cpu',
    reason: cuda ? 'the CUDA provider libraries were not installed with onnxruntime-node' : 'this onnxruntime-node build has no CUDA provider',
  };
}

export async function createSession(modelBytes: Uint8Array | string, choice: SessionChoice, threads: number): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: choice.provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // ORT's worker threads busy-wait after each run by default; on a 2-core machine that steals the core the
    // JavaScript thread and the editor need (measured: 2 threads +38% tokens/s without spinning).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
  return typeof modelBytes === 'string' ? ort.InferenceSession.create(modelBytes, options) : ort.InferenceSession.create(modelBytes, options);
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
