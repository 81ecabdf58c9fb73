// Symbolic links under a workspace's .baner never lead BANER out of the workspace folder: a `.baner` or
// `adapters` link pointing outside is refused for reading and writing, an adapter folder or file that is a link is
// neither listed nor loaded. Real links in a temporary folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { AdapterError, listAdapters, loadAdapter, saveAdapter } from '../../src/core/adapters/adapterFiles';
import { workspaceAdaptersRoot } from '../../src/core/adapters/workspaceAdapters';
import { ActiveAdapter } from '../../src/extension/adapt/activeAdapter';
import { FakeEngine, FakeMemory, tempDir, testAdapter } from './adapterFixtures';

/** A workspace folder `ws` and, beside it, `outside` holding a complete adapters folder. */
function setUp() {
  const top = tempDir('links');
  const folder = join(top, 'ws');
  const outside = join(top, 'outside');
  mkdirSync(folder);
  mkdirSync(join(outside, 'adapters'), { recursive: true });
  saveAdapter(join(outside, 'adapters'), testAdapter('planted'));
  return { folder, outside };
}

test('a .baner that links outside the workspace is refused for reading and for writing', async () => {
  const { folder, outside } = setUp();
  symlinkSync(outside, join(folder, '.baner'));
  assert.throws(() => workspaceAdaptersRoot(folder), (e: unknown) => e instanceof AdapterError && /\.baner is a symbolic link leading outside the workspace folder/.test(e.message));
  assert.throws(() => workspaceAdaptersRoot(folder, { create: true }), AdapterError);

  const engine = new FakeEngine();
  const active = new ActiveAdapter(() => folder, new FakeMemory(), engine, () => {});
  assert.deepEqual(active.list(), [], 'the planted adapter is not listed');
  assert.match(active.rootProblem() ?? '', /outside the workspace folder/);
  await assert.rejects(active.activate('planted'), AdapterError);
  await assert.rejects(active.delete('planted'), AdapterError);
  assert.deepEqual(engine.calls, [], 'nothing outside was loaded');
  assert.deepEqual(readdirSync(join(outside, 'adapters')), ['planted'], 'nothing outside was written or deleted');
});

test('an adapters folder that links outside is refused; a link that stays inside the workspace is followed', () => {
  const { folder, outside } = setUp();
  mkdirSync(join(folder, '.baner'));
  symlinkSync(join(outside, 'adapters'), join(folder, '.baner', 'adapters'));
  assert.throws(() => workspaceAdaptersRoot(folder), /\.baner\/adapters is a symbolic link leading outside/);

  const { folder: other } = setUp();
  mkdirSync(join(other, 'kept', 'adapters'), { recursive: true });
  symlinkSync(join(other, 'kept'), join(other, '.baner'));
  assert.equal(workspaceAdaptersRoot(other), join(realpathSync(other), 'kept', 'adapters'));
});

test('a dangling .baner link is refused rather than created through', () => {
  const { folder, outside } = setUp();
  symlinkSync(join(outside, 'not-yet'), join(folder, '.baner'));
  assert.throws(() => workspaceAdaptersRoot(folder, { create: true }), /symbolic link/);
  assert.deepEqual(readdirSync(outside), ['adapters'], 'no folder was made outside');
});

test('missing parts are made inside the workspace', () => {
  const { folder } = setUp();
  assert.equal(workspaceAdaptersRoot(folder), undefined);
  assert.equal(workspaceAdaptersRoot(folder, { create: true }), join(realpathSync(folder), '.baner', 'adapters'));
});

test('an adapter folder that is a link is neither listed nor loaded', () => {
  const { folder, outside } = setUp();
  const root = workspaceAdaptersRoot(folder, { create: true })!;
  saveAdapter(root, testAdapter('own'));
  symlinkSync(join(outside, 'adapters', 'planted'), join(root, 'planted'));
  assert.deepEqual(listAdapters(root), ['own']);
  assert.throws(() => loadAdapter(join(root, 'planted')), /adapter "planted" is a symbolic link/);
});
