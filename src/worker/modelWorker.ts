// The worker thread that owns the NerEngine. It answers the host's requests one at a time, in order.
import { hostChannel } from './hostChannel';
import { availableParallelism } from 'node:os';
import { NerEngine } from '../core/engine';
import { splitIntoChunks } from './chunks';
import { lowerThisThreadPriority } from './lowerPriority';
import { offsetSpans } from '../core/text/textEdits';
import type { Entity, RankedSentence, WorkerEvent, WorkerRequest } from './protocol';
import { rankText } from '../core/active/rankText';
import { typeQuality } from '../core/support/leaveOneOut';
import { toSupportSet } from '../core/support/toSupportSet';
import type { ExecutionPreference } from '../core/model/onnxSessions';
import { baseModelHash, readManifest } from '../core/model/modelDirectory';
import { loadAdapter } from '../core/adapters/adapterFiles';
import { SupportIndex } from '../core/support/nearestSupport';
import type { SupportExample } from '../core/support/supportFile';

lowerThisThreadPriority();

/** Characters per engine call: small enough to report progress and notice a cancel, large enough to batch well. */
const CHUNK_CHARS = 20_000;

const channel = hostChannel<WorkerRequest, WorkerEvent>();
if (!channel) throw new Error('modelWorker.js runs as a child process or worker thread of the BANER extension');
const port = channel;

let engine: NerEngine | undefined;
let supportExamples: SupportExample[] = [];
/** Embeddings of the support mentions for the current engine state; rebuilt after a support or adapter change. */
let supportIndex: Promise<SupportIndex> | undefined;
let loadError: string | undefined;
/** Ids whose cancel arrived before they finished. */
const cancelled = new Set<number>();
let queue: Promise<void> = Promise.resolve();

