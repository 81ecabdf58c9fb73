// `baner sample-support --from FILE --shots K --seed S --out FILE`: a K-shot support set (Few-NERD greedy).
import { writeFileSync } from 'node:fs';
import { readConllFile, formatConll } from '../core/data/conll';
import { sampleSupportSet } from '../core/data/episodes';
import { parseArgs, numberFlag, stringFlag, UsageError } from './args';
import { existsSync } from 'node:fs';

export async function sampleSupportCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, ['from', 'shots', 'seed', 'out'], []);
  const from = stringFlag(args, 'from');
  const out = stringFlag(args, 'out');
  if (!from || !out) throw new UsageError('usage: baner sample-support --from FILE --shots K [--seed S] --out FILE');
  if (!existsSync(from)) throw new UsageError(`cannot read ${from}: no such file`);
  const pool = (await readConllFile(from, { scheme: 'auto' })).sentences;
  const sample = sampleSupportSet(pool, numberFlag(args, 'shots', 5), numberFlag(args, 'seed', 1));
  writeFileSync(out, formatConll(sample.sentences, { scheme: 'iob2', columns: 2 }));
  console.error(`${sample.sentences.length} sentences, mentions ${JSON.stringify(sample.counts)}${sample.short.length ? `; short of K: ${sample.short.join(', ')}` : ''}`);
}
