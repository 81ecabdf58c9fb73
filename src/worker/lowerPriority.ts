// The model worker yields the CPU to the editor: on a 2-core machine a busy worker thread and the
// workbench's renderer otherwise leave the extension host's thread waiting for a core. On Linux each
// thread is a task with its own nice value, found through /proc/thread-self; threads the ONNX runtime
// starts later inherit it. Elsewhere this is a no-op.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

export const WORKER_NICENESS = 10;

/** Lowers the calling thread's scheduling priority; returns the thread id it changed, or undefined. */
export function lowerThisThreadPriority(niceness = WORKER_NICENESS): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return undefined;
    setPriority(tid, niceness);
    return tid;
  } catch {
    return undefined; // not permitted or no procfs: run at normal priority
  }
}
