// The extension's client of the model worker, with real worker processes: a scripted worker that can hang,
// crash or fail to load on demand, and the real model worker with the CNN model.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CancelledError, EngineClient, type EngineState } from '../../src/extension/engineClient';
import { cnnModelDir } from '../../src/core/model/modelDirectory';
import type { WorkerEvent } from '../../src/worker/protocol';

const tmp = mkdtempSync(join(tmpdir(), 'baner-engine-client-'));

/**
 * A worker that speaks the protocol without a model. Highlight texts steer it: "hang" runs forever without
 * looking at messages (like a native call that never returns), "crash" ends the thread; a model folder named
 * "bad" fails to load. Answers say how many loads it has seen.
 */
const SCRIPTED_WORKER = join(tmp, 'scriptedWorker.js');
writeFileSync(
  SCRIPTED_WORKER,
  `// A child process, as the extension runs the model worker (a worker thread where a test starts it as one).
const parentPort = require('node:worker_threads').parentPort ?? { on: (_event, listener) => process.on('message', listener), postMessage: (message) => process.send(message) };
process.on('disconnect', () => process.exit(0));
let loads = 0;
let model;
let adapter = null;
const cancelled = new Set();
parentPort.on('message', (m) => {
  if (m.type === 'cancel') return cancelled.add(m.id);
  if (m.type === 'support') return;
  if (m.type === 'load') {
    loads++;
    if (m.modelDir.endsWith('bad')) return parentPort.postMessage({ type: 'error', message: 'could not load the model: bad folder (load ' + loads + ')' });
    model = m.modelDir;
    adapter = null;
    return parentPort.postMessage({ type: 'ready', model: 'scripted', modelDir: m.modelDir, provider: 'cpu', providerReason: '', labels: ['PER', 'LOC'], loadMs: 1 });
  }
  if (m.type === 'adapter') {
    adapter = m.dir === null ? null : m.dir.split('/').pop();
    return parentPort.postMessage({ type: 'adapter', id: m.id, adapter, labels: adapter ? ['PER', 'LOC', 'DRUG'] : ['PER', 'LOC'] });
  }
  if (m.type === 'highlight') {
    if (cancelled.has(m.id)) return parentPort.postMessage({ type: 'cancelled', id: m.id });
    if (m.text === 'hang') for (;;) {}
    if (m.text === 'crash') process.exit(7);
    if (!model) return parentPort.postMessage({ type: 'error', id: m.id, message: 'no model loaded' });
    return parentPort.postMessage({ type: 'result', id: m.id, elapsedMs: 0, entities: [{ start: 0, end: 1, text: m.text + ' (loads ' + loads + ')', label: adapter ?? 'none', score: 1 }] });
  }
});
`,
);

const clients: EngineClient[] = [];
after(async () => {
  for (const c of clients) await c.dispose();
});

function client(modelDir: string, limits = {}): { engine: EngineClient; states: EngineState[]; log: string[] } {
  const log: string[] = [];
  const engine = new EngineClient(SCRIPTED_WORKER, modelDir, (line) => log.push(line), 'cpu', limits);
  clients.push(engine);
  const states: EngineState[] = [];
  engine.onDidChangeState((s) => states.push(s));
  return { engine, states, log };
}

