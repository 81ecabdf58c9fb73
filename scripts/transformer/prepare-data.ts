// Writes the training and selection data of the transformer model as JSON lines, tokenised by the same
// TypeScript code the editor runs (PieceTokenizer, wordFlags), so training and inference see identical
// pieces and flags. Python (train.py) only batches these rows.
//   node --import tsx scripts/transformer/prepare-data.ts --tokenizer DIR/tokenizer.json --out DIR [--data ../shared/data]
// Row: {"ids": piece ids (no [CLS]/[SEP]), "ws": first piece of each word, "fl": flags per word (14 each, flat),
//       "sp": [[start, end, typeIndex], ...] in words, "doc": index of the sentence's document in the file}
// (CoNLL's -DOCSTART- documents; a file without them is one document). meta.json lists each file's domain and types.
import { mkdirSync, createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { readConllFile } from '../../src/core/data/conll';
import { PieceTokenizer } from '../../src/core/transformer/pieceTokenizer';
import { wordFlags } from '../../src/core/transformer/wordFeatures';
import { writeFileAtomic } from '../../src/core/io/atomicWrite';

/** Sources: training data (train splits only) and the dev splits used to select epochs and settings. */
export const SOURCES: Array<{ name: string; domain: string; file: string; split: 'train' | 'dev' | 'test' }> = [
  { name: 'news-train', domain: 'news', file: 'conll2003/original/eng.train', split: 'train' },
  { name: 'news-dev', domain: 'news', file: 'conll2003/original/eng.testa', split: 'dev' },
  { name: 'news-test', domain: 'news', file: 'conll2003/original/eng.testb', split: 'test' },
  ...['politics', 'science', 'music', 'literature', 'ai'].flatMap((d) => [
    { name: `${d}-train`, domain: d, file: `crossner/${d}/train.txt`, split: 'train' as const },
    { name: `${d}-dev`, domain: d, file: `crossner/${d}/dev.txt`, split: 'dev' as const },
  ]),
  // WNUT-17 is a few-shot evaluation target: its train split is only a pool of support sentences and its dev
  // split a selection set for few-shot settings; neither is trained on.
  { name: 'wnut17-pool', domain: 'wnut17', file: 'wnut17/wnut17train.conll', split: 'dev' },
  { name: 'wnut17-dev', domain: 'wnut17', file: 'wnut17/emerging.dev.conll', split: 'dev' },
];

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const tokenizerPath = flag('tokenizer');
  const out = flag('out');
  if (!tokenizerPath || !out) throw new Error('usage: prepare-data.ts --tokenizer tokenizer.json --out DIR [--data ../shared/data]');
  const data = resolve(flag('data') ?? '../shared/data');
  const tokenizer = PieceTokenizer.fromFile(tokenizerPath);
  mkdirSync(out, { recursive: true });
  const meta: Record<string, unknown> = {};
  const typesOf = new Map<string, string[]>();
  for (const source of SOURCES) {
    const parsed = await readConllFile(join(data, source.file), { scheme: 'auto' });
    const types = typesOf.get(source.domain) ?? [];
    typesOf.set(source.domain, types);
    const stream = createWriteStream(join(out, `${source.name}.jsonl`));
    let sentences = 0;
    let pieces = 0;
    let doc = -1;
    const starts = new Set(parsed.documentStarts);
    for (const [index, s] of parsed.sentences.entries()) {
      if (starts.has(index) || doc < 0) doc++;
      if (s.tokens.length === 0) continue;
      const { ids, wordStart } = tokenizer.pieceWords(s.tokens);
      const flags = Array.from(wordFlags(tokenizer, s.tokens), (x) => Math.round(x * 100) / 100);
      const spans = s.spans.map((sp) => {
        if (!types.includes(sp.label)) types.push(sp.label);
        return [sp.start, sp.end, types.indexOf(sp.label)];
      });
      stream.write(JSON.stringify({ ids: Array.from(ids), ws: Array.from(wordStart), fl: flags, sp: spans, doc }) + '\n');
      sentences++;
      pieces += ids.length;
    }
    await new Promise<void>((done, fail) => stream.end((error?: Error | null) => (error ? fail(error) : done())));
    meta[source.name] = { domain: source.domain, split: source.split, file: source.file, sentences, pieces };
    console.log(`${source.name}: ${sentences} sentences, ${pieces} pieces`);
  }
  writeFileAtomic(join(out, 'meta.json'), JSON.stringify({ files: meta, types: Object.fromEntries(typesOf) }, null, 2));
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