function send(event: WorkerEvent): void {
  port.postMessage(event);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

port.on((request: WorkerRequest) => {
  switch (request.type) {
    case 'load':
      queue = queue.then(() => load(request.modelDir, request.threads, request.preference));
      break;
    case 'adapter':
      queue = queue.then(() => useAdapter(request.id, request.dir));
      break;
    case 'support':
      supportExamples = request.examples;
      supportIndex = undefined;
      break;
    case 'nearest':
      queue = queue.then(() => nearest(request.id, request.sentence, request.start, request.end, request.label));
      break;
    case 'highlight':
      queue = queue.then(() => highlight(request.id, request.text, request.threshold));
      break;
    case 'rank':
      queue = queue.then(() => rank(request.id, request.text));
      break;
    case 'typeQuality':
      queue = queue.then(() => supportTypeQuality(request.id, request.examples));
      break;
    case 'cancel':
      cancelled.add(request.id);
      break;
  }
});

/**
 * onnxruntime threads when the client does not say: the CNN model leaves a core to the editor (it is fast on one);
 * the transformer is arithmetic-bound and takes every core, which its threads share at the worker's lower
 * priority (lowerPriority.ts), so the editor's threads still come first.
 */
function defaultThreads(modelDir: string): number {
  const cores = availableParallelism();
  return readManifest(modelDir).family === 'transformer' ? cores : Math.max(1, Math.floor(cores / 2));
}

async function load(modelDir: string, threads: number | undefined, preference: ExecutionPreference | undefined): Promise<void> {
  const started = performance.now();
  try {
    const next = await NerEngine.load(modelDir, { threads: threads ?? defaultThreads(modelDir), preference });
    // onnxruntime's first runs allocate and pick kernels: one short sentence now keeps that out of the
    // first highlight the user waits for.
    await next.highlight('Warm-up run in Paris .');
    next.clearCache();
    const previous = engine;
    engine = next;
    supportIndex = undefined;
    loadError = undefined;
    await previous?.dispose();
    send({
      type: 'ready',
      model: next.manifest.id,
      modelDir,
      provider: next.execution.provider,
      providerReason: next.execution.reason,
      labels: next.labels,
      loadMs: Math.round(performance.now() - started),
      documentContext: next.documentContext,
    });
  } catch (error) {
    loadError = message(error);
    send({ type: 'error', message: `could not load the model: ${loadError}` });
  }
}

/** Drops request `id` if its cancel has arrived, telling the host so that its watchdog knows the worker moved on. */
function droppedAfterCancel(id: number): boolean {
  if (!cancelled.has(id)) return false;
  send({ type: 'cancelled', id });
  return true;
}

async function highlight(id: number, text: string, threshold: number): Promise<void> {
  try {
    if (droppedAfterCancel(id)) return;
    if (!engine) throw new Error(loadError ? `no model loaded: ${loadError}` : 'no model loaded');
    const started = performance.now();
    const chunks = splitIntoChunks(text, CHUNK_CHARS);
    const entities: Entity[] = [];
    for (let i = 0; i < chunks.length; i++) {
      const { offset, text: piece } = chunks[i];
      entities.push(...offsetSpans(await engine.highlight(piece, { threshold }), offset));
      if (chunks.length > 1) {
        send({ type: 'progress', id, phase: 'highlight', step: i + 1, total: chunks.length });
        // Let a pending cancel message in before the next chunk.
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (droppedAfterCancel(id)) return;
    }
    send({ type: 'result', id, entities, elapsedMs: Math.round(performance.now() - started) });
  } catch (error) {
    send({ type: 'error', id, message: message(error) });
  } finally {
    // Requests run in id order: a cancel for this id or an earlier one can no longer matter.
    for (const c of cancelled) if (c <= id) cancelled.delete(c);
  }
}

async function rank(id: number, text: string): Promise<void> {
  try {
    if (droppedAfterCancel(id)) return;
    if (!engine) throw new Error(loadError ? `no model loaded: ${loadError}` : 'no model loaded');
    const sentences: RankedSentence[] = [];
    for (const { offset, text: piece } of splitIntoChunks(text, CHUNK_CHARS)) {
      for (const s of await rankText(engine, piece)) {
        sentences.push({ ...s, start: s.start + offset, end: s.end + offset, suggestions: s.suggestions.map((x) => ({ ...x, start: x.start + offset, end: x.end + offset })) });
      }
      await new Promise((resolve) => setImmediate(resolve));
      if (droppedAfterCancel(id)) return;
    }
    send({ type: 'ranked', id, sentences });
  } catch (error) {
    send({ type: 'error', id, message: message(error) });
  } finally {
    for (const c of cancelled) if (c <= id) cancelled.delete(c);
  }
}

async function supportTypeQuality(id: number, examples: SupportExample[]): Promise<void> {
  try {
    if (droppedAfterCancel(id)) return;
    if (!engine) throw new Error(loadError ? `no model loaded: ${loadError}` : 'no model loaded');
    send({ type: 'typeQuality', id, quality: await typeQuality(engine, toSupportSet(examples).support) });
  } catch (error) {
    send({ type: 'error', id, message: message(error) });
  } finally {
    for (const c of cancelled) if (c <= id) cancelled.delete(c);
  }
}

async function useAdapter(id: number, dir: string | null): Promise<void> {
  try {
    if (!engine) throw new Error(loadError ? `no model loaded: ${loadError}` : 'no model loaded');
    const adapter = dir === null ? undefined : loadAdapter(dir, { id: engine.manifest.id, hash: baseModelHash(engine.dir) }, { spanDims: engine.typeSpace.dims });
    await engine.useAdapter(adapter);
    supportIndex = undefined;
    send({ type: 'adapter', id, adapter: engine.activeAdapter ?? null, labels: engine.labels });
  } catch (error) {
    send({ type: 'error', id, message: message(error) });
  }
}

async function nearest(id: number, sentence: string, start: number, end: number, label: string): Promise<void> {
  try {
    if (droppedAfterCancel(id)) return;
    if (!engine) throw new Error('no model loaded');
    const current = engine;
    supportIndex ??= SupportIndex.build(current, supportExamples);
    const index = await supportIndex;
    const mention = await index.nearest(current, sentence, { start, end }, label);
    send({ type: 'nearest', id, mention: mention ?? null });
  } catch (error) {
    supportIndex = undefined;
    send({ type: 'error', id, message: message(error) });
  } finally {
    for (const c of cancelled) if (c <= id) cancelled.delete(c);
  }
}
