// `baner bench-active`: does labelling the sentences the model is least sure about (the "next most useful
// sentence" order, core/active/usefulness) beat labelling as many random sentences? For each target and seed:
// a 1-shot support set (Few-NERD sampling) is labelled and adapted to, as a user starts; then K more
// sentences are labelled, either the K most useful of a seeded random pool of unlabelled sentences under the
// adapted model, or K random sentences of the same pool; each support set is adapted to ('auto') and scored on
// the target's test (or dev) split. Labelling a sentence means taking all its gold spans (the user accepts
// and corrects the whole sentence). CrossNER targets run on held-out-domain models with --held-out-models.
import { join, resolve } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { readConllFile } from '../core/data/conll';
import { sampleSupportSet } from '../core/data/episodes';
import { scoreEntities } from '../core/metrics';
import { rankByUsefulness, USEFULNESS_RULE } from '../core/active/usefulness';
import { seededRandom, shuffleInPlace } from '../core/random';
import type { LabeledSentence } from '../core/types';
import { adaptEngine } from './fewshot';
import { mean, positiveIntegerFlag, splitFlag, std, TargetModels, targetsFlag } from './episodeBench';
import { parseArgs, stringFlag, UsageError } from './args';
import { modelFlag } from './modelFlag';

export const BENCH_ACTIVE_USAGE =
  'baner bench-active [--model DIR] [--held-out-models DIR] [--targets a,b] [--seeds 5] [--first-seed 1] [--add 5] [--pool 400] [--rule max|sum] [--split test|dev] [--out FILE]';

export async function benchActiveCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, ['model', 'held-out-models', 'data', 'targets', 'seeds', 'first-seed', 'add', 'pool', 'rule', 'split', 'out', 'threads'], []);
  const modelDir = modelFlag(args);
  const data = resolve(stringFlag(args, 'data') ?? '../shared/data');
  const targets = targetsFlag(args);
  const seeds = positiveIntegerFlag(args, 'seeds', 5);
  const firstSeed = positiveIntegerFlag(args, 'first-seed', 1);
  const add = positiveIntegerFlag(args, 'add', 5);
  const poolSize = positiveIntegerFlag(args, 'pool', 400);
  const split = splitFlag(args);
  const rule = stringFlag(args, 'rule') ?? USEFULNESS_RULE;
  if (rule !== 'max' && rule !== 'sum') throw new UsageError('--rule must be max or sum');
  const models = new TargetModels(modelDir, stringFlag(args, 'held-out-models'), Number(stringFlag(args, 'threads') ?? 0));
  const out = stringFlag(args, 'out');

  const results: Array<Record<string, unknown>> = [];
  const save = () => {
    if (!out) return;
    mkdirSync(resolve(out, '..'), { recursive: true });
    writeFileSync(out, JSON.stringify({ split, seeds, firstSeed, add, poolSize, rule, results }, null, 2));
  };
  console.log(`active learning: 1-shot start + ${add} sentences, most useful (rule ${rule}) of a ${poolSize}-sentence pool vs random; ${split} split, seeds ${firstSeed}..${firstSeed + seeds - 1}`);
  console.log('target | start F1 | + random F1 (std) | + most useful F1 (std) | useful - random');
  for (const target of targets) {
    const { context, engine } = (await models.forTarget(target)).model;
    const pool = (await readConllFile(join(data, target.pool), { scheme: 'auto' })).sentences;
    const evalSet = (await readConllFile(join(data, split === 'test' ? target.test : target.dev), { scheme: 'auto' })).sentences;
    const types = new Set(pool.flatMap((s) => s.spans.map((x) => x.label)));
    const excludeHub = target.hubDomain ? [target.hubDomain] : [];
    const score = async (support: LabeledSentence[], seed: number) => {
      await adaptEngine(engine, context, support, { method: 'auto', seed, excludeHub });
      const predicted = await engine.predictTokens(evalSet.map((s) => s.tokens));
      return 100 * scoreEntities(evalSet.map((s) => s.spans), predicted).micro.f1;
    };
    const rows = { start: [] as number[], random: [] as number[], useful: [] as number[] };
    for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
      const start = sampleSupportSet(pool, 1, seed);
      const startF1 = await score(start.sentences, seed);
      // The unlabelled pool: a seeded random sample of the rest, as a user's documents would be.
      const taken = new Set(start.indices);
      const candidates = shuffleInPlace(
        pool.map((_, i) => i).filter((i) => !taken.has(i)),
        seededRandom(seed * 7919),
      ).slice(0, poolSize);
      const labelled = (i: number): LabeledSentence => ({ tokens: pool[i].tokens, spans: pool[i].spans.filter((s) => types.has(s.label)) });
      const randomPick = candidates.slice(0, add);
      // Ranked with the model adapted to the start set (the adapter score() left active).
      const usefulness = await engine.usefulness(candidates.map((i) => pool[i].tokens), rule);
      const usefulPick = rankByUsefulness(usefulness)
        .slice(0, add)
        .map((k) => candidates[k]);
      const randomF1 = await score([...start.sentences, ...randomPick.map(labelled)], seed);
      const usefulF1 = await score([...start.sentences, ...usefulPick.map(labelled)], seed);
      rows.start.push(startF1);
      rows.random.push(randomF1);
      rows.useful.push(usefulF1);
      const mentions = (picks: number[]) => picks.reduce((n, i) => n + labelled(i).spans.length, 0);
      results.push({ target: target.name, seed, startF1, randomF1, usefulF1, randomMentions: mentions(randomPick), usefulMentions: mentions(usefulPick), usefulScores: rankByUsefulness(usefulness).slice(0, add).map((k) => usefulness[k].score) });
      save();
      console.log(`  ${target.name} seed ${seed}: start ${startF1.toFixed(2)}, random ${randomF1.toFixed(2)} (${mentions(randomPick)} mentions), useful ${usefulF1.toFixed(2)} (${mentions(usefulPick)} mentions)`);
    }
    const gain = rows.useful.map((u, i) => u - rows.random[i]);
    console.log(`${target.name} | ${mean(rows.start).toFixed(2)} | ${mean(rows.random).toFixed(2)} (${std(rows.random).toFixed(2)}) | ${mean(rows.useful).toFixed(2)} (${std(rows.useful).toFixed(2)}) | ${mean(gain) >= 0 ? '+' : ''}${mean(gain).toFixed(2)}`);
  }
  save();
  await models.dispose();
}
