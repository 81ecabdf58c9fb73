// The support file parser against what a hand edit (or anything else) can put in the file: overlapping spans,
// the label "O", offsets splitting a surrogate pair, repeated sentences, bad JSON that must not be quoted back;
// and a seeded fuzz test: whatever the input, the parser returns or throws its own error, and what it accepts
// survives a write and a read unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSupportFile, parseSupportFile, readSupportFile, type SupportExample } from '../../src/core/support/supportFile';
import { SpanJsonlError } from '../../src/core/data/spanJsonl';
import { seededRandom } from '../../src/core/random';

const FILE = '.baner/support.jsonl';

function line(value: unknown): string {
  return JSON.stringify(value) + '\n';
}

function rejects(content: string, lineNumber: number, problem: RegExp): void {
  assert.throws(
    () => parseSupportFile(content, FILE),
    (error: Error) => {
      assert.ok(error instanceof SpanJsonlError, `a SpanJsonlError, not ${error.name}: ${error.message}`);
      assert.equal(error.line, lineNumber, error.message);
      assert.ok(error.message.startsWith(`${FILE}:${lineNumber}: `), error.message);
      assert.match(error.message, problem);
      return true;
    },
  );
}

const GOOD = line({ text: 'Take aspirin daily .', spans: [{ start: 5, end: 12, label: 'DRUG' }] });

test('overlapping spans are refused, naming the line and the spans', () => {
  rejects(GOOD + line({ text: 'New York City', spans: [{ start: 0, end: 8, label: 'LOC' }, { start: 4, end: 13, label: 'LOC' }] }), 2, /spans\[0\] and spans\[1\] overlap/);
  // Out of order in the file: still found.
  rejects(line({ text: 'New York City', spans: [{ start: 4, end: 13, label: 'LOC' }, { start: 0, end: 5, label: 'LOC' }] }), 1, /spans\[1\] and spans\[0\] overlap/);
  rejects(line({ text: 'New York City', spans: [], rejected: [{ start: 0, end: 3 }, { start: 2, end: 8 }] }), 1, /rejected\[0\] and rejected\[1\] overlap/);
  rejects(line({ text: 'New York City', spans: [{ start: 0, end: 8, label: 'LOC' }], rejected: [{ start: 4, end: 8 }] }), 1, /spans\[0\] overlaps rejected\[0\]/);
  // Touching is not overlapping.
  assert.equal(parseSupportFile(line({ text: 'New York City', spans: [{ start: 0, end: 3, label: 'A' }, { start: 4, end: 8, label: 'B' }], rejected: [{ start: 9, end: 13 }] }), FILE).length, 1);
});

test('the label "O" (not an entity) is refused as a type', () => {
  rejects(GOOD + '\n' + line({ text: 'Oslo is cold .', spans: [{ start: 0, end: 4, label: 'O' }] }), 3, /label "O" means "not an entity"/);
});

test('offsets inside a surrogate pair are refused; around it they are fine', () => {
  const text = 'Take 💊 now'; // the pill is two UTF-16 code units, at 5 and 6
  rejects(line({ text, spans: [{ start: 6, end: 7, label: 'X' }] }), 1, /spans\[0\]: offset 6 falls inside a character/);
  rejects(line({ text, spans: [{ start: 0, end: 6, label: 'X' }] }), 1, /offset 6 falls inside/);
  rejects(line({ text, spans: [], rejected: [{ start: 5, end: 6 }] }), 1, /rejected\[0\]: offset 6 falls inside/);
  assert.deepEqual(parseSupportFile(line({ text, spans: [{ start: 5, end: 7, label: 'X' }] }), FILE)[0].spans, [{ start: 5, end: 7, label: 'X' }]);
});

test('a sentence repeated from the same file is kept once, and the notes say which lines', () => {
  const a = { text: 'Aspirin helps .', spans: [{ start: 0, end: 7, label: 'DRUG' }], source: { path: 'a.md', offset: 0 } };
  const content = [
    line(a),
    '\r\n', // blank lines (and CRLF) do not shift the numbers
    line({ ...a, spans: [], rejected: [{ start: 0, end: 7 }], source: { path: 'a.md', offset: 90 } }),
    line({ ...a, source: { path: 'b.md', offset: 0 } }), // another file: another example
    line({ ...a, source: { path: 'a.md', offset: 0, folder: 'second' } }), // another workspace folder: another example
    line({ text: a.text, spans: [] }),
    line({ text: a.text, spans: [] }),
  ].join('');
  const { examples, notes } = readSupportFile(content, FILE);
  assert.equal(examples.length, 4);
  assert.deepEqual(examples[0].spans, a.spans, 'the first one is kept');
  assert.deepEqual(notes, [`${FILE}:3: the same sentence of a.md as line 1; only line 1 is kept`, `${FILE}:7: the same sentence as line 6; only line 6 is kept`]);
  assert.deepEqual(parseSupportFile(formatSupportFile(examples), FILE), examples, 'written back, the repeat is gone');
  assert.deepEqual(readSupportFile(formatSupportFile(examples), FILE).notes, []);
});

