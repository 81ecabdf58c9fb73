// A pool of model workers (worker threads running src/worker/modelWorker.ts, each with its own NerEngine) for
// annotating many documents at once: every core busy, each worker with cores / workers onnxruntime threads.
// The caller says how a worker thread is started (the bundled dist/modelWorker.js in the extension, the
// TypeScript source through tsx on the command line), so that nothing here knows how the code is packaged.
// A worker that dies is started again (its model loaded again) and the requests it had fail with
// WorkerStoppedError, so that the caller can give their documents another try.
import { availableParallelism, totalmem } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { Entity } from '../engine';
import { CancelledError } from '../cancellation';
import type { ExecutionPreference } from '../model/onnxSessions';
import type { ModelReady, WorkerEvent, WorkerRequest } from '../../worker/protocol';

/** What annotates one document at a time: the pool, or anything with its highlight() (tests). */
export interface DocumentHighlighter {
  /** Documents worked on at once. */
  readonly workers: number;
  highlight(text: string, threshold: number, signal?: AbortSignal): Promise<Entity[]>;
  dispose(): Promise<void>;
}

export class WorkerStoppedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerStoppedError';
  }
}

export interface PoolSize {
  workers: number;
  threadsPerWorker: number;
}

/** Memory per default worker: a transformer worker peaks near 400 MiB (`npm run bench -- --only memory`); the rest is the editor's and the system's. */
const MEMORY_PER_WORKER = 2 * 1024 ** 3;

/**
 * Workers and onnxruntime threads for `cores`: one single-threaded worker per core (at most one per 2 GiB of
 * memory). Measured on a 2-core machine (`npm run bench -- --only annotate`), 2 workers x 1 thread annotate faster
 * than 1 worker x 2 threads with both models: a document's work has serial parts (tokenising, decoding spans,
 * typing, messages, the transformer's int8 quantisation) that one worker overlaps with the other's encoder, while
 * two threads in one worker wait for each other on short documents. `workers` asks for another number; the cores
 * are then shared out among them.
 */
export function poolSize(cores = availableParallelism(), workers?: number, memory = totalmem()): PoolSize {
  const n = Math.max(1, Math.floor(workers ?? Math.min(cores, Math.floor(memory / MEMORY_PER_WORKER))));
  return { workers: n, threadsPerWorker: Math.max(1, Math.floor(cores / n)) };
}

export interface ModelPoolOptions {
  /** Starts a worker thread running the model worker. */
  spawn: () => Worker;
  modelDir: string;
  /** Default: poolSize(). */
  size?: Partial<PoolSize>;
  preference?: ExecutionPreference;
  /** An adapter folder every worker uses (the editor's active adapter). */
  adapterDir?: string | null;
  log?: (line: string) => void;
  /** Restarts after crashes before the pool gives up (default 3). */
  maxRestarts?: number;
}

interface Pending {
  resolve: (entities: Entity[]) => void;
  reject: (error: Error) => void;
}

/**
 * How long a worker being shut down may take to drop its requests. onnxruntime-node aborts the whole process when
 * a thread is terminated in the middle of a session run, so a worker is ended only once it is idle: cancelled
 * requests are dropped after the chunk of text the worker is on (src/worker/modelWorker.ts, at most a second or two).
 */
const IDLE_BEFORE_TERMINATE_MS = 60_000;

/** One worker thread and the requests it has been given. */
class PoolWorker {
  /** Callers waiting for an answer. */
  private readonly pending = new Map<number, Pending>();
  /** Requests the worker has not answered yet (a cancelled one still runs to the end of its chunk). */
  private readonly outstanding = new Set<number>();
  private idleWaiters: Array<() => void> = [];
  private stopped = false;
  private exited = false;
  readonly ready: Promise<ModelReady>;
  private nextId = 1;

  constructor(
    private readonly worker: Worker,
    options: ModelPoolOptions,
    threads: number,
    onExit: (worker: PoolWorker, message: string) => void,
  ) {
    this.ready = new Promise<ModelReady>((resolve, reject) => {
      let loaded: ModelReady | undefined;
      const adapterId = 0;
      worker.on('message', (event: WorkerEvent) => {
        switch (event.type) {
          case 'ready': {
            const { type: _type, ...info } = event;
            loaded = info;
            if (options.adapterDir) this.post({ type: 'adapter', id: adapterId, dir: options.adapterDir });
            else resolve(info);
            break;
          }
          case 'adapter':
            if (event.id === adapterId && loaded) resolve({ ...loaded, adapter: event.adapter ?? undefined, labels: event.labels });
            break;
          case 'result':
            this.settle(event.id, (p) => p.resolve(event.entities));
            break;
          case 'cancelled':
            this.settle(event.id, (p) => p.reject(new CancelledError()));
            break;
          case 'error':
            if (event.id === undefined || event.id === adapterId) reject(new Error(event.id === undefined ? event.message : `could not use the adapter ${options.adapterDir}: ${event.message}`));
            else this.settle(event.id, (p) => p.reject(new Error(event.message)));
            break;
        }
      });
      let lastError: string | undefined;
      worker.on('error', (error) => {
        lastError = error.message;
      });
      worker.on('exit', (code) => {
        this.exited = true;
        this.outstanding.clear();
        this.wakeIdle();
        const message = `a model worker stopped (exit code ${code})${lastError ? `: ${lastError}` : ''}`;
        reject(new WorkerStoppedError(message));
        if (this.stopped) return;
        this.stopped = true;
        for (const p of this.pending.values()) p.reject(new WorkerStoppedError(message));
        this.pending.clear();
        onExit(this, message);
      });
    });
    // Unhandled until someone awaits it: a failed load is reported through start().
    this.ready.catch(() => {});
    this.post({ type: 'load', modelDir: options.modelDir, threads, preference: options.preference });
  }

