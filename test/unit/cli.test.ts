// The `baner` command's contract, run as a user runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const tmp = mkdtempSync(join(tmpdir(), 'baner-cli-'));
const BIN = resolve(__dirname, '../../bin/baner.js');
const baner = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

test('--help lists the commands', () => {
  const r = baner('--help');
  assert.equal(r.status, 0);
  for (const c of ['highlight', 'eval', 'sample-support']) assert.match(r.stdout, new RegExp(`baner ${c}`));
  assert.match(r.stdout, /default model is models\/transformer/);
  assert.match(r.stdout, /--model models\/cnn selects the fast CNN/);
});

test('the default model is the bundled transformer; --model models/cnn is the bundled CNN from any folder', () => {
  const file = join(tmp, 'which.txt');
  writeFileSync(file, 'Reporters in Nairobi said Kenya Airways will fly to Amsterdam .\n');
  // From the temp folder, where no models/ exists: the bundled folders are found by their names.
  const inTmp = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmp });
  const byDefault = inTmp('highlight', file, '--json');
  const transformer = inTmp('highlight', file, '--json', '--model', 'models/transformer');
  const cnn = inTmp('highlight', file, '--json', '--model', 'models/cnn');
  for (const r of [byDefault, transformer, cnn]) assert.equal(r.status, 0, r.stderr);
  assert.equal(byDefault.stdout, transformer.stdout);
  assert.ok(cnn.stdout.trim().length > 0);
  assert.notEqual(cnn.stdout, transformer.stdout, 'the CNN scores differ from the transformer\'s');
});

test('highlight --json prints one entity object per line with exact offsets', () => {
  const text = 'Reporters in Nairobi said Kenya Airways will fly to Amsterdam .\n';
  const file = join(tmp, 'doc.txt');
  writeFileSync(file, text);
  const r = baner('highlight', file, '--json');
  assert.equal(r.status, 0, r.stderr);
  const entities = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(entities.length >= 2);
  for (const e of entities) {
    assert.deepEqual(Object.keys(e).sort(), ['end', 'label', 'score', 'start', 'text']);
    assert.equal(text.slice(e.start, e.end), e.text);
  }
});

test('eval --json ends with the score line; --support switches to the support set types', () => {
  const lines = readFileSync('../shared/data/conll2003/original/eng.testa', 'utf8').split('\n');
  const small = join(tmp, 'small.conll');
  writeFileSync(small, lines.slice(0, 3000).join('\n'));
  // The CNN (models/cnn, the fast model): these thresholds are its own, and it adapts in seconds.
  const r = baner('eval', '--model', 'models/cnn', '--test', small, '--json');
  assert.equal(r.status, 0, r.stderr);
  const last = JSON.parse(r.stdout.trim().split('\n').pop()!);
  for (const k of ['precision', 'recall', 'f1', 'span_f1', 'sentences', 'seconds']) assert.equal(typeof last[k], 'number', k);
  assert.ok(last.f1 > 80 && last.span_f1 > 85, JSON.stringify(last));

  const support = join(tmp, 'support.conll');
  const s = baner('sample-support', '--from', '../shared/data/wnut17/wnut17train.conll', '--shots', '1', '--seed', '1', '--out', support);
  assert.equal(s.status, 0, s.stderr);
  const few = baner('eval', '--model', 'models/cnn', '--test', '../shared/data/wnut17/emerging.dev.conll', '--support', support, '--json');
  assert.equal(few.status, 0, few.stderr);
  const fewScores = JSON.parse(few.stdout.trim().split('\n').pop()!);
  assert.equal(fewScores.sentences, 1009);
});

test('missing and malformed files fail with a clear message and a non-zero exit', () => {
  const missing = baner('eval', '--test', join(tmp, 'nope.conll'));
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /no such file/);
  const bad = join(tmp, 'bad.conll');
  writeFileSync(bad, 'Paris B-LOC\nis O\nnice\n');
  const malformed = baner('eval', '--test', bad);
  assert.notEqual(malformed.status, 0);
  assert.match(malformed.stderr, /bad\.conll:3/);
  const unknown = baner('frobnicate');
  assert.equal(unknown.status, 2);
});