test('bad JSON is reported by line and position without quoting the file (it may be a secret)', () => {
  const secret = 'AKIA-SECRET-TOKEN-0123456789 password=hunter2';
  for (const content of [secret, GOOD + secret + '\n', GOOD + `{"text": "${secret}", "spans": [}`]) {
    assert.throws(
      () => parseSupportFile(content, FILE),
      (error: Error) => error instanceof SpanJsonlError && /not valid JSON/.test(error.message) && !/AKIA|SECRET|hunter2|password/.test(error.message),
    );
  }
  rejects(GOOD + '{"text": 1', 2, /not valid JSON/);
});

test('scores and -0 do not survive a write, so they are not read: what is read is what would be written', () => {
  const [example] = parseSupportFile('{"text":"Take aspirin","spans":[{"start":5,"end":12,"label":"DRUG","score":0.5}],"rejected":[{"start":-0,"end":4}],"source":{"path":"a","offset":-0}}', FILE);
  assert.deepEqual(example, { text: 'Take aspirin', spans: [{ start: 5, end: 12, label: 'DRUG' }], rejected: [{ start: 0, end: 4 }], suggested: [], source: { path: 'a', offset: 0 } });
  assert.ok(Object.is(example.rejected[0].start, 0) && Object.is(example.source!.offset, 0));
});

// ---- fuzz ----

const ALPHABET = ['a', 'B', ' ', '.', 'é', '💊', '\u00a0', '"', '\\', '\n', '\ud800', '\udc00', '{', '}', '0', '\t'];
const EDGE_NUMBERS = [-1, -0, 0, 0.5, 1, 2, 3, 7, 1e21, 2 ** 53, NaN, '1', null, true, [], {}];
const LABELS = ['DRUG', 'PER', 'O', '', ' ', 'x y', 'ÉTAT', '💊', 42, null];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function randomText(random: () => number): string {
  let text = '';
  const length = Math.floor(random() * 14);
  for (let i = 0; i < length; i++) text += pick(random, ALPHABET);
  return text;
}

/** A plausible line (often valid), as a JSON value. */
function randomLine(random: () => number): Record<string, unknown> {
  const text = randomText(random);
  const spans: unknown[] = [];
  const rejected: unknown[] = [];
  let at = 0;
  while (at < text.length && random() < 0.7) {
    const start = at + Math.floor(random() * 3);
    const end = start + 1 + Math.floor(random() * 4);
    if (end > text.length) break;
    // Now and then what JSON allows and a writer would not produce: -0, a score.
    const from = start === 0 && random() < 0.3 ? -0 : start;
    if (random() < 0.8) spans.push({ start: from, end, label: random() < 0.9 ? 'DRUG' : pick(random, LABELS), ...(random() < 0.1 ? { score: pick(random, [0.5, 1, -0]) } : {}) });
    else rejected.push({ start: from, end });
    at = end + (random() < 0.9 ? 0 : -2);
  }
  const value: Record<string, unknown> = { text, spans };
  if (rejected.length > 0 || random() < 0.1) value.rejected = rejected;
  if (random() < 0.6) {
    const source: Record<string, unknown> = { path: pick(random, ['a.md', 'docs/b.txt', '', '../x', 'é/💊.md']), offset: random() < 0.1 ? -0 : Math.floor(random() * 100) };
    if (random() < 0.3) source.folder = pick(random, ['second', '', 'é']);
    value.source = source;
  }
  return value;
}

/** Changes one thing in a JSON value: a number to an edge case, a key dropped or added, a type swapped. */
function mutateValue(random: () => number, value: unknown, depth = 0): unknown {
  if (Array.isArray(value)) {
    if (value.length === 0 || random() < 0.2) return random() < 0.5 ? [...value, mutateValue(random, {}, depth + 1)] : pick(random, EDGE_NUMBERS);
    const copy = [...value];
    const i = Math.floor(random() * copy.length);
    copy[i] = mutateValue(random, copy[i], depth + 1);
    return copy;
  }
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    const keys = Object.keys(copy);
    const r = random();
    if (keys.length === 0 || r < 0.15) copy[pick(random, ['text', 'spans', 'rejected', 'source', 'label', 'start', 'end', 'score', 'folder', 'extra'])] = pick(random, [...EDGE_NUMBERS, 'x', [], {}]);
    else if (r < 0.3) delete copy[pick(random, keys)];
    else {
      const key = pick(random, keys);
      copy[key] = mutateValue(random, copy[key], depth + 1);
    }
    return copy;
  }
  return random() < 0.5 ? pick(random, EDGE_NUMBERS) : pick(random, [...LABELS, randomText(random)]);
}

