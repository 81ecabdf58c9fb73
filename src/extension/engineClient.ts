// Host side of the model worker: spawns it, matches answers to requests by id, restarts it when it dies.
// No 'vscode' import: this runs (and can be tested) in plain Node.
import { Worker } from 'node:worker_threads';
import type { Entity, ModelReady, NearestMention, WorkerEvent, WorkerRequest } from '../worker/protocol';
import type { ExecutionPreference } from '../core/model/onnxSessions';
import type { SupportExample } from '../core/support/supportFile';

export type ModelInfo = ModelReady;

export type EngineState =
  | { kind: 'stopped' }
  | { kind: 'loading'; modelDir: string }
  | { kind: 'ready'; info: ModelInfo }
  | { kind: 'failed'; message: string };

export interface HighlightOptions {
  threshold: number;
  signal?: AbortSignal;
  onProgress?: (step: number, total: number) => void;
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

interface Pending {
  resolve: (answer: WorkerEvent) => void;
  reject: (error: Error) => void;
  onProgress?: (step: number, total: number) => void;
}

/** More crashes than this within CRASH_WINDOW_MS stop automatic restarts until the next request. */
const MAX_CRASHES = 3;
const CRASH_WINDOW_MS = 60_000;

export class EngineClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly loadWaiters: Array<{ resolve: (info: ModelInfo) => void; reject: (error: Error) => void }> = [];
  private readonly listeners = new Set<(state: EngineState) => void>();
  private crashes: number[] = [];
  private lastWorkerError: string | undefined;
  private disposed = false;
  private _state: EngineState = { kind: 'stopped' };
  /** Re-sent to a restarted worker, so that a crash does not silently drop them. */
  private adapterDir: string | null = null;
  private supportExamples: SupportExample[] = [];

  constructor(
    private readonly workerPath: string,
    private modelDir: string,
    private readonly log: (line: string) => void = () => {},
    private preference: ExecutionPreference = 'auto',
  ) {}

  get state(): EngineState {
    return this._state;
  }

  get modelDirectory(): string {
    return this.modelDir;
  }

