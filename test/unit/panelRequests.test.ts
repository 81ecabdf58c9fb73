// The panel's requests: every field checked (malformed messages are refused, with a reason that does not echo
// what was sent), examples named by a stable id rather than a position (a second click, or a change landing
// first, removes nothing else), and the page's Remove buttons disabled while their removal is under way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPanelRequest } from '../../src/extension/panel/panelRequestSchema';
import { exampleId, withoutExample } from '../../src/core/support/exampleId';
import type { SupportExample } from '../../src/core/support/supportFile';
import { PendingRemovals } from '../../webview/pendingRemovals';

const ID = '0123456789abcdef';

test('well-formed requests pass, as they are', () => {
  for (const request of [
    { type: 'ready' },
    { type: 'reveal', id: ID },
    { type: 'removeExample', id: ID },
    { type: 'activate', name: 'clinic' },
    { type: 'activate', name: null },
    { type: 'delete', name: 'clinic' },
    { type: 'rename', name: 'clinic', newName: 'cardiology' },
    { type: 'adapt' },
  ]) {
    assert.deepEqual(checkPanelRequest(request), { ok: true, request }, JSON.stringify(request));
  }
});

test('malformed requests are refused, each with a reason naming the field and not its value', () => {
  const malformed: Array<[unknown, RegExp]> = [
    [null, /without a type/],
    [undefined, /without a type/],
    ['reveal', /without a type/],
    [42, /without a type/],
    [['reveal', ID], /without a type/],
    [{}, /without a type/],
    [{ type: 'explode' }, /of type "explode": type:/],
    [{ type: 7 }, /without a type/],
    [{ type: 'reveal' }, /of type "reveal": id:/],
    [{ type: 'reveal', id: 3 }, /id:/],
    [{ type: 'reveal', id: '../../etc/passwd' }, /id: an example id is 16 hex digits/],
    [{ type: 'removeExample', index: 1 }, /of type "removeExample"/], // the old protocol, by position
    [{ type: 'removeExample', id: ID.toUpperCase() }, /id:/],
    [{ type: 'removeExample', id: ID, index: 1 }, /index:/], // a field no request has
    [{ type: 'activate' }, /name:/],
    [{ type: 'activate', name: '' }, /name: an adapter name is not empty/],
    [{ type: 'activate', name: 5 }, /name:/],
    [{ type: 'delete', name: null }, /name:/],
    [{ type: 'delete', name: 'x'.repeat(201) }, /name: an adapter name has at most 200 characters/],
    [{ type: 'rename', name: 'clinic' }, /newName:/],
    [{ type: 'rename', name: 'clinic', newName: ['cardiology'] }, /newName:/],
    [{ type: 'adapt', steps: 1e9 }, /steps:/],
    [JSON.parse('{"type": "adapt", "__proto__": {"polluted": true}}'), /__proto__/],
  ];
  for (const [message, reason] of malformed) {
    const checked = checkPanelRequest(message);
    assert.equal(checked.ok, false, `${JSON.stringify(message)} is refused`);
    if (checked.ok) continue;
    assert.match(checked.problem, reason, JSON.stringify(message));
    assert.doesNotMatch(checked.problem, /etc\/passwd|xxxxxxxxxx|cardiology|1000000000/, 'the values sent are not echoed');
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('examples are removed by id: a repeated request, or one after the set changed, removes only that sentence', () => {
  const a: SupportExample = { text: 'Take aspirin daily .', spans: [{ start: 5, end: 12, label: 'DRUG' }], rejected: [], suggested: [], source: { path: 'a.md', offset: 0 } };
  const b: SupportExample = { text: 'Ibuprofen helps .', spans: [{ start: 0, end: 9, label: 'DRUG' }], rejected: [], suggested: [] };
  const c: SupportExample = { text: 'Advil too .', spans: [{ start: 0, end: 5, label: 'DRUG' }], rejected: [], suggested: [] };
  const idOfB = exampleId(b);
  assert.match(idOfB, /^[0-9a-f]{16}$/);
  assert.ok(checkPanelRequest({ type: 'removeExample', id: idOfB }).ok, 'ids pass the schema');
  // Stable: the same sentence of the same file, whatever its labels or offset; another file or text is another id.
  assert.equal(exampleId({ text: a.text, source: { path: 'a.md', offset: 99 } }), exampleId(a));
  assert.notEqual(exampleId({ ...a, source: { path: 'b.md', offset: 0 } }), exampleId(a));
  assert.notEqual(exampleId({ ...a, source: { path: 'a.md', offset: 0, folder: 'papers' } }), exampleId(a));
  assert.notEqual(exampleId({ ...a, text: 'Take aspirin daily !' }), exampleId(a));

  const once = withoutExample([a, b, c], idOfB)!;
  assert.deepEqual(once, [a, c]);
  assert.equal(withoutExample(once, idOfB), undefined, 'a double click removes nothing more');
  // A sentence was added in front meanwhile: the position of b moved, its id did not.
  assert.deepEqual(withoutExample([c, a, b], idOfB), [c, a]);
});

test('the page keeps a Remove button disabled until a state without its example (or an error) arrives', () => {
  const pending = new PendingRemovals();
  assert.equal(pending.request('a'), true);
  assert.equal(pending.request('a'), false, 'a second click is ignored');
  assert.ok(pending.has('a'));
  assert.equal(pending.settle(['a', 'b']), false, 'a state sent before the removal: still waiting');
  assert.ok(pending.has('a'));
  assert.equal(pending.settle(['b']), true, 'removed: done');
  assert.ok(!pending.has('a'));
  assert.equal(pending.request('a'), true);
  assert.equal(pending.clear(), true, 'an error: usable again');
  assert.equal(pending.clear(), false);
  assert.ok(!pending.has('a'));
});