/** Rejects when `promise` has not settled within `ms`: the test then fails instead of hanging. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms).unref())]);
}

const nextReady = (engine: EngineClient) =>
  new Promise<EngineState>((resolvePromise) => {
    const sub = engine.onDidChangeState((s) => {
      if (s.kind === 'ready') {
        sub.dispose();
        resolvePromise(s);
      }
    });
  });

test('after a crash the restarted worker has the adapter again, and the client reports it (ready only with it)', async () => {
  const { engine, states } = client('/models/good');
  await engine.ready();
  assert.deepEqual(await engine.useAdapter('/adapters/clinic'), { adapter: 'clinic', labels: ['PER', 'LOC', 'DRUG'] });
  const restarted = nextReady(engine);
  states.length = 0;
  await assert.rejects(engine.highlight('crash', { threshold: 0 }), /stopped unexpectedly \(exit code 7\)/);
  await within(restarted, 10_000, 'restart');
  // Every ready state after the restart names the adapter and its types: never the bare model in between.
  const readies = states.filter((s) => s.kind === 'ready');
  assert.ok(readies.length >= 1);
  for (const s of readies) assert.deepEqual(s.kind === 'ready' && [s.info.adapter, s.info.labels], ['clinic', ['PER', 'LOC', 'DRUG']]);
  assert.equal(engine.state.kind === 'ready' && engine.state.info.adapter, 'clinic');
  // And the worker does use it.
  const [entity] = await engine.highlight('after', { threshold: 0 });
  assert.equal(entity.label, 'clinic');
});

test('watchdog: a cancelled request whose work does not stop is cut off, and the request behind it is answered', async () => {
  const { engine, log } = client('/models/good', { cancelGraceMs: 200 });
  await engine.ready();
  await engine.useAdapter('/adapters/clinic');
  const controller = new AbortController();
  const stuck = engine.highlight('hang', { threshold: 0, signal: controller.signal });
  const behind = engine.highlight('behind', { threshold: 0 });
  await new Promise((r) => setTimeout(r, 100));
  controller.abort();
  await assert.rejects(stuck, (e: unknown) => e instanceof CancelledError);
  // Before the watchdog this waited forever behind the thread that never returns.
  const [entity] = await within(behind, 10_000, 'the request behind the cancelled one');
  assert.equal(entity.text, 'behind (loads 1)', 'a fresh worker answered it, after loading the model');
  assert.equal(entity.label, 'clinic', 'with the adapter restored');
  assert.ok(log.some((l) => /restarting the model worker: a cancelled request did not stop within 200 ms/.test(l)), log.join('\n'));
  assert.equal(engine.state.kind === 'ready' && engine.state.info.adapter, 'clinic');
});

test('watchdog: a request without progress past the time limit fails; the ones queued behind it are carried over', async () => {
  const { engine } = client('/models/good', { requestStallMs: 300 });
  await engine.ready();
  const stuck = engine.highlight('hang', { threshold: 0 });
  const second = engine.highlight('second', { threshold: 0 });
  const third = engine.highlight('third', { threshold: 0 });
  await assert.rejects(within(stuck, 10_000, 'the stalled request'), /was restarted: a request made no progress for 300 ms/);
  assert.deepEqual((await within(Promise.all([second, third]), 10_000, 'queued requests')).map(([e]) => e.text), ['second (loads 1)', 'third (loads 1)']);
  assert.equal(engine.busy, 0);
});

test('a failed model load is remembered: each request reports it without loading again, until the model changes', async () => {
  const { engine, states } = client('/models/bad');
  await assert.rejects(engine.ready(), /bad folder \(load 1\)/);
  const loadingStates = () => states.filter((s) => s.kind === 'loading').length;
  assert.equal(loadingStates(), 1);
  for (let i = 0; i < 3; i++) await assert.rejects(engine.highlight(`text ${i}`, { threshold: 0 }), /could not load the model: bad folder \(load 1\)/);
  await assert.rejects(engine.nearest('s', 0, 1, 'PER'), /bad folder \(load 1\)/);
  await assert.rejects(engine.ready(), /bad folder \(load 1\)/);
  assert.equal(loadingStates(), 1, 'no new load was sent');
  assert.equal(engine.state.kind, 'failed');
  // A model setting that changes (or is chosen again) loads again.
  await engine.load('/models/good');
  const [entity] = await engine.highlight('fine', { threshold: 0 });
  assert.equal(entity.text, 'fine (loads 2)');
  await assert.rejects(engine.load('/models/bad'), /bad folder \(load 3\)/);
  await assert.rejects(engine.highlight('again', { threshold: 0 }), /bad folder \(load 3\)/);
});

test('the real model worker drops a cancelled request with a "cancelled" answer, then answers the next', { timeout: 60_000 }, async () => {
  const worker = new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register(); require(${JSON.stringify(resolve(__dirname, '../../src/worker/modelWorker.ts'))});`, { eval: true });
  try {
    const events: WorkerEvent[] = [];
    const answered = new Promise<void>((resolvePromise, reject) => {
      worker.on('message', (e: WorkerEvent) => {
        events.push(e);
        if (e.type === 'error') reject(new Error(e.message));
        if (e.type === 'result' && e.id === 2) resolvePromise();
      });
    });
    worker.postMessage({ type: 'load', modelDir: cnnModelDir(), threads: 1 });
    worker.postMessage({ type: 'highlight', id: 1, text: 'Angela Merkel visited Paris .', threshold: 0 });
    worker.postMessage({ type: 'cancel', id: 1 });
    worker.postMessage({ type: 'highlight', id: 2, text: 'Angela Merkel visited Paris .', threshold: 0 });
    await within(answered, 50_000, 'the real worker');
    assert.deepEqual(
      events.filter((e) => e.type !== 'progress').map((e) => `${e.type}${'id' in e ? e.id : ''}`),
      ['ready', 'cancelled1', 'result2'],
    );
  } finally {
    await worker.terminate();
  }
});

test('the real model worker with a shipped adapter: after its thread dies, the client shows the adapter it uses again', { timeout: 120_000 }, async () => {
  const bootstrap = join(tmp, 'realModelWorker.js');
  writeFileSync(bootstrap, `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register(); require(${JSON.stringify(resolve(__dirname, '../../src/worker/modelWorker.ts'))});`);
  const engine = new EngineClient(bootstrap, cnnModelDir(), () => {}, 'cpu');
  clients.push(engine);
  await engine.ready();
  const { adapter, labels } = await engine.useAdapter(join(cnnModelDir(), 'adapters', 'politics'));
  assert.equal(adapter, 'politics');
  const text = 'Angela Merkel met the Social Democratic Party in Berlin .';
  const before = await engine.highlight(text, { threshold: 0 });
  const restarted = nextReady(engine);
  // As if the thread had crashed: the client did not end it.
  await (engine as unknown as { worker: Worker }).worker.terminate();
  const state = await within(restarted, 60_000, 'restart');
  assert.equal(state.kind === 'ready' && state.info.adapter, 'politics');
  assert.deepEqual(state.kind === 'ready' && state.info.labels, labels);
  assert.deepEqual(await engine.highlight(text, { threshold: 0 }), before, 'the restarted worker highlights with the adapter');
});