  /** Called on every state change; returns an unsubscribe function. */
  onDidChangeState(listener: (state: EngineState) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Starts the worker if needed; resolves once the model is loaded. */
  ready(): Promise<ModelInfo> {
    if (this._state.kind === 'ready') return Promise.resolve(this._state.info);
    const waiting = new Promise<ModelInfo>((resolve, reject) => this.loadWaiters.push({ resolve, reject }));
    this.ensureLoaded();
    return waiting;
  }

  /** Switches to the model in `modelDir` (the worker keeps the old one until the new one has loaded). */
  load(modelDir: string, preference: ExecutionPreference = this.preference): Promise<ModelInfo> {
    this.modelDir = modelDir;
    this.preference = preference;
    // An adapter belongs to the base model it was trained on.
    this.adapterDir = null;
    if (!this.worker) return this.ready();
    const waiting = new Promise<ModelInfo>((resolve, reject) => this.loadWaiters.push({ resolve, reject }));
    this.post({ type: 'load', modelDir, preference });
    this.setState({ kind: 'loading', modelDir });
    return waiting;
  }

  async highlight(text: string, options: HighlightOptions): Promise<Entity[]> {
    const answer = await this.request((id) => ({ type: 'highlight', id, text, threshold: options.threshold }), options.signal, options.onProgress);
    return answer.type === 'result' ? answer.entities : [];
  }

  /** Highlights with the adapter in `dir` from now on (null: the base model). Resolves to its name and types. */
  async useAdapter(dir: string | null): Promise<{ adapter: string | null; labels: string[] }> {
    const answer = await this.request((id) => ({ type: 'adapter', id, dir }));
    if (answer.type !== 'adapter') throw new Error(`unexpected answer ${answer.type}`);
    this.adapterDir = dir;
    if (this._state.kind === 'ready') this.setState({ kind: 'ready', info: { ...this._state.info, adapter: answer.adapter ?? undefined, labels: answer.labels } });
    return { adapter: answer.adapter, labels: answer.labels };
  }

  /** The support set the nearest-example lookups search. */
  setSupport(examples: SupportExample[]): void {
    this.supportExamples = examples;
    this.post({ type: 'support', examples });
  }

  /** The support mention of `label` nearest to [start, end) of `sentence`, or null when the type has none. */
  async nearest(sentence: string, start: number, end: number, label: string, signal?: AbortSignal): Promise<NearestMention | null> {
    const answer = await this.request((id) => ({ type: 'nearest', id, sentence, start, end, label }), signal);
    return answer.type === 'nearest' ? answer.mention : null;
  }

  private request(make: (id: number) => WorkerRequest, signal?: AbortSignal, onProgress?: (step: number, total: number) => void): Promise<WorkerEvent> {
    if (this.disposed) return Promise.reject(new Error('the BANER engine has been shut down'));
    if (signal?.aborted) return Promise.reject(new CancelledError());
    this.ensureLoaded();
    const id = this.nextId++;
    return new Promise<WorkerEvent>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      signal?.addEventListener(
        'abort',
        () => {
          if (!this.pending.delete(id)) return;
          this.post({ type: 'cancel', id });
          reject(new CancelledError());
        },
        { once: true },
      );
      this.post(make(id));
    });
  }

  /** Requests waiting for an answer. */
  get busy(): number {
    return this.pending.size;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new Error('the BANER engine has been shut down'));
    this.listeners.clear();
    await worker?.terminate();
  }

  /** A worker that has loaded, is loading, or (after a failed load) tries again: the model may have been fixed since. */
  private ensureLoaded(): void {
    if (!this.worker) return this.ensureWorker();
    if (this._state.kind !== 'failed') return;
    this.post({ type: 'load', modelDir: this.modelDir, preference: this.preference });
    this.setState({ kind: 'loading', modelDir: this.modelDir });
  }

  private ensureWorker(): void {
    if (this.worker || this.disposed) return;
    this.log(`starting model worker (${this.modelDir})`);
    const worker = new Worker(this.workerPath, { name: 'baner-model' });
    this.worker = worker;
    this.lastWorkerError = undefined;
    worker.on('message', (event: WorkerEvent) => this.onEvent(event));
    worker.on('error', (error) => {
      this.lastWorkerError = error.message;
      this.log(`model worker error: ${error.stack ?? error.message}`);
    });
    worker.on('exit', (code) => this.onExit(worker, code));
    this.post({ type: 'load', modelDir: this.modelDir, preference: this.preference });
    if (this.supportExamples.length > 0) this.post({ type: 'support', examples: this.supportExamples });
    if (this.adapterDir !== null) this.restoreAdapter(this.adapterDir);
    this.setState({ kind: 'loading', modelDir: this.modelDir });
  }

  /** After a restart: the worker comes back with the adapter it had; a failure is logged, the base model stays. */
  private restoreAdapter(dir: string): void {
    const id = this.nextId++;
    this.pending.set(id, {
      resolve: () => this.log(`adapter ${dir} restored after a worker restart`),
      reject: (error) => {
        this.adapterDir = null;
        this.log(`could not restore adapter ${dir}: ${error.message}`);
      },
    });
    this.post({ type: 'adapter', id, dir });
  }

  private post(request: WorkerRequest): void {
    this.worker?.postMessage(request);
  }

  private onEvent(event: WorkerEvent): void {
    switch (event.type) {
      case 'ready': {
        const { type: _type, ...info } = event;
        this.log(`model ${info.model} loaded from ${info.modelDir} in ${info.loadMs} ms (${info.provider}; ${info.labels.join(', ')})`);
        this.setState({ kind: 'ready', info });
        for (const w of this.loadWaiters.splice(0)) w.resolve(info);
        break;
      }
      case 'result':
      case 'adapter':
      case 'nearest': {
        const p = this.pending.get(event.id);
        if (!p) break; // cancelled meanwhile
        this.pending.delete(event.id);
        p.resolve(event);
        break;
      }
      case 'progress':
        this.pending.get(event.id)?.onProgress?.(event.step, event.total);
        break;
      case 'error': {
        if (event.id === undefined) {
          this.log(event.message);
          this.setState({ kind: 'failed', message: event.message });
          for (const w of this.loadWaiters.splice(0)) w.reject(new Error(event.message));
          break;
        }
        const p = this.pending.get(event.id);
        if (!p) break;
        this.pending.delete(event.id);
        p.reject(new Error(event.message));
        break;
      }
    }
  }

  private onExit(worker: Worker, code: number): void {
    if (worker !== this.worker) return; // terminated on purpose
    this.worker = undefined;
    const reason = `the BANER model worker stopped unexpectedly (exit code ${code})${this.lastWorkerError ? `: ${this.lastWorkerError}` : ''}`;
    this.log(reason);
    this.failAll(new Error(reason));
    if (this.disposed) return;
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
    if (this.crashes.length > MAX_CRASHES) {
      this.setState({ kind: 'failed', message: `${reason}; not restarted after ${MAX_CRASHES} crashes in a minute` });
      this.crashes = []; // the next request tries again
      return;
    }
    this.ensureWorker();
  }

  private failAll(error: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(error);
    for (const w of this.loadWaiters.splice(0)) w.reject(error);
  }

  private setState(state: EngineState): void {
    this._state = state;
    for (const l of this.listeners) l(state);
  }
}
