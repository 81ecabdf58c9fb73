// The adaptation that never makes things worse: 'auto' compares prototypes only, LoRAHub and fine-tuning on
// held-out folds of the support set and keeps the simplest method unless another is better by a margin.
// The first test makes fine-tuning harmful on purpose: it fails if the choice trusts the fine-tuned adapter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { initTf } from '../../src/core/model/tfBackend';
import { loadAdaptationBase } from '../../src/core/adapters/adaptationBase';
import { loadHub } from '../../src/core/adapters/adapterFiles';
import { adapt, assignFolds, type HeldOutChoice } from '../../src/core/adapt';
import { NerEngine } from '../../src/core/engine';
import { cnnModelDir } from '../../src/core/model/modelDirectory';
import { readConllFile } from '../../src/core/data/conll';
import { sampleSupportSet } from '../../src/core/data/episodes';
import { scoreEntities } from '../../src/core/metrics';
import type { Adapter } from '../../src/core/adapters/adapter';
import { dataPath } from './dataPath';

const modelDir = cnnModelDir();
const setup = (async () => {
  await initTf('wasm');
  const base = loadAdaptationBase(modelDir);
  const engine = await NerEngine.load(modelDir, { threads: 1 });
  const pool = (await readConllFile(dataPath('wnut17/wnut17train.conll'), { scheme: 'iob2' })).sentences;
  const heldOut = (await readConllFile(dataPath('wnut17/emerging.dev.conll'), { scheme: 'iob2' })).sentences.slice(0, 400);
  const support = sampleSupportSet(pool, 5, 1).sentences;
  const f1 = async (adapter: Adapter) => {
    await engine.useAdapter(adapter);
    const predicted = await engine.predictTokens(heldOut.map((s) => s.tokens));
    return 100 * scoreEntities(heldOut.map((s) => s.spans), predicted).micro.f1;
  };
  return { base, engine, support, f1 };
})();

test('harmful fine-tuning is seen on held-out folds and not chosen; the result equals prototypes only', async () => {
  const { base, support, f1 } = await setup;
  // A learning rate 300x the default wrecks the detector: the premise, checked on data the support set is not.
  const harmful = { learningRate: 0.3, steps: 20, stepChoices: [20], hub: [] };
  const prototypes = await adapt(base, { sentences: support }, { name: 'prototypes', method: 'none' });
  const forced = await adapt(base, { sentences: support }, { name: 'forced', method: 'full', ...harmful });
  const prototypesF1 = await f1(prototypes);
  const forcedF1 = await f1(forced);
  assert.ok(forcedF1 < prototypesF1 - 3, `premise: the harmful adapter is worse on held-out data (${forcedF1.toFixed(1)} vs ${prototypesF1.toFixed(1)})`);

  const auto = await adapt(base, { sentences: support }, { name: 'auto', method: 'auto', ...harmful });
  const choice = auto.config.training.choice as HeldOutChoice;
  assert.ok(choice.scores['lora@20'] < choice.scores.none, `the folds see the damage: ${JSON.stringify(choice.scores)}`);
  assert.notEqual(choice.chosen.method, 'full', 'the harmful fine-tuning is not chosen');
  assert.equal(auto.modules.size, 0, 'prototypes only: no LoRA');
  assert.equal(await f1(auto), prototypesF1, 'the chosen result is exactly prototypes only');
});

test('the choice follows the held-out scores: the best candidate wins only by more than the margin', async () => {
  const { base, support } = await setup;
  const hub = loadHub([join(modelDir, 'adapters')], { id: base.manifest.id, hash: base.hash });
  const auto = await adapt(base, { sentences: support }, { name: 'auto', method: 'auto', hub, hubCandidates: true, stepChoices: [5, 10], steps: 10, choiceMargin: 1 });
  const { scores, chosen, folds, wins, confidence } = auto.config.training.choice as HeldOutChoice;
  assert.equal(folds, 3);
  assert.equal(confidence, 0.95, 'the default share of bootstrap resamples a candidate must win');
  assert.deepEqual(Object.keys(scores).sort(), ['full@10', 'full@5', 'lora@10', 'lora@5', 'lorahub', 'none']);
  const chosenKey = chosen.method === 'full' ? `${chosen.fromHub === false ? 'lora' : 'full'}@${chosen.steps}` : chosen.method;
  // Walk the candidates from simplest to most complex, as the rule says: each must clear the margin over the
  // current choice and win in 95% of the paired bootstrap resamples.
  let expected = 'none';
  for (const key of ['lorahub', 'lora@5', 'lora@10', 'full@5', 'full@10']) if (scores[key] > scores[expected] + 1 && (wins?.[key] ?? 0) >= confidence!) expected = key;
  assert.equal(chosenKey, expected, JSON.stringify({ scores, wins }));
  assert.equal(auto.config.training.chosenMethod, chosen.method === 'full' && chosen.fromHub === false ? 'lora' : chosen.method);
  // By default the hub's methods are not candidates (they lost to prototypes on the dev splits).
  const byDefault = await adapt(base, { sentences: support }, { name: 'auto', method: 'auto', hub, stepChoices: [5, 10], steps: 10 });
  assert.deepEqual(Object.keys((byDefault.config.training.choice as HeldOutChoice).scores).sort(), ['lora@10', 'lora@5', 'none']);
  assert.equal(auto.modules.size > 0, chosen.method !== 'none', 'LoRA modules exactly when a LoRA method is chosen');
});

test('folds spread each type over the folds; one labelled sentence means no choice (prototypes only)', async () => {
  const { base, support } = await setup;
  const folds = assignFolds(support, 3, 1);
  assert.deepEqual([...new Set(folds)].sort(), [0, 1, 2]);
  const counts = [0, 1, 2].map((f) => folds.filter((x) => x === f).length);
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `balanced folds ${counts}`);
  const single = await adapt(base, { sentences: support.slice(0, 1) }, { name: 'one', method: 'auto' });
  assert.equal(single.config.training.chosenMethod, 'none');
  assert.match(JSON.stringify(single.config.training.choice), /two or more sentences/);
});
