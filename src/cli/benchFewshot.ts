// `baner bench-fewshot`: N-way K-shot episodes (Few-NERD greedy sampling, seeded) on few-shot targets,
// each adapted with several methods and evaluated on the target's test (or dev) split.
// Reports mean and standard deviation of micro-F1 over seeds. Hub adapters of the target's own domain
// are left out (leave-one-domain-out); WNUT-17 has none. A base model trained on several source domains has
// seen the CrossNER targets' train splits: --held-out-models DIR gives each CrossNER target X the model
// DIR/without-X, built the same way without X (npm run train:held-out), so that every
// target is a domain the model never trained on.
import { join, resolve } from 'node:path';
import { writeFileSync, mkdirSync } from 'node:fs';
import { readConllFile } from '../core/data/conll';
import { sampleSupportSet } from '../core/data/episodes';
import { scoreEntities, scoreSpansIgnoringType } from '../core/metrics';
import type { AdaptMethod, AdaptOptions } from '../core/adapt';
import { adaptEngine } from './fewshot';
import { mean, positiveIntegerFlag, splitFlag, std, TargetModels, targetsFlag } from './episodeBench';
import { transformerTargets } from '../core/transformer/transformerAdaptModel';
import { parseArgs, stringFlag, UsageError } from './args';
import { modelFlag } from './modelFlag';

/** A benchmark variant: an adaptation method plus option overrides (e.g. the no-contrastive ablation). */
interface Variant {
  name: string;
  method: AdaptMethod;
  options: Partial<AdaptOptions> & { excludeHub?: string[]; adaptLayers?: number };
}

const VARIANTS: Record<string, Variant> = {
  chosen: { name: 'chosen', method: 'auto', options: {} },
  'chosen-nocontrastive': { name: 'chosen-nocontrastive', method: 'auto', options: { contrastiveWeight: 0 } },
  prototypes: { name: 'prototypes', method: 'none', options: {} },
  lorahub: { name: 'lorahub', method: 'lorahub', options: {} },
  full: { name: 'full', method: 'full', options: {} },
  'full@10': { name: 'full@10', method: 'full', options: { steps: 10 } },
  lora: { name: 'lora', method: 'full', options: { excludeHub: ['*'] } },
  'lora@10': { name: 'lora@10', method: 'full', options: { excludeHub: ['*'], steps: 10 } },
  'full-nocontrastive': { name: 'full-nocontrastive', method: 'full', options: { contrastiveWeight: 0 } },
  // Transformer models: LoRA on the top transformer layer's attention and feed-forward projections too.
  'full-layer': { name: 'full-layer', method: 'full', options: { adaptLayers: 1 } },
};

export async function benchFewshotCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, ['model', 'held-out-models', 'data', 'targets', 'shots', 'seeds', 'first-seed', 'variants', 'split', 'out', 'set', 'threads'], []);
  const modelDir = modelFlag(args);
  const data = resolve(stringFlag(args, 'data') ?? '../shared/data');
  const targets = targetsFlag(args);
  const shots = (stringFlag(args, 'shots') ?? '1,5').split(',').map(Number);
  const seeds = positiveIntegerFlag(args, 'seeds', 10);
  const firstSeed = positiveIntegerFlag(args, 'first-seed', 1);
  const variants = (stringFlag(args, 'variants') ?? Object.keys(VARIANTS).join(',')).split(',').map((n) => {
    const v = VARIANTS[n];
    if (!v) throw new UsageError(`unknown variant ${n} (known: ${Object.keys(VARIANTS).join(', ')})`);
    return v;
  });
  const split = splitFlag(args);
  const overrides: Partial<AdaptOptions> = {};
  const set = stringFlag(args, 'set');
  if (set) for (const kv of set.split(';')) overrides[kv.split('=')[0] as keyof AdaptOptions] = JSON.parse(kv.split('=')[1]) as never;

  const models = new TargetModels(modelDir, stringFlag(args, 'held-out-models'), Number(stringFlag(args, 'threads') ?? 0));
  const results: Array<Record<string, unknown>> = [];
  console.log(`few-shot episodes on the ${split} split, seeds ${firstSeed}..${firstSeed + seeds - 1}`);
  console.log('target | K | variant | F1 mean | F1 std | span F1 mean | adapt s mean');
  for (const target of targets) {
    const { model, fresh } = await models.forTarget(target);
    const { context, engine } = model;
    if (fresh) console.log(`model ${context.base.manifest.id}; hub: ${context.hub.map((a) => a.config.name).join(', ') || 'none'}`);
    const pool = (await readConllFile(join(data, target.pool), { scheme: 'auto' })).sentences;
    const evalSet = (await readConllFile(join(data, split === 'test' ? target.test : target.dev), { scheme: 'auto' })).sentences;
    for (const k of shots) {
      const perVariant = new Map<string, { f1: number[]; span: number[]; seconds: number[] }>();
      for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
        const support = sampleSupportSet(pool, k, seed).sentences;
        for (const v of variants) {
          const { adaptLayers, ...options } = v.options;
          if (adaptLayers !== undefined) {
            if (context.base.family !== 'transformer') throw new UsageError(`variant ${v.name} needs a transformer model`);
            options.targets = transformerTargets(context.base.config, adaptLayers);
          }
          const adapter = await adaptEngine(engine, context, support, { method: v.method, seed, ...options, ...overrides, excludeHub: [...(target.hubDomain ? [target.hubDomain] : []), ...(v.options.excludeHub ?? [])] });
          const predicted = await engine.predictTokens(evalSet.map((s) => s.tokens));
          const gold = evalSet.map((s) => s.spans);
          const f1 = 100 * scoreEntities(gold, predicted).micro.f1;
          const span = 100 * scoreSpansIgnoringType(gold, predicted).f1;
          const seconds = Number(adapter.config.training.seconds);
          const r = perVariant.get(v.name) ?? { f1: [], span: [], seconds: [] };
          r.f1.push(f1);
          r.span.push(span);
          r.seconds.push(seconds);
          perVariant.set(v.name, r);
          results.push({ target: target.name, model: context.base.manifest.id, k, seed, variant: v.name, f1, span_f1: span, seconds, supportSentences: support.length, lorahub: adapter.config.training.lorahub, choice: adapter.config.training.choice });
        }
      }
      for (const [name, r] of perVariant) {
        console.log(`${target.name} | ${k} | ${name} | ${mean(r.f1).toFixed(2)} | ${std(r.f1).toFixed(2)} | ${mean(r.span).toFixed(2)} | ${mean(r.seconds).toFixed(1)}`);
      }
    }
  }
  const out = stringFlag(args, 'out');
  if (out) {
    mkdirSync(resolve(out, '..'), { recursive: true });
    writeFileSync(out, JSON.stringify({ split, seeds, shots, overrides, results }, null, 2));
  }
  await models.dispose();
}
