// Shared helpers of the benchmark suite (`npm run bench`): the machine, the CoNLL-2003 test text, timing,
// tables and the JSON files under bench-results/.
import { cpus, totalmem, availableParallelism, loadavg } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readConllFile } from '../../src/core/data/conll';
import { cnnModelDir, defaultModelDir } from '../../src/core/model/modelDirectory';
import type { LabeledSentence, TokenSpan } from '../../src/core/types';

export const ROOT = resolve(__dirname, '../..');
export const RESULTS_DIR = join(ROOT, 'bench-results');
/** Scratch files of the suite (bundled workers, the test text for child processes); git-ignored with bench-results/. */
export const BUILD_DIR = join(RESULTS_DIR, '.build');
export const DATA_DIR = resolve(ROOT, '../shared/data');
export const CONLL_TEST = join(DATA_DIR, 'conll2003/original/eng.testb');

// ---------------------------------------------------------------------------------------------- models

export type BenchModelName = 'cnn' | 'transformer';

/** What the issues ask of a model; a target left out is reported without a check. */
export interface ModelTargets {
  /** Batched tokens/s at 2 threads, and how far below the arithmetic limit it may stay (issue 5, the CNN). */
  throughput?: { minTokensPerSecond: number; maxLimitRatio: number };
  visibleRangeMs: number;
  /** The whole 5,000-line document, highlighted in the background. */
  wholeDocumentMs: number;
  adapt5ShotSeconds: number;
  /** Peak RSS of the process hosting the model worker. */
  workerRssMiB: number;
  /** BANER vs compromise (issue 5, the CNN): F1 at least this many times compromise's, tokens/s at least this share. */
  compromise?: { minF1Ratio: number; minSpeedRatio: number };
}

export interface BenchModel {
  name: BenchModelName;
  dir: string;
  targets: ModelTargets;
}

/**
 * The models the suite measures side by side: the fast CNN (models/cnn; issue 5's targets) and the default
 * transformer (models/transformer; issue 9's). `--models` picks some of them.
 */
export const BENCH_MODELS: readonly BenchModel[] = [
  {
    name: 'cnn',
    dir: cnnModelDir(),
    targets: { throughput: { minTokensPerSecond: 20_000, maxLimitRatio: 3 }, visibleRangeMs: 150, wholeDocumentMs: 3_000, adapt5ShotSeconds: 30, workerRssMiB: 400, compromise: { minF1Ratio: 1.5, minSpeedRatio: 0.5 } },
  },
  {
    name: 'transformer',
    dir: defaultModelDir(),
    targets: { visibleRangeMs: 150, wholeDocumentMs: 30_000, adapt5ShotSeconds: 30, workerRssMiB: 700 },
  },
];

/** The bench models of a `--models` list, in the suite's order. */
export function chooseModels(names: readonly string[]): BenchModel[] {
  const unknown = names.filter((n) => !BENCH_MODELS.some((m) => m.name === n));
  if (unknown.length > 0) throw new Error(`unknown model(s) ${unknown.join(', ')}; known: ${BENCH_MODELS.map((m) => m.name).join(', ')}`);
  const chosen = BENCH_MODELS.filter((m) => names.includes(m.name));
  if (chosen.length === 0) throw new Error('--models names no model');
  return chosen;
}

// ---------------------------------------------------------------------------------------------- machine

export interface MachineInfo {
  cpuModel: string;
  /** Logical CPUs node sees (os.availableParallelism()). */
  cores: number;
  memoryGiB: number;
  node: string;
  onnxruntime: string;
  platform: string;
  /** 1-minute load average when the section started: above ~0.5 the timings shared the CPU with other work. */
  loadAverage1m: number;
}

