// Fixed activation scales of the transformer's int8 products: the quantile and the codes' range (pure), and
// calibration on the committed model's encoder, whose ranges a real text must mostly fall inside.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { activationScalesAt, measureInputRanges, quantile, type InputRanges } from '../../src/core/transformer/activationScales';
import { NerEngine } from '../../src/core/engine';
import { readManifest } from '../../src/core/model/modelDirectory';
import type { TransformerConfig } from '../../src/core/transformer/architecture';
import type { TransformerRuntime } from '../../src/core/transformer/transformerRuntime';

test('quantile takes the nearest rank and refuses what is not a quantile', () => {
  const values = Float32Array.from([5, 1, 4, 2, 3]);
  assert.equal(quantile(values, 1), 5);
  assert.equal(quantile(values, 0), 1);
  assert.equal(quantile(values, 0.6), 3);
  assert.equal(quantile(values, 0.61), 4);
  assert.throws(() => quantile(values, 1.5), /quantile must be in \[0, 1\]/);
  assert.throws(() => quantile(new Float32Array(0), 0.5), /no values/);
});

test('fixed scales span the calibrated range, hold zero as a code, and suit one-signed inputs', () => {
  const ranges: InputRanges = new Map([
    ['l0.q', { low: Float32Array.from([-2, -4, -3]), high: Float32Array.from([6, 8, 7]) }],
    // Nearly one-signed, like GELU's output: the codes go to the positive side instead of wasting half.
    ['l0.ffn2', { low: Float32Array.from([-0.17, -0.16]), high: Float32Array.from([3, 5]) }],
    // All positive: the range is widened to 0 so that 0 stays exact.
    ['l1.o', { low: Float32Array.from([1, 2]), high: Float32Array.from([3, 4]) }],
  ]);
  const scales = activationScalesAt(ranges, 1);
  const decode = (name: string, code: number) => (code - scales[name].zero) * scales[name].scale;
  assert.ok(Math.abs(decode('l0.q', 0) - -4) < 0.02 && Math.abs(decode('l0.q', 255) - 8) < 0.03, JSON.stringify(scales['l0.q']));
  assert.ok(scales['l0.ffn2'].zero < 10, `zero ${scales['l0.ffn2'].zero}: most codes are for positive values`);
  assert.ok(Math.abs(decode('l0.ffn2', 255) - 5) < 0.03);
  assert.equal(scales['l1.o'].zero, 0);
  for (const s of Object.values(scales)) assert.ok(Number.isInteger(s.zero) && s.zero >= 0 && s.zero <= 255 && s.scale > 0);
  // A lower quantile narrows the range (what lies beyond saturates).
  assert.ok(activationScalesAt(ranges, 0.5)['l0.q'].scale < scales['l0.q'].scale);
});

test('calibration on the committed encoder covers every projection, and new text mostly falls inside its range', async () => {
  const dir = join(__dirname, '../../models/transformer');
  const engine = await NerEngine.load(dir, { threads: 1, int8MatMul: [] });
  try {
    const runtime = engine.runtime as unknown as TransformerRuntime;
    const config = readManifest(dir).architecture as unknown as TransformerConfig;
    const sentences = (text: string) => text.split('\n').map((l) => l.split(' '));
    const calibration = sentences('The committee met in Brussels on Tuesday .\nShares of Siemens rose 3.5 percent in Frankfurt .\nMiles Davis recorded Kind of Blue in 1959 .');
    const ranges = await measureInputRanges(config, runtime.baseWeights(), runtime.tokenizer, calibration, runtime.execution, 1);
    assert.equal(ranges.size, config.layers * 6);
    const scales = activationScalesAt(ranges, 1);
    const other = await measureInputRanges(config, runtime.baseWeights(), runtime.tokenizer, sentences('Officials in Lisbon said the survey of the Tagus estuary would appear in April .'), runtime.execution, 1);
    let inside = 0;
    let all = 0;
    for (const [name, { low, high }] of other) {
      const s = scales[name];
      for (let i = 0; i < low.length; i++) {
        all += 2;
        if (low[i] >= -s.zero * s.scale * 1.0001) inside++;
        if (high[i] <= (255 - s.zero) * s.scale * 1.0001) inside++;
      }
    }
    assert.ok(inside / all > 0.9, `${inside} of ${all} piece extremes inside the calibrated codes`);
  } finally {
    await engine.dispose();
  }
});