  /** Requests the worker has still to answer: how busy it is. */
  get load(): number {
    return this.outstanding.size;
  }

  private post(request: WorkerRequest): void {
    this.worker.postMessage(request);
  }

  /** The worker has answered request `id`; its caller hears of it if still waiting. */
  private settle(id: number, outcome: (p: Pending) => void): void {
    this.outstanding.delete(id);
    if (this.outstanding.size === 0) this.wakeIdle();
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    outcome(p);
  }

  private wakeIdle(): void {
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  highlight(text: string, threshold: number, signal?: AbortSignal): Promise<Entity[]> {
    if (this.stopped) return Promise.reject(new WorkerStoppedError('the model worker has stopped'));
    if (signal?.aborted) return Promise.reject(new CancelledError());
    const id = this.nextId++;
    return new Promise<Entity[]>((resolve, reject) => {
      // The caller hears of a cancel at once; the worker drops the request after its current chunk.
      const onAbort = () => {
        if (!this.pending.delete(id)) return;
        this.post({ type: 'cancel', id });
        reject(new CancelledError());
      };
      // One run's signal serves thousands of requests: each takes its listener away when it is answered.
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (entities) => {
          done();
          resolve(entities);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.outstanding.add(id);
      this.post({ type: 'highlight', id, text, threshold });
    });
  }

  /** Cancels what the worker has, waits until it is idle (see IDLE_BEFORE_TERMINATE_MS), then ends the thread. */
  async terminate(): Promise<void> {
    this.stopped = true;
    for (const p of this.pending.values()) p.reject(new CancelledError('the model pool was shut down'));
    this.pending.clear();
    for (const id of this.outstanding) this.post({ type: 'cancel', id });
    // A load in progress is not interrupted either.
    const settled = this.ready.then(
      () => undefined,
      () => undefined,
    );
    const idle = new Promise<void>((resolve) => {
      if (this.outstanding.size === 0 || this.exited) resolve();
      else this.idleWaiters.push(resolve);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, IDLE_BEFORE_TERMINATE_MS)));
    await Promise.race([Promise.all([settled, idle]), timeout]);
    clearTimeout(timer);
    await this.worker.terminate();
  }
}

export class ModelPool implements DocumentHighlighter {
  private readonly members: PoolWorker[] = [];
  private restarts = 0;
  private disposed = false;
  /** Why the pool cannot go on (too many crashes). */
  private failure: string | undefined;
  /** Waiting for a worker to be ready again. */
  private restarting: Promise<void> | undefined;

  private constructor(
    private readonly options: ModelPoolOptions,
    readonly size: PoolSize,
    /** The model as the first worker loaded it. */
    readonly info: ModelReady,
  ) {}

  get workers(): number {
    return this.size.workers;
  }

  /** Starts the workers and resolves once every one has loaded the model (and the adapter); rejects with the load error. */
  static async start(options: ModelPoolOptions): Promise<ModelPool> {
    const defaults = poolSize(availableParallelism(), options.size?.workers);
    const size: PoolSize = { workers: defaults.workers, threadsPerWorker: options.size?.threadsPerWorker ?? defaults.threadsPerWorker };
    const members: PoolWorker[] = [];
    let pool: ModelPool | undefined;
    const onExit = (worker: PoolWorker, message: string) => pool?.replace(worker, message);
    for (let i = 0; i < size.workers; i++) members.push(new PoolWorker(options.spawn(), options, size.threadsPerWorker, onExit));
    let infos: ModelReady[];
    try {
      infos = await Promise.all(members.map((m) => m.ready));
    } catch (error) {
      // Each ends once its own load has finished (terminate waits for it).
      await Promise.all(members.map((m) => m.terminate()));
      throw error;
    }
    pool = new ModelPool(options, size, infos[0]);
    pool.members.push(...members);
    options.log?.(`model pool: ${size.workers} worker${size.workers === 1 ? '' : 's'} x ${size.threadsPerWorker} onnxruntime thread${size.threadsPerWorker === 1 ? '' : 's'}, model ${infos[0].model} on ${infos[0].provider}`);
    return pool;
  }

  /** A worker stopped without being asked: a new one takes its place (a few times; then the pool fails). */
  private replace(worker: PoolWorker, message: string): void {
    const index = this.members.indexOf(worker);
    if (index < 0 || this.disposed) return;
    this.members.splice(index, 1);
    this.options.log?.(message);
    if (++this.restarts > (this.options.maxRestarts ?? 3)) {
      this.failure = `${message}; the model workers stopped ${this.restarts} times, the run is given up`;
      return;
    }
    const fresh = new PoolWorker(this.options.spawn(), this.options, this.size.threadsPerWorker, (w, m) => this.replace(w, m));
    const started = fresh.ready.then(
      () => {
        if (this.disposed) void fresh.terminate();
        else this.members.push(fresh);
      },
      (error: Error) => {
        this.failure = `a model worker could not be started again: ${error.message}`;
      },
    );
    this.restarting = (this.restarting ?? Promise.resolve()).then(() => started);
  }

  /** The entities of `text` from the least busy worker. */
  async highlight(text: string, threshold: number, signal?: AbortSignal): Promise<Entity[]> {
    for (;;) {
      if (this.disposed) throw new CancelledError('the model pool was shut down');
      if (this.failure) throw new Error(this.failure);
      const member = this.members.reduce<PoolWorker | undefined>((best, m) => (!best || m.load < best.load ? m : best), undefined);
      if (member) return member.highlight(text, threshold, signal);
      if (!this.restarting) throw new Error('no model worker is running');
      await this.restarting;
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.all(this.members.splice(0).map((m) => m.terminate()));
  }
}
