// The line from a worker script to the extension: a child process's IPC channel (how the extension runs the
// workers: a native crash, a kill or the memory a run leaves behind stay out of the extension host) or a
// worker thread's port (how the command line, the benchmarks and some tests run them).
import { parentPort } from 'node:worker_threads';

export interface HostChannel<In, Out> {
  on(listener: (message: In) => void): void;
  postMessage(message: Out): void;
  /** Ends the line: the script then ends once its work is done. */
  close(): void;
}

export function hostChannel<In, Out>(): HostChannel<In, Out> | undefined {
  const port = parentPort;
  if (port) return { on: (listener) => port.on('message', listener), postMessage: (message) => port.postMessage(message), close: () => port.close() };
  if (process.send) {
    // The host going away (a crash, a closed window) ends this process too.
    process.on('disconnect', () => process.exit(0));
    return {
      on: (listener) => process.on('message', listener as (message: unknown) => void),
      postMessage: (message) => void (process.connected && process.send?.(message)),
      close: () => process.connected && process.disconnect(),
    };
  }
  return undefined;
}
