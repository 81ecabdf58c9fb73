// Several processes writing one support file (two VS Code windows on a folder): real child processes label
// sentences in a tight loop through the extension's write path, and no label may be lost; the lock's
// takeover of a dead holder's lock; the cleanup of temporary files a crash left; and a broken file that a
// label must not overwrite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSupportFile, updateSupportFile } from '../../src/core/support/supportFileAccess';
import { withLabel } from '../../src/core/support/supportEdits';
import { LockTimeoutError, withFileLock } from '../../src/core/io/fileLock';
import { isTempNameFor, removeStaleTempFiles, writeFileAtomic } from '../../src/core/io/atomicWrite';
import { SpanJsonlError } from '../../src/core/data/spanJsonl';

const WRITER = join(__dirname, 'supportWriterProcess.ts');

function tempFolder(): string {
  return mkdtempSync(join(tmpdir(), 'baner-support-'));
}

function nextMessage(child: ChildProcess, expected: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.on('message', (m) => m === expected && resolve());
    child.once('exit', (code) => reject(new Error(`writer exited with ${code} before saying ${expected}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
}

test('three processes each labelling 100 sentences in a tight loop lose none of the 300 labels', { timeout: 180_000 }, async () => {
  const root = tempFolder();
  const writers = ['a', 'b', 'c'];
  const count = 100;
  const children = writers.map((w) => fork(WRITER, [root, w, String(count)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  try {
    await Promise.all(children.map((c) => nextMessage(c, 'ready')));
    for (const c of children) c.send('go'); // all at once: their writes interleave
    assert.deepEqual(await Promise.all(children.map(exited)), [0, 0, 0], 'every writer finished');
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill();
  }
  const { examples } = await loadSupportFile(root);
  for (const w of writers) {
    const mine = examples.filter((e) => e.source?.path === `${w}.txt`);
    const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !mine.some((e) => e.text === `Writer ${w} labels sentence ${i} .` && e.spans[0]?.label === `W${w}`));
    assert.deepEqual(missing, [], `writer ${w}: ${missing.length} of ${count} labels lost`);
  }
  assert.equal(examples.length, writers.length * count);
  assert.deepEqual(readdirSync(join(root, '.baner')), ['support.jsonl'], 'no lock or temporary file left behind');
  rmSync(root, { recursive: true, force: true });
});

test('the lock: a dead holder or an old lock is taken over; a live one is waited for; only our own lock is released', async () => {
  const dir = tempFolder();
  const lock = join(dir, 'x.lock');
  // A lock left by a process that has exited.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  writeFileSync(lock, JSON.stringify({ pid: Number(dead.stdout), host: hostname(), time: Date.now(), token: 'dead' }));
  const started = Date.now();
  assert.equal(await withFileLock(lock, async () => 'ran', { timeoutMs: 5_000 }), 'ran');
  assert.ok(Date.now() - started < 2_000, 'taken over at once');
  assert.ok(!existsSync(lock), 'released');

  // A lock of a live process (this one) is waited for, then given up on with a message saying who holds it.
  writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), time: Date.now(), token: 'live' }));
  await assert.rejects(withFileLock(lock, async () => 'ran', { timeoutMs: 300 }), (e: Error) => e instanceof LockTimeoutError && e.message.includes(`process ${process.pid}`));
  assert.equal(JSON.parse(readFileSync(lock, 'utf8')).token, 'live', 'not removed by the one that waited');
  // ... unless it is older than staleMs (a hung holder).
  const old = new Date(Date.now() - 60_000);
  utimesSync(lock, old, old);
  assert.equal(await withFileLock(lock, async () => 'ran', { staleMs: 10_000, timeoutMs: 5_000 }), 'ran');

  // A holder that overran staleMs and lost its lock does not remove its successor's.
  await withFileLock(lock, async () => {
    rmSync(lock);
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), time: Date.now(), token: 'successor' }));
  });
  assert.equal(JSON.parse(readFileSync(lock, 'utf8')).token, 'successor');
  rmSync(dir, { recursive: true, force: true });
});

test('temporary files left by interrupted writes are removed: ours and old only', async () => {
  const root = tempFolder();
  const baner = join(root, '.baner');
  mkdirSync(baner);
  const hourAgo = new Date(Date.now() - 3_600_000);
  const leftovers = ['.support.jsonl.4242.1700000000000.tmp', '.support.jsonl.4242.1700000000001.0123abcd.tmp'];
  const kept = [
    '.support.jsonl.4243.1700000000002.89abcdef.tmp', // young: a write in progress in another window
    '.support.jsonl.notes.tmp', // not a name we write
    'support.jsonl.tmp',
    '.other.jsonl.4242.1700000000000.tmp', // another file's
  ];
  for (const name of [...leftovers, ...kept]) writeFileSync(join(baner, name), 'partial');
  for (const name of [...leftovers, ...kept.slice(1)]) utimesSync(join(baner, name), hourAgo, hourAgo);
  assert.ok(leftovers.every((n) => isTempNameFor(n, 'support.jsonl')) && !kept.slice(1).some((n) => isTempNameFor(n, 'support.jsonl')));

  await updateSupportFile(root, (examples) => withLabel(examples, { text: 'Take aspirin .' }, { start: 5, end: 12, label: 'DRUG' }));
  assert.deepEqual(readdirSync(baner).sort(), [...kept, 'support.jsonl'].sort(), 'the old leftovers are gone, the rest stays');
  assert.deepEqual(await removeStaleTempFiles(join(baner, 'support.jsonl'), 0), [kept[0]], 'with no age limit the young one counts too');
  // A successful write leaves nothing behind.
  writeFileAtomic(join(baner, 'support.jsonl'), 'x');
  assert.deepEqual(readdirSync(baner).filter((n) => isTempNameFor(n, 'support.jsonl')), []);
  rmSync(root, { recursive: true, force: true });
});

test('a support file that does not parse is never written over by a label', async () => {
  const root = tempFolder();
  mkdirSync(join(root, '.baner'));
  const broken = '{"text": "Take aspirin .", "spans": [{"start": 5, "end": 12, "label": "DRUG"}]}\n{"text": "half a li\n';
  writeFileSync(join(root, '.baner', 'support.jsonl'), broken);
  await assert.rejects(
    updateSupportFile(root, (examples) => withLabel(examples, { text: 'Ibuprofen helps .' }, { start: 0, end: 9, label: 'DRUG' }), { displayName: 'support.jsonl' }),
    (e: Error) => e instanceof SpanJsonlError && e.message.startsWith('support.jsonl:2: '),
  );
  assert.equal(readFileSync(join(root, '.baner', 'support.jsonl'), 'utf8'), broken, 'unchanged');
  rmSync(root, { recursive: true, force: true });
});
