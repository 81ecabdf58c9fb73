// Measures the extension host's event loop while something runs: the lateness of a 10 ms interval timer,
// and for each stall how long this thread itself ran JavaScript vs waited for a CPU (Linux schedstat), which
// tells a blocked loop (the extension's fault) from a busy machine (the workbench and code-server share the cores).
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { PerformanceObserver, performance } from 'node:perf_hooks';

const TICK_MS = 10;

/** [ms running, ms waiting for a CPU] of this thread so far (the extension host's main thread), on Linux. */
function schedstat(): [number, number] | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ').map(Number);
    return [run / 1e6, wait / 1e6];
  } catch {
    return undefined;
  }
}

export interface LagReport<T> {
  result: T;
  elapsedMs: number;
  maxLagMs: number;
  /** The longest time the thread itself ran within one stall (the raw lag where schedstat is missing). */
  ownWorkMs: number;
  ticks: number;
  /** One line with everything, for logs and assertion messages. */
  text: string;
}

export async function measureLag<T>(run: () => Promise<T>): Promise<LagReport<T>> {
  let maxLag = 0;
  let ticks = 0;
  const stalls: Array<{ at: number; lag: number; ran: number; waited: number }> = [];
  const gcs: Array<[number, number]> = [];
  const started = performance.now();
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.duration > 10) gcs.push([Math.round(e.startTime - started), Math.round(e.duration)]);
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  let last = started;
  const firstSched = schedstat();
  let lastSched = firstSched;
  const timer = setInterval(() => {
    const now = performance.now();
    const sched = schedstat();
    const lag = now - last - TICK_MS;
    if (lag > 20) {
      const [ran, waited] = sched && lastSched ? [sched[0] - lastSched[0], sched[1] - lastSched[1]] : [-1, -1];
      stalls.push({ at: Math.round(now - started), lag: Math.round(lag), ran: Math.round(ran), waited: Math.round(waited) });
    }
    maxLag = Math.max(maxLag, lag);
    last = now;
    lastSched = sched;
    ticks++;
  }, TICK_MS);
  let result: T;
  try {
    result = await run();
  } finally {
    clearInterval(timer);
    gcObserver.disconnect();
  }
  const elapsedMs = performance.now() - started;
  const endSched = schedstat();
  const busy = firstSched && endSched ? `the thread ran ${Math.round(endSched[0] - firstSched[0])} ms and waited ${Math.round(endSched[1] - firstSched[1])} ms for a CPU in all; ` : '';
  const ownWorkMs = stalls.length === 0 ? 0 : Math.max(...stalls.map((s) => (s.ran >= 0 ? s.ran : s.lag)));
  const text =
    `${Math.round(elapsedMs)} ms, ${ticks} ticks, max timer lag ${maxLag.toFixed(1)} ms, own work in a stall at most ${ownWorkMs} ms; ${busy}` +
    `stalls over 20 ms (ms: at, lag, ran, waited for a CPU): ${JSON.stringify(stalls)}; garbage collections over 10 ms [at, ms]: ${JSON.stringify(gcs)}; ` +
    `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${availableParallelism()} cores`;
  return { result, elapsedMs, maxLagMs: maxLag, ownWorkMs, ticks, text };
}
