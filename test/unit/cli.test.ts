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

test('binary or non-UTF-8 input is refused with a byte position, before any model is loaded', () => {
  const binary = join(tmp, 'image.bin');
  writeFileSync(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]));
  const b = baner('highlight', binary);
  assert.equal(b.status, 1);
  assert.match(b.stderr, /image\.bin: looks like a binary file, not text \(a NUL byte at byte offset 8, line 3/);
  const latin1 = join(tmp, 'latin1.txt');
  writeFileSync(latin1, Buffer.from('Gr\xfc\xdfe aus M\xfcnchen\n', 'latin1'));
  const l = baner('highlight', latin1);
  assert.equal(l.status, 1);
  assert.match(l.stderr, /latin1\.txt: is not UTF-8 text \(an invalid byte sequence at byte offset 2, line 1/);
  assert.equal(l.stdout, '');
});

test('errors give positions and never echo the input: a CoNLL file with control characters and a bidi override', () => {
  const bad = join(tmp, 'evil.conll');
  // A terminal escape in a token and a right-to-left override in a tag.
  writeFileSync(bad, 'ok\tO\nhi\x1b]0;pwned\x07\tO\nx\tB-\u202Eevil\n');
  const r = baner('eval', '--test', bad);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /evil\.conll:2:3: a token may not contain a control character/);
  assert.doesNotMatch(r.stderr, /pwned|\x1b|\x07/);
  writeFileSync(bad, 'ok\tO\nx\tB-\u202Eevil\n');
  const tag = baner('eval', '--test', bad);
  assert.match(tag.stderr, /evil\.conll:2:5: invalid NER tag/);
  assert.doesNotMatch(tag.stderr, /evil\b.*evil|\u202E/);
  // Arguments echoed in usage errors are escaped too.
  const arg = baner('highlight', join(tmp, 'doc.txt'), '--threshold', '\x1b[31mred');
  assert.equal(arg.status, 2);
  assert.doesNotMatch(arg.stderr, /\x1b/);
});

test('thresholds outside 0..1 are refused', () => {
  const file = join(tmp, 'short.txt');
  writeFileSync(file, 'Paris .\n');
  for (const value of ['1.5', '-0.1', '50', 'NaN', '', 'abc']) {
    const r = baner('highlight', file, '--threshold', value);
    assert.equal(r.status, 2, `--threshold ${JSON.stringify(value)}: ${r.stderr}`);
    assert.match(r.stderr, /--threshold must be (between 0 and 1|a number)/);
  }
  const e = baner('eval', '--test', join(tmp, 'nope.conll'), '--keep-above', '2');
  assert.equal(e.status, 2);
  assert.match(e.stderr, /--keep-above must be between 0 and 1/);
});

test('--help after a command prints that command\'s help', () => {
  for (const [args, usage] of [
    [['highlight', '--help'], /baner highlight FILE/],
    [['eval', '--test', 'x.conll', '--help'], /baner eval --test FILE/],
    [['sample-support', '-h'], /baner sample-support --from FILE/],
    [['bench-fewshot', '--help'], /baner bench-fewshot/],
  ] as const) {
    const r = baner(...args);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, usage);
    assert.doesNotMatch(r.stdout, args[0] === 'highlight' ? /baner eval/ : /baner highlight/, 'only that command');
  }
});

test('TAB-separated output escapes TABs and line breaks in entity text; --progress reports on stderr', () => {
  const text = 'Reporters in New\nYork said that Kenya Airways will fly to Amsterdam on Friday .\nAngela Merkel met Emmanuel Macron in Paris .\n';
  const file = join(tmp, 'multiline.txt');
  writeFileSync(file, text);
  const r = baner('highlight', file, '--model', 'models/cnn', '--progress');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  const unescape = (field: string) => field.replace(/\\(u\{[0-9a-f]+\}|.)/g, (_, c: string) => (c[0] === 'u' ? String.fromCodePoint(parseInt(c.slice(2, -1), 16)) : ({ t: '\t', n: '\n', r: '\r' } as Record<string, string>)[c] ?? c));
  for (const line of lines) {
    const fields = line.split('\t');
    assert.equal(fields.length, 5, JSON.stringify(line));
    assert.equal(unescape(fields[4]), text.slice(Number(fields[0]), Number(fields[1])));
  }
  assert.ok(lines.some((l) => l.endsWith('\tNew\\nYork')), r.stdout);
  assert.match(r.stderr, /^baner highlight: 100% \(2 of 2 sentences, \d+ s\)$/m);
  // Without --progress and without a terminal, stderr has no progress line.
  const quiet = baner('highlight', file, '--model', 'models/cnn');
  assert.doesNotMatch(quiet.stderr, /%/);
  assert.equal(quiet.stdout, r.stdout);
});

test('eval --progress reports the sentences predicted on stderr', () => {
  const small = join(tmp, 'tiny.conll');
  writeFileSync(small, 'Angela\tB-PER\nMerkel\tI-PER\nvisited\tO\nParis\tB-LOC\n\nKenya\tB-ORG\nAirways\tI-ORG\n');
  const r = baner('eval', '--model', 'models/cnn', '--test', small, '--json', '--progress');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^baner eval: 100% \(2 of 2 sentences, \d+ s\)$/m);
  assert.equal(JSON.parse(r.stdout.trim()).sentences, 2);
});