export function packageVersion(name: string): string {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

export function machineInfo(): MachineInfo {
  const cpu = cpus()[0]?.model ?? 'unknown';
  return {
    cpuModel: cpu.trim(),
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    onnxruntime: `onnxruntime-node ${packageVersion('onnxruntime-node')}`,
    platform: `${process.platform}-${process.arch}`,
    loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
  };
}

export function describeMachine(m: MachineInfo): string {
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}, node ${m.node}, ${m.onnxruntime}, load average ${m.loadAverage1m}`;
}

// ---------------------------------------------------------------------------------------------- timing

export function now(): number {
  return performance.now();
}

/** Seconds an async function takes. */
export async function seconds(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t = now();
  await fn();
  return (now() - t) / 1000;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// ---------------------------------------------------------------------------------------------- output

export type Cell = string | number;

export interface Table {
  title: string;
  header: string[];
  rows: Cell[][];
  /** Lines printed under the table. */
  notes?: string[];
}

export function fmt(x: number, digits = 0): string {
  if (!Number.isFinite(x)) return String(x);
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A table as aligned plain text and as markdown (the markdown is what docs/BENCHMARKS.md takes). */
export function renderTable(t: Table): { text: string; markdown: string } {
  const cells = [t.header, ...t.rows.map((r) => r.map(String))];
  const widths = t.header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const text = [`${t.title}`, line(t.header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line), ...(t.notes ?? []).map((n) => `  ${n}`)].join('\n');
  const md = [`**${t.title}**`, '', `| ${t.header.join(' | ')} |`, `|${t.header.map(() => '---').join('|')}|`, ...cells.slice(1).map((r) => `| ${r.join(' | ')} |`), ...(t.notes?.length ? ['', ...t.notes.map((n) => `- ${n}`)] : [])].join('\n');
  return { text, markdown: md };
}

export function writeResult(section: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${section}.json`);
  writeFileSync(path, JSON.stringify(data, null, 2) + '\n');
  return path;
}

