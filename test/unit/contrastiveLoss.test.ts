import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initTf } from '../../src/core/model/tfBackend';
import { buildContrastivePairs, boundaryContrastiveLoss } from '../../src/core/spans/boundaryContrastive';

const softplus = (x: number) => Math.log(1 + Math.exp(x));

test('boundary-aware contrastive loss equals the hand computation on a tiny case', async () => {
  await initTf('wasm');
  // One sentence of 4 tokens, 2-d hidden states, one entity over tokens 1..2 ([1, 3)).
  const hidden = tf.tensor2d([1, 0, 0, 1, 1, 1, -1, 0], [4, 2]);
  const pairs = buildContrastivePairs([[{ start: 1, end: 3, label: 'X' }]], [4], 4, 0, Math.random);
  // Negatives: s-1 = token 0 and e = token 3 exist; s-2 = -1 and e+1 = 4 fall outside the sentence.
  assert.deepEqual(Array.from(pairs.valid), [1, 0, 1, 0]);

  // By hand: anchor a = unit(mean(h1, h2)) = unit(0.5, 1) = (1, 2)/sqrt(5).
  // Positives: z1 = (0, 1), z2 = (1, 1)/sqrt(2). Negatives: z0 = (1, 0), z3 = (-1, 0).
  const s5 = Math.sqrt(5);
  const aP1 = 2 / s5; // a.z1
  const aP2 = 3 / (s5 * Math.SQRT2); // a.z2
  const aN0 = 1 / s5; // a.z0
  const aN3 = -1 / s5; // a.z3
  const tau = 0.5;
  const expected = (softplus((aN0 - aP1) / tau) + softplus((aN3 - aP1) / tau) + softplus((aN0 - aP2) / tau) + softplus((aN3 - aP2) / tau)) / 4;
  const loss = boundaryContrastiveLoss(hidden, pairs, tau).dataSync()[0];
  assert.ok(Math.abs(loss - expected) < 1e-5, `loss ${loss} vs hand-computed ${expected}`);
  assert.ok(Math.abs(expected - 0.19519) < 1e-4); // the figure worked out on paper
});

test('the loss falls when boundary tokens move towards the entity and neighbours away', async () => {
  await initTf('wasm');
  const pairs = buildContrastivePairs([[{ start: 1, end: 3, label: 'X' }]], [4], 4, 0, Math.random);
  const blurred = boundaryContrastiveLoss(tf.tensor2d([1, 1, 1, 1, 1, 1, 1, 1], [4, 2]), pairs, 0.5).dataSync()[0];
  const sharp = boundaryContrastiveLoss(tf.tensor2d([0, -1, 0, 1, 0, 1, 0, -1], [4, 2]), pairs, 0.5).dataSync()[0];
  assert.ok(Math.abs(blurred - Math.log(2)) < 1e-5, 'identical vectors give log 2 per pair');
  assert.ok(sharp < 0.1 * blurred, `sharp boundaries ${sharp} should cost far less than blurred ${blurred}`);
});

test('random negatives are drawn from non-entity tokens away from the boundary', () => {
  const spans = [[{ start: 4, end: 6, label: 'X' }]];
  let draws = 0;
  const pairs = buildContrastivePairs(spans, [10], 10, 2, () => (draws++ * 0.37) % 1);
  const N = 10;
  for (let k = 4; k < 6; k++) {
    assert.equal(pairs.valid[k], 1);
    const row = pairs.negative.subarray(k * N, (k + 1) * N);
    const t = row.indexOf(1);
    assert.ok(t < 2 || t > 7, `random negative ${t} must lie outside [s-2, e+1]`);
  }
});

test('tokens of unconfirmed suggestions are never drawn as random non-entities', () => {
  const spans = [[{ start: 4, end: 6, label: 'X' }]];
  const N = 10;
  // Outside [s-2, e+1] = [2, 7] only tokens 0, 1, 8, 9 are candidates; 0, 1 and 9 are an unconfirmed suggestion.
  for (let seed = 0; seed < 20; seed++) {
    let draws = seed;
    const pairs = buildContrastivePairs(spans, [10], 10, 2, () => (draws++ * 0.37) % 1, [[{ start: 0, end: 2, label: 'PER' }, { start: 9, end: 10, label: 'LOC' }]]);
    const drawn = [4, 5].filter((k) => pairs.valid[k] === 1).map((k) => pairs.negative.subarray(k * N, (k + 1) * N).indexOf(1));
    assert.deepEqual(drawn, [8], 'only token 8 is a known non-entity');
  }
});
