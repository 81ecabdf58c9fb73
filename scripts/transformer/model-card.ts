// Writes MODEL_CARD.md of a transformer model folder from its manifest.json, so the card never disagrees with it.
//   node --import tsx scripts/transformer/model-card.ts models/transformer
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../../src/core/io/atomicWrite';

const dir = resolve(process.argv[2] ?? 'models/transformer');
const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const a = m.architecture;
const hp = m.hyperParameters;
const ev = m.evaluation ?? {};
const f = (x: number | undefined) => (typeof x === 'number' ? x.toFixed(2) : 'n/a');
const row = (name: string, s?: { precision: number; recall: number; f1: number; span_f1: number }) =>
  s ? `| ${name} | ${f(s.precision)} | ${f(s.recall)} | ${f(s.f1)} | ${f(s.span_f1)} |` : `| ${name} | n/a | n/a | n/a | n/a |`;
const history = (m.training.history as Array<{ epoch: number; trainSeconds: number; piecesPerSecond: number; selection: number; dev: Record<string, { f1: number; span_f1: number }> }>)
  .map((h) => `| ${h.epoch} | ${Math.round(h.trainSeconds)} | ${h.piecesPerSecond} | ${Object.entries(h.dev).map(([d, s]) => `${d} ${f(s.f1)}`).join(', ')} | ${f(h.selection)} |`)
  .join('\n');
const q = ev.quantisation;
const card = `# Model card: ${m.id}

A BANER-inspired two-stage NER model of BANER for VS Code, built by \`${m.training.command}\` on ${m.created.slice(0, 10)}
(${Math.round(m.training.seconds / 60)} minutes of fine-tuning in PyTorch on ${'2'} CPU cores; the editor runs it with onnxruntime-node).

## What it is
- **Pretrained encoder**: ${m.pretrained.description}; licence ${m.pretrained.license} (\`LICENSE-weights.txt\`). Taken from the
  registry package ${JSON.stringify(m.pretrained.source)} at build time; nothing is downloaded when the model runs.
- **Pieces**: ${a.pieces}.
- **Stage 1 (span detection, type-agnostic)**: ${a.stage1}. The encoder is fine-tuned whole; the uncased encoder's blind spot,
  casing, comes from ${a.wordFlags} word-shape flags fed to the heads beside each word's state. Trained with cross-entropy plus
  BANER's boundary-aware contrastive loss (weight ${hp.contrastiveWeight}, on encoder layer ${((hp.contrastiveLayer % a.layers) + a.layers) % a.layers} of 0..${a.layers - 1}, tau ${hp.contrastiveTau}).
- **Stage 2 (typing)**: ${a.stage2}. Trained as a cosine classifier (scale ${a.typeScale}) per source domain over that
  domain's types, so the embedding space separates ${'~'}40 fine-grained types, not only CoNLL's four. The model's own types are
  ${m.labels.join(', ')} (typing by ${m.typing === 'prototypes' ? 'train prototypes' : 'the trained type head'}, chosen on dev).
- **Adaptation** (in the editor, TensorFlow.js): LoRA on the top ${m.adaptation.adaptLayers} transformer layer(s)' attention and
  feed-forward projections and on the heads; LoRAHub composes ${m.adaptation.lorahubTargets.join(', ')} of the shipped domain adapters.

## How it differs from the BANER paper
BANER fine-tunes LLaMA-2-7B; this is a ${a.layers}-layer, ${a.hiddenDims}-wide encoder that fits a laptop CPU. The contrastive loss,
the two stages, prototypes and LoRAHub follow the paper; the type head trained per source domain, the word-shape flags and the
held-out choice between prototypes, LoRAHub and fine-tuning are this project's.

## Data
- Trained on: ${m.data.train.join(', ')} (train splits only; CrossNER's are repeated ${hp.domainRepeat}x per epoch).
- Selected on: ${m.data.selection.join(', ')}.${m.data.excluded.length > 0 ? `\n- Left out (held-out-domain model): ${m.data.excluded.join(', ')}.` : ''}
- Never trained on: WNUT-17, or any test split.

## Training (${hp.epochs} epochs, encoder lr ${hp.encoderLearningRate}, heads lr ${hp.headLearningRate}, batches of ${hp.batchCells} padded pieces)
| epoch | seconds | pieces/s | dev F1 per domain | selection |
|---|---|---|---|---|
${history}

## Evaluation (\`npx baner eval --model ${dir.endsWith('models/transformer') ? 'models/transformer' : dir} --test ...\`, onnxruntime)
| CoNLL-2003 | precision | recall | F1 | span F1 |
|---|---|---|---|---|
${row('dev (eng.testa)', ev.chosen?.dev)}
${row('test (eng.testb)', ev.chosen?.test)}

Type-agnostic span F1 on the CrossNER dev splits: ${Object.entries(ev.crossnerDevSpanF1 ?? {}).map(([d, x]) => `${d} ${f(x as number)}`).join(', ')}.
${q ? `\nStorage: ${q.storage}; CoNLL dev F1 float32 ${f(q.floatDevF1)} vs int8 ${f(q.int8DevF1)} (loss ${f(q.devF1Loss)}; int8 ${q.kept ? 'kept' : 'rejected'}).` : ''}
`;
writeFileAtomic(join(dir, 'MODEL_CARD.md'), card);
console.log(`wrote ${join(dir, 'MODEL_CARD.md')}`);
