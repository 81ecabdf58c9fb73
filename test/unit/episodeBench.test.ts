// The flags bench-fewshot and bench-active share (src/cli/episodeBench.ts): bad values are usage errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, UsageError } from '../../src/cli/args';
import { mean, positiveIntegerFlag, splitFlag, std, targetsFlag } from '../../src/cli/episodeBench';
import { FEWSHOT_TARGETS } from '../../src/cli/fewshotTargets';

const args = (argv: string[]) => parseArgs(argv, ['targets', 'split', 'seeds'], []);

test('targets: all by default, the named ones in order, an unknown one refused with the known names', () => {
  assert.deepEqual(targetsFlag(args([])).map((t) => t.name), FEWSHOT_TARGETS.map((t) => t.name));
  assert.deepEqual(targetsFlag(args(['--targets', 'ai,wnut17'])).map((t) => t.name), ['ai', 'wnut17']);
  assert.throws(() => targetsFlag(args(['--targets', 'ai,medicine'])), (e: Error) => e instanceof UsageError && /unknown target medicine/.test(e.message) && /wnut17/.test(e.message));
});

test('split is test or dev; seeds a positive integer', () => {
  assert.equal(splitFlag(args([])), 'test');
  assert.equal(splitFlag(args(['--split', 'dev'])), 'dev');
  assert.throws(() => splitFlag(args(['--split', 'train'])), UsageError);
  assert.equal(positiveIntegerFlag(args([]), 'seeds', 10), 10);
  assert.equal(positiveIntegerFlag(args(['--seeds', '3']), 'seeds', 10), 3);
  for (const bad of ['0', '-2', '2.5', 'ten']) assert.throws(() => positiveIntegerFlag(args(['--seeds', bad]), 'seeds', 10), UsageError, bad);
});

test('mean and standard deviation over seeds', () => {
  assert.equal(mean([1, 2, 3, 6]), 3);
  assert.ok(Math.abs(std([1, 2, 3, 6]) - Math.sqrt(3.5)) < 1e-12);
});
