// Host side of the model worker: spawns it, matches answers to requests by id, restarts it when it dies or
// hangs. No 'vscode' import: this runs (and can be tested) in plain Node.
import { startWorkerProcess, type WorkerHandle } from './workerProcess';
import type { AnsweredRequest, Entity, ModelReady, NearestMention, RankedSentence, TypeQuality, WorkerEvent, WorkerRequest } from '../worker/protocol';
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
  /** The worker's own time for the request (ms), when it answers: latency = this + messaging + waiting. */
  onWorkerTime?: (ms: number) => void;
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

/** How long the worker may take before the client gives up on it and starts a fresh one. */
export interface WatchdogLimits {
  /** A cancelled request that the worker has not dropped after this long is cut off (its work cannot be interrupted). */
  cancelGraceMs: number;
  /** A request without an answer or a progress report for this long is failed and the worker restarted. */
  requestStallMs: number;
  /** A model load that has not finished after this long fails. */
  loadTimeoutMs: number;
}

/**
 * Generous on purpose: a chunk of highlighting takes a second or two, the support index of a large support set
 * (built by a hover's first nearest-example request, which cannot stop midway) some seconds, a model load some
 * seconds; only a worker that is stuck reaches these. Cutting off legitimate work costs a model reload.
 */
export const DEFAULT_WATCHDOG_LIMITS: WatchdogLimits = { cancelGraceMs: 15_000, requestStallMs: 120_000, loadTimeoutMs: 300_000 };

interface Pending {
  resolve: (answer: WorkerEvent) => void;
  reject: (error: Error) => void;
  onProgress?: (step: number, total: number) => void;
}

/** Work the current worker has been given and not finished, in the order it runs it. */
type QueueItem =
  | { kind: 'load'; modelDir: string; generation: number; since: number }
  | { kind: 'request'; id: number; request: AnsweredRequest; since: number; cancelledAt?: number };

