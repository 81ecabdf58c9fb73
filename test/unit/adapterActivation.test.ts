// Switching adapters is all or nothing: a damaged adapter never reaches the worker, a worker that fails to switch
// gets the previous adapter back, and the remembered active adapter changes only when the switch happened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { saveAdapter } from '../../src/core/adapters/adapterFiles';
import { ACTIVE_KEY, ActiveAdapter } from '../../src/extension/adapt/activeAdapter';
import { FakeEngine, FakeMemory, tempDir, testAdapter } from './adapterFixtures';

function setUp() {
  const folder = tempDir('activation');
  const root = join(folder, '.baner', 'adapters');
  mkdirSync(root, { recursive: true });
  for (const name of ['first', 'second', 'damaged']) saveAdapter(root, testAdapter(name));
  writeFileSync(join(root, 'damaged', 'types.json'), '{"labels": ["X"], "vectors": [');
  const engine = new FakeEngine();
  const memory = new FakeMemory();
  const switches: boolean[] = [];
  const log: string[] = [];
  const active = new ActiveAdapter(() => folder, memory, engine, (line) => log.push(line), (switched) => switches.push(switched));
  return { folder, root, engine, memory, active, switches, log };
}

test('a damaged adapter is refused before the worker is asked; the previous one stays active', async () => {
  const { root, engine, active } = setUp();
  await active.activate('first');
  assert.equal(engine.current, join(root, 'first'));
  const calls = engine.calls.length;
  await assert.rejects(active.activate('damaged'), /adapter "damaged": types\.json is not valid JSON/);
  assert.equal(engine.calls.length, calls, 'the worker was not asked');
  assert.equal(active.activeName, 'first');
  assert.equal(engine.current, join(root, 'first'));
});

test('when the worker fails to switch, the previous adapter is put back and stays the active one', async () => {
  const { root, engine, memory, active } = setUp();
  await active.activate('first');
  engine.failFor.add(join(root, 'second'));
  await assert.rejects(active.activate('second'), /adapter "second" could not be activated: the worker could not switch; "first" stays active/);
  assert.equal(engine.current, join(root, 'first'), 'the worker uses the previous adapter again');
  assert.deepEqual(engine.calls.slice(-2), [join(root, 'second'), join(root, 'first')]);
  assert.equal(memory.get(ACTIVE_KEY), 'first');
});

test('when neither the new nor the previous adapter can be used, the base model is used and remembered', async () => {
  const { root, engine, memory, active } = setUp();
  await active.activate('first');
  engine.failFor.add(join(root, 'second'));
  engine.failFor.add(join(root, 'first'));
  await assert.rejects(active.activate('second'), /the base model is in use/);
  assert.equal(engine.current, null);
  assert.equal(memory.get(ACTIVE_KEY), undefined, 'what is remembered is what the worker uses');
});

test('switches run one at a time: the last one asked wins in the worker and in memory', async () => {
  const { root, engine, active } = setUp();
  await Promise.all([active.activate('first'), active.activate('second'), active.activate(null), active.activate('first')]);
  assert.deepEqual(engine.calls, [join(root, 'first'), join(root, 'second'), null, join(root, 'first')]);
  assert.equal(active.activeName, 'first');
  assert.equal(engine.current, join(root, 'first'));
});

test('restore keeps the remembered adapter while no model is loaded, and forgets one that is damaged', async () => {
  const { root, engine, memory, active, log } = setUp();
  await memory.update(ACTIVE_KEY, 'first');
  // After a failed model switch: the worker answers with an error and the engine is not ready.
  engine.state = { kind: 'failed' };
  engine.failFor.add(join(root, 'first'));
  engine.failFor.add(null);
  await active.restore();
  assert.equal(memory.get(ACTIVE_KEY), 'first', 'kept for when a model loads');
  assert.match(log.join('\n'), /not restored now \(no model is loaded\)/);

  engine.state = { kind: 'ready' };
  engine.failFor.clear();
  await active.restore();
  assert.equal(engine.current, join(root, 'first'));

  await memory.update(ACTIVE_KEY, 'damaged');
  await active.restore();
  assert.equal(memory.get(ACTIVE_KEY), undefined, 'a damaged adapter is forgotten');
});

test('without a usable folder (Restricted Mode) nothing is loaded and the remembered adapter is kept', async () => {
  const engine = new FakeEngine();
  const memory = new FakeMemory();
  await memory.update(ACTIVE_KEY, 'first');
  const active = new ActiveAdapter(() => undefined, memory, engine, () => {});
  await active.restore();
  assert.deepEqual(engine.calls, []);
  assert.equal(memory.get(ACTIVE_KEY), 'first');
  assert.deepEqual(active.list(), []);
  await assert.rejects(active.activate('first'), /open a trusted folder first/);
  assert.deepEqual(engine.calls, []);
});

test('renaming the active adapter keeps it active under its new name', async () => {
  const { root, engine, memory, active } = setUp();
  await active.activate('first');
  await active.rename('first', 'renamed');
  assert.equal(memory.get(ACTIVE_KEY), 'renamed');
  assert.equal(engine.current, join(root, 'renamed'));
  await active.delete('renamed');
  assert.equal(memory.get(ACTIVE_KEY), undefined);
  assert.equal(engine.current, null);
  assert.deepEqual(active.list().map((e) => e.name), ['damaged', 'second']);
});
