// Sessions that belong together are created all or none: when the second graph fails (an invalid file, or a
// graph that cannot be built from the weights), the first session is released, not left behind.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { createSessions, type SessionChoice } from '../../src/core/model/onnxSessions';
import { CnnRuntime } from '../../src/core/model/cnnRuntime';
import { cnnModelDir, readManifest } from '../../src/core/model/modelDirectory';

const CPU: SessionChoice = { provider: 'cpu', reason: 'test' };

/** Sessions created and released while a test runs. */
const created = new Set<ort.InferenceSession>();
const released = new Set<ort.InferenceSession>();
// The runtime's class (a factory in ORT's types): its create and its sessions' release are watched.
const SessionClass = ort.InferenceSession as unknown as { create: (...args: unknown[]) => Promise<ort.InferenceSession>; prototype: ort.InferenceSession };
const create = SessionClass.create;
const release = SessionClass.prototype.release;
SessionClass.create = async (...args: unknown[]) => {
  const session = await create.apply(SessionClass, args);
  created.add(session);
  return session;
};
SessionClass.prototype.release = function (this: ort.InferenceSession) {
  released.add(this);
  return release.call(this);
};
afterEach(() => {
  created.clear();
  released.clear();
});

const unreleased = () => [...created].filter((s) => !released.has(s)).length;

test('createSessions: an invalid second graph releases the first session', async () => {
  const encoder = join(cnnModelDir(), 'encoder.onnx');
  await assert.rejects(createSessions([() => encoder, () => new Uint8Array([1, 2, 3, 4])], CPU, 1));
  assert.equal(created.size, 1, 'the first session was created');
  assert.equal(unreleased(), 0, 'and released');
  // A graph that cannot even be built (it throws before any session is made) is no different.
  await assert.rejects(
    createSessions([() => encoder, () => { throw new Error('missing weight span.W'); }], CPU, 1),
    /missing weight span\.W/,
  );
  assert.equal(created.size, 2);
  assert.equal(unreleased(), 0);
});

test('CnnRuntime.load: a broken span-head.onnx leaves no encoder session behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'baner-broken-model-'));
  for (const name of readdirSync(cnnModelDir())) if (name !== 'span-head.onnx') symlinkSync(join(cnnModelDir(), name), join(dir, name));
  writeFileSync(join(dir, 'span-head.onnx'), 'not an onnx graph');
  await assert.rejects(CnnRuntime.load(dir, readManifest(dir), CPU, 1));
  assert.equal(created.size, 1);
  assert.equal(unreleased(), 0);
});

test('CnnRuntime.useWeights: weights without the span head fail, release the new encoder and keep the old sessions', async () => {
  const runtime = await CnnRuntime.load(cnnModelDir(), readManifest(cnnModelDir()), CPU, 1);
  try {
    const before = new Set(created);
    const weights = new Map(runtime.baseWeights());
    weights.delete('span.W');
    await assert.rejects(runtime.useWeights(weights));
    const fresh = [...created].filter((s) => !before.has(s));
    assert.equal(fresh.length, 1, 'the new encoder session was created');
    assert.ok(released.has(fresh[0]), 'and released');
    assert.equal([...before].filter((s) => released.has(s)).length, 0, 'the sessions in use stay');
    // The runtime still works with its old sessions.
    const embeddings = await runtime.embedSpanFeatures(new Float32Array(3 * runtime.hiddenDims), 1);
    assert.equal(embeddings.length, runtime.spanDims);
  } finally {
    await runtime.dispose();
  }
});
