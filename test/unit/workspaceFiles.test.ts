// Files of a workspace folder that anyone may have put there: real symbolic links out of the folder (to a
// secret, to /dev/zero), a FIFO, a file too large, a link that stays inside. Reads are refused quickly, say
// why without quoting the file, and writes never land outside.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWorkspaceText, resolveInsideFolder, writeWorkspaceText, WorkspaceFileError, type WorkspaceFileProblem } from '../../src/core/io/workspaceFiles';
import { loadSupportFile, MAX_SUPPORT_BYTES, updateSupportFile } from '../../src/core/support/supportFileAccess';
import { withLabel } from '../../src/core/support/supportEdits';

const SECRET = 'AKIA-SECRET-0123456789 password=hunter2';

/** A workspace folder and, beside it (outside), a folder with a secret. */
function setUp(): { root: string; outside: string; secret: string; done: () => void } {
  const base = mkdtempSync(join(tmpdir(), 'baner-files-'));
  const root = join(base, 'workspace');
  const outside = join(base, 'elsewhere');
  mkdirSync(root);
  mkdirSync(outside);
  const secret = join(outside, 'credentials');
  writeFileSync(secret, SECRET + '\n');
  return { root, outside, secret, done: () => rmSync(base, { recursive: true, force: true }) };
}

/** Settles within `ms` (a read of /dev/zero or a FIFO would not). */
async function quickly<T>(promise: Promise<T>, ms = 3_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function refusedAs(problem: WorkspaceFileProblem, message?: RegExp) {
  return (error: Error) => {
    assert.ok(error instanceof WorkspaceFileError, `${error.name}: ${error.message}`);
    assert.equal(error.problem, problem, error.message);
    if (message) assert.match(error.message, message);
    assert.doesNotMatch(error.message, /AKIA|SECRET|hunter2/, 'never quotes the file');
    return true;
  };
}

test('a support.jsonl that is a link to a secret outside the folder is not read, and the error does not quote it', async () => {
  const { root, secret, done } = setUp();
  mkdirSync(join(root, '.baner'));
  symlinkSync(secret, join(root, '.baner', 'support.jsonl'));
  await assert.rejects(quickly(loadSupportFile(root)), refusedAs('outside', /\.baner\/support\.jsonl leads \(through a symbolic link\) outside the workspace folder/));
  // Nor written through: the secret stays as it was.
  await assert.rejects(updateSupportFile(root, (e) => withLabel(e, { text: 'Take aspirin .' }, { start: 5, end: 12, label: 'DRUG' })), refusedAs('outside'));
  assert.equal(readFileSync(secret, 'utf8'), SECRET + '\n');
  done();
});

test('a support.jsonl linked to /dev/zero is refused at once instead of read forever', async () => {
  const { root, done } = setUp();
  mkdirSync(join(root, '.baner'));
  symlinkSync('/dev/zero', join(root, '.baner', 'support.jsonl'));
  await assert.rejects(quickly(loadSupportFile(root)), refusedAs('outside'));
  // And were /dev inside the folder, /dev/zero is still no regular file.
  await assert.rejects(quickly(readWorkspaceText('/dev', 'zero')), refusedAs('not-a-file', /zero is not a regular file/));
  done();
});

test('a .baner folder that is a link out of the workspace is neither read nor written into', async () => {
  const { root, outside, done } = setUp();
  writeFileSync(join(outside, 'support.jsonl'), '{"text": "From elsewhere .", "spans": []}\n');
  symlinkSync(outside, join(root, '.baner'));
  await assert.rejects(loadSupportFile(root), refusedAs('outside'));
  await assert.rejects(updateSupportFile(root, (e) => withLabel(e, { text: 'Take aspirin .' }, { start: 5, end: 12, label: 'DRUG' })), refusedAs('outside'));
  assert.equal(readFileSync(join(outside, 'support.jsonl'), 'utf8'), '{"text": "From elsewhere .", "spans": []}\n', 'untouched');
  assert.ok(!existsSync(join(outside, 'support.jsonl.lock')), 'not even a lock file out there');
  done();
});

test('a dangling link leading out is not written through (that would create its target)', async () => {
  const { root, outside, done } = setUp();
  mkdirSync(join(root, '.baner'));
  symlinkSync(join(outside, 'created'), join(root, '.baner', 'support.jsonl'));
  await assert.rejects(writeWorkspaceText(root, '.baner/support.jsonl', 'x'), refusedAs('outside'));
  assert.ok(!existsSync(join(outside, 'created')));
  done();
});

test('paths with .. leaving the folder are refused; links that stay inside are followed, and stay links', async () => {
  const { root, done } = setUp();
  await assert.rejects(resolveInsideFolder(root, '../elsewhere/credentials'), refusedAs('outside', /is outside the workspace folder/));
  await assert.rejects(readWorkspaceText(root, '/etc/hostname'), refusedAs('outside'));
  mkdirSync(join(root, 'data'));
  mkdirSync(join(root, '.baner'));
  writeFileSync(join(root, 'data', 'labels.jsonl'), '{"text": "Take aspirin .", "spans": [{"start": 5, "end": 12, "label": "DRUG"}]}\n');
  symlinkSync('../data/labels.jsonl', join(root, '.baner', 'support.jsonl'));
  assert.equal((await loadSupportFile(root)).examples.length, 1);
  await updateSupportFile(root, (e) => withLabel(e, { text: 'Ibuprofen helps .' }, { start: 0, end: 9, label: 'DRUG' }));
  assert.ok(lstatSync(join(root, '.baner', 'support.jsonl')).isSymbolicLink(), 'the link is kept');
  assert.equal(readFileSync(join(root, 'data', 'labels.jsonl'), 'utf8').split('\n').filter(Boolean).length, 2, 'its target was written');
  assert.equal(await resolveInsideFolder(root, '.baner/support.jsonl'), join(realpathSync(root), 'data', 'labels.jsonl'));
  done();
});

test('a FIFO is refused without waiting for a writer', async () => {
  const { root, done } = setUp();
  mkdirSync(join(root, '.baner'));
  execFileSync('mkfifo', [join(root, '.baner', 'support.jsonl')]);
  await assert.rejects(quickly(loadSupportFile(root)), refusedAs('not-a-file'));
  done();
});

test('a support file over 20 MB is refused with a clear message, before it is read', async () => {
  const { root, done } = setUp();
  mkdirSync(join(root, '.baner'));
  const file = join(root, '.baner', 'support.jsonl');
  writeFileSync(file, '');
  truncateSync(file, MAX_SUPPORT_BYTES + 1); // sparse: nothing to read, only its size says no
  await assert.rejects(quickly(loadSupportFile(root)), refusedAs('too-large', /^\.baner\/support\.jsonl is larger than 20 MB, more than BANER reads$/));
  // The limit is the caller's; a file at the limit is read.
  writeFileSync(join(root, 'small.txt'), 'x'.repeat(10));
  assert.equal(await readWorkspaceText(root, 'small.txt', { maxBytes: 10 }), 'x'.repeat(10));
  await assert.rejects(readWorkspaceText(root, 'small.txt', { maxBytes: 9 }), refusedAs('too-large'));
  assert.equal(await readWorkspaceText(root, 'missing.txt'), undefined, 'a missing file is no error');
  done();
});
