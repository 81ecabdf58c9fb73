// A TAB-separated field stays one field on one line whatever the text holds, and reads back exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tsvField } from '../../src/cli/tsv';
import { printable } from '../../src/cli/args';

const unescape = (field: string) =>
  field.replace(/\\(u\{[0-9a-f]+\}|.)/g, (_, c: string) => (c[0] === 'u' ? String.fromCodePoint(parseInt(c.slice(2, -1), 16)) : ({ t: '\t', n: '\n', r: '\r' } as Record<string, string>)[c] ?? c));

test('tsvField escapes TABs, line breaks, backslashes and other controls, and nothing else', () => {
  assert.equal(tsvField('New\nYork'), 'New\\nYork');
  assert.equal(tsvField('a\tb\r\nc\\d'), 'a\\tb\\r\\nc\\\\d');
  assert.equal(tsvField('x\u0000y\u2028z\u0085'), 'x\\u{0}y\\u{2028}z\\u{85}');
  assert.equal(tsvField('Caf\u00e9 \u{1F602} \u6771\u4eac'), 'Caf\u00e9 \u{1F602} \u6771\u4eac');
  for (const text of ['New\nYork', 'a\\tb', '\\\\n', 'tab\there\\', '\u2029\u0001\u007f\u009f']) {
    const field = tsvField(text);
    assert.doesNotMatch(field, /[\t\n\r\u2028\u2029\p{Cc}]/u);
    assert.equal(unescape(field), text);
  }
});

test('printable escapes terminal controls and bidi overrides in messages, keeps line feeds', () => {
  assert.equal(printable('a\x1b[31mb\u202Ec\nd'), 'a\\u{1b}[31mb\\u{202e}c\nd');
  assert.equal(printable('caf\u00e9 \u{1F602}'), 'caf\u00e9 \u{1F602}');
});
