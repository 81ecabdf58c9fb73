// Trains the domain hub: one LoRA adapter per source domain on its train split, saved in
// models/cnn/adapters/<domain>/. Sources: CoNLL-2003 news and the five CrossNER domains.
// WNUT-17 is an evaluation target and is never used here.
//   npm run train:cnn-hub [-- --steps 300 --only politics,music]
import { join, resolve } from 'node:path';
import { initTf } from '../src/core/model/tfBackend';
import { readConllFile } from '../src/core/data/conll';
import { loadAdaptationBase } from '../src/core/adapters/adaptationBase';
import { adapt } from '../src/core/adapt';
import { saveAdapter } from '../src/core/adapters/adapterFiles';
import { seededRandom, shuffleInPlace } from '../src/core/random';

export const HUB_DOMAINS: Record<string, string> = {
  news: 'conll2003/original/eng.train',
  politics: 'crossner/politics/train.txt',
  science: 'crossner/science/train.txt',
  music: 'crossner/music/train.txt',
  literature: 'crossner/literature/train.txt',
  ai: 'crossner/ai/train.txt',
};

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  await initTf('wasm');
  const modelDir = resolve(flag('model') ?? 'models/cnn');
  const data = resolve(flag('data') ?? '../shared/data');
  const steps = Number(flag('steps') ?? 300);
  const only = flag('only')?.split(',');
  const base = loadAdaptationBase(modelDir);
  for (const [domain, file] of Object.entries(HUB_DOMAINS)) {
    if (only && !only.includes(domain)) continue;
    let sentences = (await readConllFile(join(data, file), { scheme: 'auto' })).sentences.filter((s) => s.tokens.length > 0);
    // The news domain is the base model's own training data: a seeded sample of 1,000 sentences is enough.
    if (sentences.length > 1000) sentences = shuffleInPlace(sentences, seededRandom(7)).slice(0, 1000);
    const started = Date.now();
    const adapter = await adapt(base, { sentences }, { name: domain, method: 'full', steps, learningRate: 3e-3, batchSentences: 24, seed: 11 }, (p) => {
      if (p.phase === 'finetune' && p.step % 50 === 0) console.log(`  ${domain} step ${p.step}/${p.total} loss ${p.loss?.toFixed(4)}`);
    });
    adapter.config.training.data = file;
    const dir = saveAdapter(join(modelDir, 'adapters'), adapter);
    console.log(`${domain}: ${sentences.length} sentences, types ${adapter.config.types.join(', ')}; loss ${Number(adapter.config.training.baseLoss).toFixed(3)} -> ${Number(adapter.config.training.adaptedLoss).toFixed(3)} in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${dir}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
