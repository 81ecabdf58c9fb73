// Adapter names pass one gate (checkAdapterName) in every operation: a name that climbs out of .baner/adapters,
// hides, or is one of BANER's temporary folders is refused before anything is read, written or switched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AdapterError, checkAdapterName, deleteAdapter, listAdapters, loadAdapter, renameAdapter, saveAdapter } from '../../src/core/adapters/adapterFiles';
import { isAdapterName } from '../../src/core/adapters/adapterName';
import { ACTIVE_KEY, ActiveAdapter } from '../../src/extension/adapt/activeAdapter';
import { FakeEngine, FakeMemory, tempDir, testAdapter } from './adapterFixtures';

const BAD_NAMES = ['../../../x', '..', '.', 'a/b', 'a\\b', '.hidden', '', ' mine', 'mine.1700000000000.old', 'mine.partial-1-2-ab', 'x'.repeat(65), 'tab\tname'];

test('the name gate accepts plain names and refuses paths, hidden names, temporary-folder names and long ones', () => {
  for (const name of ['clinic', 'my-domain-2', 'v1.2_final', 'A']) {
    assert.doesNotThrow(() => checkAdapterName(name), name);
    assert.equal(isAdapterName(name), true, name);
  }
  for (const name of BAD_NAMES) {
    assert.throws(() => checkAdapterName(name), AdapterError, JSON.stringify(name));
    assert.equal(isAdapterName(name), false, JSON.stringify(name));
  }
  assert.throws(() => checkAdapterName(42), AdapterError);
});

/** A workspace folder with .baner/adapters/good, and a folder beside it that a bad name would reach. */
function workspace() {
  const top = tempDir('names');
  const folder = join(top, 'ws');
  const root = join(folder, '.baner', 'adapters');
  mkdirSync(root, { recursive: true });
  saveAdapter(root, testAdapter('good'));
  // What "../../../x" from .baner/adapters reaches: a complete adapter outside the workspace.
  saveAdapter(top, testAdapter('x'));
  return { top, folder, root };
}

test('the file operations refuse a bad name on every side: save, load, rename (both names), delete', () => {
  const { root, top } = workspace();
  assert.throws(() => saveAdapter(root, testAdapter('../../escaped')), AdapterError);
  assert.ok(!existsSync(join(top, 'escaped')) && !existsSync(join(root, '..', '..', 'escaped')));
  assert.throws(() => loadAdapter(join(root, '.hidden')), AdapterError);
  assert.throws(() => renameAdapter(root, 'good', '../../../y'), AdapterError);
  assert.throws(() => renameAdapter(root, '../../../x', 'stolen'), AdapterError);
  assert.ok(!existsSync(join(root, 'stolen')) && existsSync(join(top, 'x')), 'the outside adapter was not moved in');
  assert.throws(() => deleteAdapter(root, '../../../x'), AdapterError);
  assert.ok(existsSync(join(top, 'x', 'adapter.json')), 'the outside adapter was not deleted');
  assert.deepEqual(listAdapters(root), ['good']);
});

test('a folder named like a leftover of an older BANER (mine.<time>.old) is never listed as an adapter', () => {
  const { root } = workspace();
  saveAdapter(root, testAdapter('mine'));
  // An older version's backup, complete, made "now" by a process that is still alive: kept, but never listed.
  const old = join(root, `mine.${Date.now()}.old`);
  mkdirSync(old);
  for (const f of readdirSync(join(root, 'mine'))) writeFileSync(join(old, f), '{}');
  assert.deepEqual(listAdapters(root), ['good', 'mine']);
});

test('the registry activates, renames and deletes only valid names, and never reaches outside .baner/adapters', async () => {
  const { folder } = workspace();
  const engine = new FakeEngine();
  const memory = new FakeMemory();
  const active = new ActiveAdapter(() => folder, memory, engine, () => {});
  await active.activate('good');
  assert.equal(active.activeName, 'good');
  const calls = engine.calls.length;

  await assert.rejects(active.activate('../../../x'), AdapterError);
  await assert.rejects(active.rename('good', '../../../y'), AdapterError);
  await assert.rejects(active.rename('../../../x', 'mine'), AdapterError);
  await assert.rejects(active.delete('../../../x'), AdapterError);
  assert.equal(engine.calls.length, calls, 'the worker was never asked to load a bad name');
  assert.equal(active.activeName, 'good', 'and the active adapter did not change');
  assert.equal(memory.get(ACTIVE_KEY), 'good');
});

test('a remembered active name that is not a valid name is forgotten at start, never loaded', async () => {
  const { folder } = workspace();
  const engine = new FakeEngine();
  const memory = new FakeMemory();
  await memory.update(ACTIVE_KEY, '../../../x');
  const active = new ActiveAdapter(() => folder, memory, engine, () => {});
  assert.equal(active.activeName, undefined);
  await active.restore();
  assert.deepEqual(engine.calls, [], 'nothing was loaded');
  assert.equal(memory.get(ACTIVE_KEY), undefined, 'the bad name is forgotten');
});
