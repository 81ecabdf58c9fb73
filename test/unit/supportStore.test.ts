// The extension's support store when another program breaks the file (an editor, git): one warning per broken
// state naming the file and line, the last readable labels kept and marked stale, and edits refused without
// touching the file; fixed, it is read again. Plain Node, with a stand-in for `vscode` (fakeVscode.ts) and a
// real file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withLabel } from '../../src/core/support/supportEdits';
import { fake } from './fakeVscode';
// Loaded after the stand-in is in place (a static import would be hoisted above it).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SupportStore } = require('../../src/extension/support/supportStore') as typeof import('../../src/extension/support/supportStore');

const GOOD = [
  '{"text": "She takes Glucophage daily .", "spans": [{"start": 10, "end": 20, "label": "DRUG"}]}',
  '{"text": "Norvasc helps .", "spans": [{"start": 0, "end": 7, "label": "DRUG"}]}',
].join('\n') + '\n';
const BROKEN = GOOD + '{"text": "Oslo .", "spans": [{"start": 0, "end": 4, "label": "O"}]}\n';
const BROKEN_OTHERWISE = GOOD + '{"text": "half a li\n';

async function until<T>(what: string, probe: () => T | undefined | false): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('a support file broken from outside: warned once per state, last labels kept as stale, never written over', async () => {
  const root = mkdtempSync(join(tmpdir(), 'baner-store-'));
  mkdirSync(join(root, '.baner'));
  const file = join(root, '.baner', 'support.jsonl');
  writeFileSync(file, GOOD);
  const store = new SupportStore({ uri: { fsPath: root }, name: 'workspace', index: 0 } as never);
  const problems: Array<string | undefined> = [];
  store.onDidChangeProblem((p) => problems.push(p));
  const watcher = fake.watchers.at(-1)!;
  const outsideChange = async (content: string) => {
    writeFileSync(file, content);
    watcher.change.fire(undefined);
  };
  assert.equal((await store.ready()).length, 2);

  await outsideChange(BROKEN);
  await until('the broken state', () => store.problem);
  assert.equal(fake.messages.warning.length, 1);
  const warning = fake.messages.warning[0];
  assert.ok(warning.includes(`${file}:3: spans[0]: the label "O"`), warning);
  assert.match(warning, /last readable ones and may be stale/);
  assert.match(warning, /will not write the file until it is fixed/);
  assert.deepEqual(problems, [store.problem], 'the decorations are told (stale)');
  assert.equal(store.lastReadable().length, 2, 'the last readable labels stay');
  assert.throws(() => store.read(), /support\.jsonl:3/);

  // The same broken content again (a save without change): no second warning.
  await outsideChange(BROKEN);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(fake.messages.warning.length, 1, 'warned once for this state');

  // A label is refused with a message naming the line, and the file stays as it is.
  await assert.rejects(
    store.update((examples) => withLabel(examples, { text: 'Take aspirin .' }, { start: 5, end: 12, label: 'DRUG' })),
    (e: Error) => e.message.includes(`${file}:3: `) && /does not write it meanwhile/.test(e.message),
  );
  assert.equal(readFileSync(file, 'utf8'), BROKEN, 'not written over');

  // Fixed: read again, no longer stale.
  await outsideChange(GOOD + '{"text": "Oslo .", "spans": [{"start": 0, "end": 4, "label": "LOC"}]}\n');
  await until('the fixed file to be read', () => store.problem === undefined);
  assert.equal(store.read().length, 3);
  assert.equal(problems.at(-1), undefined);
  // Broken again, another way: a new state, a new warning.
  await outsideChange(BROKEN_OTHERWISE);
  await until('the second broken state', () => store.problem);
  assert.equal(fake.messages.warning.length, 2);
  assert.ok(fake.messages.warning[1].includes(`${file}:3: not valid JSON`), fake.messages.warning[1]);
  assert.equal(store.lastReadable().length, 3);
  store.dispose();
  rmSync(root, { recursive: true, force: true });
});
