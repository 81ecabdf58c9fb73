// Replacing an adapter survives a crash at any moment: a real child process re-saving an adapter is killed with
// SIGKILL at random (seeded) moments, 100 times. After each kill the adapter loads, as the last version saved or
// the one being saved, never a mix; no leftover is listed as an adapter; after recovery none is left at all.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { listAdapters, loadAdapter, saveAdapter } from '../../src/core/adapters/adapterFiles';
import { isAdapterName } from '../../src/core/adapters/adapterName';
import { seededRandom } from '../../src/core/random';
import { tempDir, testAdapter } from './adapterFixtures';

const REPO = resolve(__dirname, '../..');
const KILLS = 100;
const SEED = 20260501;
let childScript: string;

before(async () => {
  // One small bundle: a plain `node` child starts in a few tens of milliseconds (tsx would take ten times that).
  const out = join(REPO, 'out', 'test-adapter-crash');
  mkdirSync(out, { recursive: true });
  childScript = join(out, 'adapterSaveChild.js');
  await esbuild.build({ entryPoints: [join(__dirname, 'adapterSaveChild.ts')], outfile: childScript, bundle: true, platform: 'node', format: 'cjs', logLevel: 'error' });
});

/** Starts a child that saves versions first, first+1, ...; kills it `delayMs` after it is ready; resolves to the versions it reported saved. */
function saveUntilKilled(root: string, first: number, delayMs: number): Promise<number[]> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [childScript, root, String(first)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (!timer && out.includes('ready\n')) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.on('error', fail);
    // 'close': the process has exited (and been reaped) and all it printed has been read.
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') return fail(new Error(`the child ended by itself (code ${code})`));
      done([...out.matchAll(/^saved (\d+)$/gm)].map((m) => Number(m[1])));
    });
  });
}

test(`an adapter re-saved by a process killed at ${KILLS} random moments is always loadable, old or new, and leaves nothing listed`, { timeout: 300_000 }, async (t) => {
  const random = seededRandom(SEED);
  const root = tempDir('crash');
  saveAdapter(root, testAdapter('mine', 1, { inDim: 256, outDim: 64 }));
  let last = 1;
  const seen = { restored: 0, leftovers: 0, saves: 0 };
  for (let kill = 0; kill < KILLS; kill++) {
    const saved = await saveUntilKilled(root, last + 1, random() * 120);
    seen.saves += saved.length;
    const lastSaved = saved.length > 0 ? saved[saved.length - 1] : last;

    const entries = readdirSync(root);
    const leftovers = entries.filter((e) => e !== 'mine');
    if (leftovers.length > 0) seen.leftovers++;
    if (!entries.includes('mine')) seen.restored++;
    for (const e of leftovers) assert.equal(isAdapterName(e), false, `kill ${kill}: leftover ${e} would be listed as an adapter`);

    // Loading puts a backup back when the kill came between the two renames.
    const adapter = loadAdapter(join(root, 'mine'));
    const version = adapter.config.training.version as number;
    assert.ok(version === lastSaved || version === lastSaved + 1, `kill ${kill}: version ${version}, last saved ${lastSaved}`);
    const module = adapter.modules.get('tags.W')!;
    assert.ok(module.A.every((x) => x === version) && module.B.every((x) => x === version), `kill ${kill}: weights of one version`);
    assert.ok(adapter.types.vectors.every((x) => x === version), `kill ${kill}: types of one version`);

    // The killed process is gone, so everything it left is stale: listing clears it.
    assert.deepEqual(listAdapters(root), ['mine']);
    assert.deepEqual(readdirSync(root), ['mine'], `kill ${kill}: leftovers remain after recovery`);
    last = version;
  }
  t.diagnostic(`${seen.saves} saves completed; kills left leftovers ${seen.leftovers} times, and no adapter under its name ${seen.restored} times (restored)`);
  // Kills landed both after completed saves and in the middle of one (a save syncs to disk: it takes milliseconds).
  assert.ok(seen.saves > 0 && seen.leftovers > 0, JSON.stringify(seen));
});

test("an older BANER's leftovers are recovered: a lone complete backup becomes the adapter again, the rest is removed", () => {
  const root = tempDir('legacy');
  const hourAgo = Date.now() - 3_600_000;
  // `mine` was lost between the two renames of an older version: only `mine.<time>.old` holds it.
  saveAdapter(root, testAdapter('mine', 7));
  renameSync(join(root, 'mine'), join(root, `mine.${hourAgo}.old`));
  // `other` is in place, with an older backup and a half-written folder beside it.
  saveAdapter(root, testAdapter('other', 3));
  mkdirSync(join(root, `other.${hourAgo}.old`));
  mkdirSync(join(root, `.other.999999.${hourAgo}.partial`));
  writeFileSync(join(root, `.other.999999.${hourAgo}.partial`, 'lora.bin'), 'half');
  // Not ours: a folder whose name only looks like a leftover, and a file.
  mkdirSync(join(root, `..${hourAgo}.old`));
  writeFileSync(join(root, `notes.${hourAgo}.old`), 'a file');

  assert.deepEqual(listAdapters(root), ['mine', 'other']);
  assert.equal(loadAdapter(join(root, 'mine')).config.training.version, 7);
  assert.deepEqual(readdirSync(root).sort(), [`..${hourAgo}.old`, 'mine', `notes.${hourAgo}.old`, 'other'].sort());
});

test('a leftover of a live process is left alone until it is stale', () => {
  const root = tempDir('live');
  saveAdapter(root, testAdapter('mine', 1));
  const live = `.mine.partial-${process.pid}-${Date.now()}-abcdef`;
  mkdirSync(join(root, live));
  assert.deepEqual(listAdapters(root), ['mine']);
  assert.ok(readdirSync(root).includes(live), 'a save in progress (this process) is not removed');
  const old = `.mine.partial-${process.pid}-${Date.now() - 3_600_000}-abcdef`;
  renameSync(join(root, live), join(root, old));
  listAdapters(root);
  assert.deepEqual(readdirSync(root), ['mine'], 'an hour later it is stale whoever made it');
});

test('a save killed between its two renames (the adapter only in its backup) is put back by the next load', () => {
  const root = tempDir('between');
  saveAdapter(root, testAdapter('mine', 4));
  // The process id of a process that has exited: its leftovers are stale at once.
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  renameSync(join(root, 'mine'), join(root, `.mine.backup-${dead}-${Date.now()}-0a1b2c`));
  mkdirSync(join(root, `.mine.partial-${dead}-${Date.now()}-3d4e5f`));
  assert.equal(loadAdapter(join(root, 'mine')).config.training.version, 4);
  assert.deepEqual(listAdapters(root), ['mine']);
  assert.deepEqual(readdirSync(root), ['mine']);
});
