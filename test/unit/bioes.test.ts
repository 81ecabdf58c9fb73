import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSpans, spansToTagIds, SPAN_TAGS } from '../../src/core/spans/bioes';
import { seededRandom } from '../../src/core/random';

function logProbsFor(tags: Int32Array, sharp = 0.9): Float32Array {
  const K = SPAN_TAGS.length;
  const out = new Float32Array(tags.length * K).fill(Math.log((1 - sharp) / (K - 1)));
  tags.forEach((tag, t) => (out[t * K + tag] = Math.log(sharp)));
  return out;
}

test('tags from spans decode back to the same spans', () => {
  const random = seededRandom(3);
  for (let trial = 0; trial < 200; trial++) {
    const length = 1 + Math.floor(random() * 20);
    const spans: Array<{ start: number; end: number; label: string }> = [];
    let t = 0;
    while (t < length) {
      const gap = Math.floor(random() * 3);
      const len = 1 + Math.floor(random() * 4);
      if (t + gap + len > length) break;
      spans.push({ start: t + gap, end: t + gap + len, label: 'X' });
      t += gap + len;
    }
    const decoded = decodeSpans(logProbsFor(spansToTagIds(length, spans)), length);
    assert.deepEqual(
      decoded.map((s) => [s.start, s.end]),
      spans.map((s) => [s.start, s.end]),
    );
    for (const s of decoded) assert.ok(Math.abs(s.confidence - 0.9) < 1e-5);
  }
});

test('Viterbi never returns an invalid path even when the best tags are invalid', () => {
  const K = SPAN_TAGS.length;
  // Token-wise best tags are I, I, O (invalid: I cannot start or precede O).
  const lp = new Float32Array(3 * K).fill(Math.log(0.05));
  lp[0 * K + 2] = Math.log(0.6);
  lp[0 * K + 1] = Math.log(0.3);
  lp[1 * K + 2] = Math.log(0.6);
  lp[1 * K + 3] = Math.log(0.3);
  lp[2 * K + 0] = Math.log(0.8);
  const spans = decodeSpans(lp, 3);
  assert.deepEqual(
    spans.map((s) => [s.start, s.end]),
    [[0, 2]],
  );
});
