// A worker script run as a child process with the small surface of a worker thread (postMessage, terminate,
// message / error / exit events). The model worker runs this way: onnxruntime aborts the whole process when
// a thread is terminated inside a native call (seen when a stuck or slow-loading worker was ended), and the
// memory a model and its runs leave behind stays out of the extension host.
// No 'vscode' import.
import { fork, type ChildProcess } from 'node:child_process';

/** What the host sees of a worker: the surface of worker_threads' Worker that the clients use. */
export interface WorkerHandle {
  postMessage(message: unknown): void;
  /** Ends it now (SIGKILL for a process); resolves once it has exited. */
  terminate(): Promise<void>;
  on(event: 'message', listener: (message: never) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  on(event: 'exit', listener: (code: number) => void): void;
}

/** The last characters of the worker's stderr kept for an error message. */
const STDERR_CHARS = 2_000;

export function startWorkerProcess(path: string, env: Record<string, string> = {}): WorkerHandle & { readonly process: ChildProcess } {
  const child = fork(path, [], {
    // Electron runs the script as plain Node; two malloc arenas keep the process compact.
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', MALLOC_ARENA_MAX: '2', ...env },
    execArgv: [],
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-STDERR_CHARS)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    postMessage: (message) => {
      if (child.connected) child.send(message as object);
    },
    terminate: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    on: (event: 'message' | 'error' | 'exit', listener: (...args: never[]) => void) => {
      if (event === 'exit') {
        child.on('exit', (code, signal) => {
          // A worker that died of a signal or an abort: say so, with its last words, as a thread's error would.
          const last = stderr.trim().split('\n').slice(-3).join(' | ');
          if ((signal || code) && last && child.listenerCount('error') > 0) child.emit('error', new Error(last));
          (listener as (code: number) => void)(code ?? (signal ? 128 : 1));
        });
      } else child.on(event, listener as (...args: unknown[]) => void);
    },
  } as WorkerHandle & { readonly process: ChildProcess };
}
