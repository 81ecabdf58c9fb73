// The worker thread that owns the NerEngine. It answers the host's requests one at a time, in order.
import { parentPort } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { NerEngine } from '../core/engine';
import { splitIntoChunks } from './chunks';
import { lowerThisThreadPriority } from './lowerPriority';
import type { Entity, WorkerEvent, WorkerRequest } from './protocol';

lowerThisThreadPriority();

/** Characters per engine call: small enough to report progress and notice a cancel, large enough to batch well. */
const CHUNK_CHARS = 20_000;

if (!parentPort) throw new Error('modelWorker.js runs as a worker thread of the BANER extension');
const port = parentPort;

let engine: NerEngine | undefined;
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

port.on('message', (request: WorkerRequest) => {
  switch (request.type) {
    case 'load':
      queue = queue.then(() => load(request.modelDir, request.threads));
      break;
    case 'highlight':
      queue = queue.then(() => highlight(request.id, request.text, request.threshold));
      break;
    case 'cancel':
      cancelled.add(request.id);
      break;
  }
});

async function load(modelDir: string, threads: number | undefined): Promise<void> {
  const started = performance.now();
  try {
    // Leave a core to the editor unless told otherwise.
    const next = await NerEngine.load(modelDir, { threads: threads ?? Math.max(1, Math.floor(availableParallelism() / 2)) });
    const previous = engine;
    engine = next;
    loadError = undefined;
    await previous?.dispose();
    send({
      type: 'ready',
      model: next.manifest.id,
      modelDir,
      provider: next.execution.provider,
      labels: next.labels,
      loadMs: Math.round(performance.now() - started),
    });
  } catch (error) {
    loadError = message(error);
    send({ type: 'error', message: `could not load the model: ${loadError}` });
  }
}

async function highlight(id: number, text: string, threshold: number): Promise<void> {
  try {
    if (cancelled.has(id)) return;
    if (!engine) throw new Error(loadError ? `no model loaded: ${loadError}` : 'no model loaded');
    const started = performance.now();
    const chunks = splitIntoChunks(text, CHUNK_CHARS);
    const entities: Entity[] = [];
    for (let i = 0; i < chunks.length; i++) {
      const { offset, text: piece } = chunks[i];
      for (const e of await engine.highlight(piece, { threshold })) entities.push({ ...e, start: e.start + offset, end: e.end + offset });
      if (chunks.length > 1) {
        send({ type: 'progress', id, phase: 'highlight', step: i + 1, total: chunks.length });
        // Let a pending cancel message in before the next chunk.
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (cancelled.has(id)) return;
    }
    send({ type: 'result', id, entities, elapsedMs: Math.round(performance.now() - started) });
  } catch (error) {
    send({ type: 'error', id, message: message(error) });
  } finally {
    // Requests run in id order: a cancel for this id or an earlier one can no longer matter.
    for (const c of cancelled) if (c <= id) cancelled.delete(c);
  }
}