const duration = (ms: number) => (ms < 1_000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`);

/** More crashes than this within CRASH_WINDOW_MS stop automatic restarts until the next request. */
const MAX_CRASHES = 3;
const CRASH_WINDOW_MS = 60_000;

export class EngineClient {
  private worker: WorkerHandle | undefined;
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
  private queue: QueueItem[] = [];
  private watchdog: NodeJS.Timeout | undefined;
  private readonly limits: WatchdogLimits;
  /** Counts loads posted; only the answer to the latest one decides the state. */
  private loadGeneration = 0;
  /** The load of the current model settings failed: requests report it instead of loading again, until load(). */
  private loadFailure: string | undefined;
  /** Id of the request that brings a restarted worker's adapter back; 'ready' waits for it. */
  private restoring: number | undefined;
  /** A load's answer that waits for the adapter to be restored before the client reports ready. */
  private readyWhenRestored: ModelInfo | undefined;

  constructor(
    private readonly workerPath: string,
    private modelDir: string,
    private readonly log: (line: string) => void = () => {},
    private preference: ExecutionPreference = 'auto',
    limits: Partial<WatchdogLimits> = {},
  ) {
    this.limits = { ...DEFAULT_WATCHDOG_LIMITS, ...limits };
  }

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

  /** Starts the worker if needed; resolves once the model is loaded (rejects with a remembered load failure). */
  ready(): Promise<ModelInfo> {
    if (this._state.kind === 'ready') return Promise.resolve(this._state.info);
    if (this.loadFailure !== undefined) return Promise.reject(new Error(this.loadFailure));
    const waiting = new Promise<ModelInfo>((resolve, reject) => this.loadWaiters.push({ resolve, reject }));
    this.ensureWorker();
    return waiting;
  }

  /** Switches to the model in `modelDir` (the worker keeps the old one until the new one has loaded). */
  load(modelDir: string, preference: ExecutionPreference = this.preference): Promise<ModelInfo> {
    this.modelDir = modelDir;
    this.preference = preference;
    // A changed setting (or the same one chosen again) deserves a new try.
    this.loadFailure = undefined;
    // An adapter belongs to the base model it was trained on.
    this.adapterDir = null;
    if (!this.worker) return this.ready();
    const waiting = new Promise<ModelInfo>((resolve, reject) => this.loadWaiters.push({ resolve, reject }));
    this.postLoad();
    this.setState({ kind: 'loading', modelDir });
    return waiting;
  }

  async highlight(text: string, options: HighlightOptions): Promise<Entity[]> {
    const answer = await this.request((id) => ({ type: 'highlight', id, text, threshold: options.threshold }), options.signal, options.onProgress);
    if (answer.type !== 'result') return [];
    options.onWorkerTime?.(answer.elapsedMs);
    return answer.entities;
  }

  /** Highlights with the adapter in `dir` from now on (null: the base model). Resolves to its name and types. */
  async useAdapter(dir: string | null): Promise<{ adapter: string | null; labels: string[] }> {
    const answer = await this.request((id) => ({ type: 'adapter', id, dir }));
    if (answer.type !== 'adapter') throw new Error(`unexpected answer ${answer.type}`);
    this.adapterDir = dir;
    this.showAdapter(answer.adapter, answer.labels);
    return { adapter: answer.adapter, labels: answer.labels };
  }

  /** The sentences of `text` with how useful labelling each would be (active learning). */
  async rank(text: string, signal?: AbortSignal): Promise<RankedSentence[]> {
    const answer = await this.request((id) => ({ type: 'rank', id, text }), signal);
    return answer.type === 'ranked' ? answer.sentences : [];
  }

  /** Leave-one-out quality of each type of a support set, with the model and adapter in use. */
  async typeQuality(examples: SupportExample[], signal?: AbortSignal): Promise<Record<string, TypeQuality>> {
    const answer = await this.request((id) => ({ type: 'typeQuality', id, examples }), signal);
    return answer.type === 'typeQuality' ? answer.quality : {};
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

  private request(make: (id: number) => AnsweredRequest, signal?: AbortSignal, onProgress?: (step: number, total: number) => void): Promise<WorkerEvent> {
    if (this.disposed) return Promise.reject(new Error('the BANER engine has been shut down'));
    if (signal?.aborted) return Promise.reject(new CancelledError());
    // Once per request, without loading again: the model folder is what it was when it failed.
    if (this.loadFailure !== undefined) return Promise.reject(new Error(this.loadFailure));
    this.ensureWorker();
    const id = this.nextId++;
    return new Promise<WorkerEvent>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      signal?.addEventListener(
        'abort',
        () => {
          if (!this.pending.delete(id)) return;
          this.post({ type: 'cancel', id });
          const item = this.queue.find((q) => q.kind === 'request' && q.id === id);
          if (item?.kind === 'request') item.cancelledAt = Date.now();
          reject(new CancelledError());
        },
        { once: true },
      );
      this.postRequest(make(id));
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
    this.queue = [];
    this.stopWatchdog();
    this.failAll(new Error('the BANER engine has been shut down'));
    this.listeners.clear();
    await worker?.terminate();
  }

  /** A worker that has loaded or is loading the model; after too many crashes, the next request starts one again. */
  private ensureWorker(): void {
    if (this.worker || this.disposed) return;
    this.log(`starting model worker (${this.modelDir})`);
    const worker = startWorkerProcess(this.workerPath);
    this.worker = worker;
    this.lastWorkerError = undefined;
    worker.on('message', (event: WorkerEvent) => {
      if (worker === this.worker) this.onEvent(event);
    });
    worker.on('error', (error) => {
      if (worker !== this.worker) return;
      this.lastWorkerError = error.message;
      this.log(`model worker error: ${error.stack ?? error.message}`);
    });
    worker.on('exit', (code) => this.onExit(worker, code));
    this.postLoad();
    if (this.supportExamples.length > 0) this.post({ type: 'support', examples: this.supportExamples });
    if (this.adapterDir !== null) this.restoreAdapter(this.adapterDir);
    this.setState({ kind: 'loading', modelDir: this.modelDir });
  }

  /**
   * After a restart: the worker comes back with the adapter it had, and the client reports ready only with it
   * (its name and types), as a useAdapter() would. A failure is logged and the base model stays.
   */
  private restoreAdapter(dir: string): void {
    const id = this.nextId++;
    this.restoring = id;
    const done = () => {
      if (this.restoring !== id) return;
      this.restoring = undefined;
      const info = this.readyWhenRestored;
      this.readyWhenRestored = undefined;
      if (info) this.announceReady(info);
    };
    this.pending.set(id, {
      resolve: (answer) => {
        this.log(`adapter ${dir} restored after a worker restart`);
        if (answer.type === 'adapter' && this.readyWhenRestored) this.readyWhenRestored = { ...this.readyWhenRestored, adapter: answer.adapter ?? undefined, labels: answer.labels };
        done();
      },
      reject: (error) => {
        // Without a model there is nothing to restore it on; it is tried again with the next worker.
        if (this.readyWhenRestored) this.adapterDir = null;
        this.log(`could not restore adapter ${dir}: ${error.message}`);
        done();
      },
    });
    this.postRequest({ type: 'adapter', id, dir });
  }

  private post(request: WorkerRequest): void {
    this.worker?.postMessage(request);
  }

  /** Posts work the worker answers in order, and keeps track of it for the watchdog. */
  private postRequest(request: AnsweredRequest): void {
    if (!this.worker) return;
    this.enqueue({ kind: 'request', id: request.id, request, since: Date.now() });
    this.post(request);
  }

  private postLoad(): void {
    if (!this.worker) return;
    this.enqueue({ kind: 'load', modelDir: this.modelDir, generation: ++this.loadGeneration, since: Date.now() });
    this.post({ type: 'load', modelDir: this.modelDir, preference: this.preference });
  }

  private enqueue(item: QueueItem): void {
    this.queue.push(item);
    this.watchdog ??= setInterval(() => this.checkWatchdog(), Math.max(10, Math.min(1_000, this.limits.cancelGraceMs / 4))).unref();
  }

  /** The worker finished `item`: the next one starts now. */
  private dequeue(item: QueueItem | undefined): void {
    if (!item) return;
    const index = this.queue.indexOf(item);
    if (index < 0) return;
    this.queue.splice(index, 1);
    if (index === 0 && this.queue.length > 0) this.queue[0].since = Date.now();
    if (this.queue.length === 0) this.stopWatchdog();
  }

  private stopWatchdog(): void {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  /** The worker runs its queue in order, so the first item is the one it is on. */
  private checkWatchdog(): void {
    const head = this.queue[0];
    if (!head || !this.worker) return;
    const now = Date.now();
    if (head.kind === 'load') {
      if (now - head.since > this.limits.loadTimeoutMs) this.abandonLoad(head);
      return;
    }
    if (head.cancelledAt !== undefined && now - Math.max(head.cancelledAt, head.since) > this.limits.cancelGraceMs) {
      this.restartStuckWorker(`a cancelled request did not stop within ${duration(this.limits.cancelGraceMs)}`);
    } else if (now - head.since > this.limits.requestStallMs) {
      this.restartStuckWorker(`a request made no progress for ${duration(this.limits.requestStallMs)}`, head.id);
    }
  }

  /**
   * Ends a worker stuck on one request and starts a fresh one: it reloads the model, the support set and the
   * adapter, and takes over the requests that were waiting behind the stuck one, in their order.
   */
  private restartStuckWorker(reason: string, failedId?: number): void {
    const stuck = this.worker;
    this.worker = undefined;
    void stuck?.terminate();
    this.log(`restarting the model worker: ${reason}`);
    const waiting = this.queue.flatMap((item) => (item.kind === 'request' && item.id !== failedId && item.id !== this.restoring && this.pending.has(item.id) ? [item.request] : []));
    this.queue = [];
    this.stopWatchdog();
    if (this.restoring !== undefined) this.pending.delete(this.restoring);
    this.restoring = undefined;
    this.readyWhenRestored = undefined;
    if (failedId !== undefined) this.settle(failedId, (p) => p.reject(new Error(`the BANER model worker was restarted: ${reason}`)));
    this.ensureWorker();
    for (const request of waiting) this.postRequest(request);
  }

  /** A load that never finishes is a failed load: the worker is ended, and the next load() starts a new one. */
  private abandonLoad(item: QueueItem & { kind: 'load' }): void {
    const stuck = this.worker;
    this.worker = undefined;
    void stuck?.terminate();
    this.queue = [];
    this.stopWatchdog();
    this.restoring = undefined;
    this.readyWhenRestored = undefined;
    this.loadFailed(`could not load the model: loading ${item.modelDir} took more than ${duration(this.limits.loadTimeoutMs)}`);
    this.failAll(new Error(this.loadFailure));
  }

  private onEvent(event: WorkerEvent): void {
    switch (event.type) {
      case 'ready': {
        const load = this.queue.find((q) => q.kind === 'load');
        this.dequeue(load);
        const { type: _type, ...info } = event;
        this.log(`model ${info.model} loaded from ${info.modelDir} in ${info.loadMs} ms on ${info.provider.toUpperCase()} (${info.providerReason}); types ${info.labels.join(', ')}`);
        if (this.supersedes(load)) break;
        if (this.restoring !== undefined) this.readyWhenRestored = info;
        else this.announceReady(info);
        break;
      }
      case 'result':
      case 'adapter':
      case 'nearest':
      case 'ranked':
      case 'typeQuality':
        this.settle(event.id, (p) => p.resolve(event));
        break;
      case 'cancelled':
        this.settle(event.id, (p) => p.reject(new CancelledError()));
        break;
      case 'progress': {
        const head = this.queue[0];
        if (head?.kind === 'request' && head.id === event.id) head.since = Date.now();
        this.pending.get(event.id)?.onProgress?.(event.step, event.total);
        break;
      }
      case 'error': {
        if (event.id !== undefined) {
          this.settle(event.id, (p) => p.reject(new Error(event.message)));
          break;
        }
        const load = this.queue.find((q) => q.kind === 'load');
        this.dequeue(load);
        this.log(event.message);
        if (this.supersedes(load)) break;
        this.loadFailed(event.message);
        break;
      }
      default: {
        const unhandled: never = event;
        this.log(`model worker: unknown event ${JSON.stringify(unhandled)}`);
      }
    }
  }

  /** True when a newer load has been posted since `load`: its answer no longer decides the state. */
  private supersedes(load: QueueItem | undefined): boolean {
    return load?.kind === 'load' && load.generation !== this.loadGeneration;
  }

  private loadFailed(message: string): void {
    this.loadFailure = message;
    this.setState({ kind: 'failed', message });
    for (const w of this.loadWaiters.splice(0)) w.reject(new Error(message));
  }

  private announceReady(info: ModelInfo): void {
    this.setState({ kind: 'ready', info });
    for (const w of this.loadWaiters.splice(0)) w.resolve(info);
  }

  /** The client's view follows the worker's adapter. */
  private showAdapter(adapter: string | null, labels: string[]): void {
    if (this._state.kind === 'ready') this.setState({ kind: 'ready', info: { ...this._state.info, adapter: adapter ?? undefined, labels } });
  }

  /** The worker is done with request `id` (answered, failed or dropped); its caller hears of it if still waiting. */
  private settle(id: number, outcome: (p: Pending) => void): void {
    this.dequeue(this.queue.find((q) => q.kind === 'request' && q.id === id));
    const p = this.pending.get(id);
    if (!p) return; // cancelled meanwhile
    this.pending.delete(id);
    outcome(p);
  }

  private onExit(worker: WorkerHandle, code: number): void {
    if (worker !== this.worker) return; // terminated on purpose
    this.worker = undefined;
    this.queue = [];
    this.stopWatchdog();
    this.restoring = undefined;
    this.readyWhenRestored = undefined;
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