/** JSON.stringify, except that -0 is written as -0 (JSON allows it; JSON.stringify writes 0). */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (Object.is(v, -0) ? '\u0000-0' : v)).replace(/"\\u0000-0"/g, '-0');
}

/** Changes characters of the line's JSON text (bad JSON, mostly). */
function mutateText(random: () => number, text: string): string {
  const chars = [...text];
  const edits = 1 + Math.floor(random() * 3);
  for (let e = 0; e < edits; e++) {
    const i = Math.floor(random() * (chars.length + 1));
    const r = random();
    if (r < 0.4) chars.splice(i, 1);
    else if (r < 0.8) chars.splice(i, 0, pick(random, ALPHABET));
    else chars.splice(i, 1, pick(random, ['"', ',', ':', ']', '}', '1']));
  }
  return chars.join('');
}

/** What the parser promises about what it accepts, checked independently. */
function assertWellFormed(examples: SupportExample[]): void {
  const keys = new Set<string>();
  for (const e of examples) {
    const key = JSON.stringify([e.source?.folder ?? '', e.source?.path ?? '', e.text]);
    assert.ok(!keys.has(key), 'no repeated sentence');
    keys.add(key);
    const all = [...e.spans, ...e.rejected].sort((a, b) => a.start - b.start);
    for (let i = 0; i < all.length; i++) {
      const s = all[i];
      assert.ok(Number.isInteger(s.start) && Number.isInteger(s.end) && 0 <= s.start && s.start < s.end && s.end <= e.text.length);
      if (i > 0) assert.ok(all[i - 1].end <= s.start, 'no overlap');
      for (const offset of [s.start, s.end]) {
        const code = (k: number) => e.text.charCodeAt(k);
        assert.ok(!(offset > 0 && code(offset - 1) >= 0xd800 && code(offset - 1) <= 0xdbff && code(offset) >= 0xdc00 && code(offset) <= 0xdfff), 'no split pair');
      }
    }
    for (const s of e.spans) assert.ok(typeof s.label === 'string' && s.label !== '' && s.label !== 'O');
  }
}

test('fuzz (seed 20251010, 4,000 files): only SpanJsonlError is thrown, and what is accepted round-trips through the writer', () => {
  const random = seededRandom(20251010);
  let accepted = 0;
  let refused = 0;
  for (let run = 0; run < 4_000; run++) {
    const lines: string[] = [];
    const count = 1 + Math.floor(random() * 4);
    for (let i = 0; i < count; i++) {
      let value: unknown = randomLine(random);
      const r = random();
      if (r < 0.35) value = mutateValue(random, value);
      let text = toJson(value);
      if (r > 0.85) text = mutateText(random, text);
      if (random() < 0.1 && lines.length > 0) text = lines[lines.length - 1]; // a repeated line
      lines.push(text);
      if (random() < 0.1) lines.push(pick(random, ['', '  ', '\t']));
    }
    const content = (random() < 0.05 ? '\uFEFF' : '') + lines.join(random() < 0.2 ? '\r\n' : '\n');
    let examples: SupportExample[];
    try {
      examples = parseSupportFile(content, FILE);
    } catch (error) {
      assert.ok(error instanceof SpanJsonlError, `run ${run}: threw ${(error as Error)?.name}: ${(error as Error)?.message} for ${JSON.stringify(content)}`);
      assert.ok(error.line >= 1 && error.line <= content.split('\n').length, `run ${run}: line ${error.line}`);
      refused++;
      continue;
    }
    accepted++;
    assertWellFormed(examples);
    const written = formatSupportFile(examples);
    assert.deepEqual(parseSupportFile(written, FILE), examples, `run ${run}: ${JSON.stringify(content)}`);
    assert.equal(formatSupportFile(parseSupportFile(written, FILE)), written);
  }
  // Both paths are exercised for real.
  console.log(`fuzz: ${accepted} files accepted, ${refused} refused`);
  assert.ok(accepted > 800 && refused > 800, `${accepted} accepted, ${refused} refused`);
});