export function log(message: string): void {
  process.stderr.write(`  [bench] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------- corpus

/**
 * The CoNLL-2003 test split as plain text: each sentence's tokens joined by spaces, sentences of a document
 * on consecutive lines, documents separated by a blank line (the -DOCSTART- headers are dropped).
 */
export interface Corpus {
  name: string;
  sentences: LabeledSentence[];
  /** Sentence indices of each document. */
  documents: number[][];
  text: string;
  /** The text of each document (joined by "\n\n" they give `text`). */
  documentTexts: string[];
  /** Character offset of every token: tokenStarts[s][t]. */
  tokenStarts: number[][];
  tokens: number;
}

/** Sentence counts per document of a CoNLL file, following readConllFile's rules (blank line / -DOCSTART- end a sentence). */
function documentSizes(content: string): number[] {
  const sizes: number[] = [];
  let inSentence = false;
  let current = -1;
  for (const line of content.split(/\r\n|\r|\n/)) {
    if (/^\s*$/.test(line)) {
      inSentence = false;
      continue;
    }
    if (line.startsWith('-DOCSTART-')) {
      inSentence = false;
      sizes.push(0);
      current = sizes.length - 1;
      continue;
    }
    if (!inSentence) {
      if (current < 0) {
        sizes.push(0);
        current = 0;
      }
      sizes[current]++;
      inSentence = true;
    }
  }
  return sizes.filter((n) => n > 0);
}

let cachedCorpus: Corpus | undefined;

/**
 * The CoNLL-2003 test text, or only its first `documents` documents (`--documents`, for short smoke runs:
 * the figures are then not comparable with full runs).
 */
export async function conllTestCorpus(documents?: number): Promise<Corpus> {
  const full = await fullCorpus();
  if (documents === undefined || documents >= full.documents.length) return full;
  const kept = full.documents.slice(0, documents);
  const sentences = full.sentences.slice(0, kept.flat().length);
  // Documents come first to last in the text, so the first ones keep their offsets.
  return {
    name: `${full.name}, first ${documents} documents`,
    sentences,
    documents: kept,
    text: full.documentTexts.slice(0, documents).join('\n\n'),
    documentTexts: full.documentTexts.slice(0, documents),
    tokenStarts: full.tokenStarts.slice(0, sentences.length),
    tokens: sentences.reduce((n, s) => n + s.tokens.length, 0),
  };
}

async function fullCorpus(): Promise<Corpus> {
  if (cachedCorpus) return cachedCorpus;
  const sentences = (await readConllFile(CONLL_TEST, { scheme: 'iob1' })).sentences;
  const sizes = documentSizes(readFileSync(CONLL_TEST, 'utf8'));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== sentences.length) throw new Error(`document split found ${total} sentences, readConllFile ${sentences.length}`);
  const documents: number[][] = [];
  let next = 0;
  for (const n of sizes) documents.push(Array.from({ length: n }, () => next++));
  const tokenStarts: number[][] = sentences.map(() => []);
  const documentTexts: string[] = [];
  let offset = 0;
  documents.forEach((doc, d) => {
    if (d > 0) offset += 2; // "\n\n"
    const lines: string[] = [];
    doc.forEach((s, k) => {
      if (k > 0) offset += 1; // "\n"
      for (const token of sentences[s].tokens) {
        tokenStarts[s].push(offset);
        offset += token.length + 1;
      }
      offset -= 1;
      lines.push(sentences[s].tokens.join(' '));
    });
    documentTexts.push(lines.join('\n'));
  });
  const text = documentTexts.join('\n\n');
  if (text.length !== offset) throw new Error(`corpus offsets out of step: ${text.length} vs ${offset}`);
  cachedCorpus = { name: 'CoNLL-2003 test (eng.testb)', sentences, documents, text, documentTexts, tokenStarts, tokens: sentences.reduce((n, s) => n + s.tokens.length, 0) };
  return cachedCorpus;
}

/** Character-offset entities of the corpus text -> token spans per sentence (a span takes every token it overlaps). */
export function toTokenSpans(corpus: Corpus, entities: Array<{ start: number; end: number; label: string }>): { spans: TokenSpan[][]; misaligned: number } {
  const flat: Array<{ s: number; t: number; start: number; end: number }> = [];
  corpus.sentences.forEach((sentence, s) => sentence.tokens.forEach((token, t) => flat.push({ s, t, start: corpus.tokenStarts[s][t], end: corpus.tokenStarts[s][t] + token.length })));
  const spans: TokenSpan[][] = corpus.sentences.map(() => []);
  let misaligned = 0;
  for (const e of entities) {
    // first token ending after e.start
    let lo = 0;
    let hi = flat.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (flat[mid].end <= e.start) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= flat.length || flat[lo].start >= e.end) continue; // only whitespace
    const first = flat[lo];
    let last = lo;
    while (last + 1 < flat.length && flat[last + 1].start < e.end && flat[last + 1].s === first.s) last++;
    if (first.start !== e.start || flat[last].end !== e.end) misaligned++;
    spans[first.s].push({ start: first.t, end: flat[last].t + 1, label: e.label });
  }
  return { spans, misaligned };
}

// ---------------------------------------------------------------------------------------------- sections

export interface SectionContext {
  /** Timed repetitions where a section repeats (medians are reported). */
  runs: number;
  machine: MachineInfo;
  /** The models to measure, side by side (`--models`). */
  models: BenchModel[];
  /** Only the first documents of the CoNLL-2003 test text (`--documents`); undefined: all of it. */
  documents?: number;
}

export interface SectionOutput {
  tables: Table[];
  /** Written to bench-results/<section>.json together with the machine. */
  data: Record<string, unknown>;
  /** Target checks: what the issue asks for, and whether this run met it. */
  targets?: TargetCheck[];
}

export interface TargetCheck {
  target: string;
  measured: string;
  /** null: could not be checked in this run (e.g. the VSIX is not built). */
  met: boolean | null;
}

export function verdict(met: boolean | null): string {
  return met === null ? 'N/A   ' : met ? 'MET   ' : 'MISSED';
}

export interface Section {
  name: string;
  title: string;
  run(ctx: SectionContext): Promise<SectionOutput>;
}
