// The benchmark suite: `npm run bench [-- --only throughput,compromise] [--models cnn,transformer] [--runs 3]
// [--documents N] [--markdown] [--list]`. Each section measures every chosen model in the same run, side by
// side, prints its tables and target checks and writes bench-results/<section>.json (with the machine).
// Sections run in the order of SECTIONS; add one by writing scripts/bench/<name>.ts and listing it here.
import { BENCH_MODELS, chooseModels, describeMachine, log, machineInfo, renderTable, verdict, writeResult, type BenchModel, type Section, type TargetCheck } from './common';
import { throughput } from './throughput';
import { profile } from './profile';
import { adaptation } from './adaptation';
import { memory } from './memory';
import { compromiseSection } from './compromise';
import { editor } from './editor';
import { annotate } from './annotate';

export const SECTIONS: Section[] = [throughput, profile, adaptation, memory, compromiseSection, editor, annotate];

const USAGE = `usage: npm run bench -- [--only a,b] [--models a,b] [--runs N] [--documents N] [--markdown] [--list]
  --only       comma-separated sections (default: all): ${SECTIONS.map((s) => s.name).join(', ')}
  --models     comma-separated models, measured side by side (default: all): ${BENCH_MODELS.map((m) => m.name).join(', ')}
  --runs       timed repetitions where a section repeats, medians reported (default 3)
  --documents  only the first N documents of the CoNLL-2003 test text (smoke runs; default: all 231)
  --markdown   print the tables as markdown too
  --list       list the sections and exit`;

interface Args {
  only?: string[];
  models: BenchModel[];
  runs: number;
  documents?: number;
  markdown: boolean;
  list: boolean;
}

function parseArgs(argv: string[]): Args {
  const out: Args = { models: [...BENCH_MODELS], runs: 3, markdown: false, list: false };
  const names = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--only' || a.startsWith('--only=')) out.only = names(value());
    else if (a === '--models' || a.startsWith('--models=')) out.models = chooseModels(names(value()));
    else if (a === '--runs' || a.startsWith('--runs=')) out.runs = Number(value());
    else if (a === '--documents' || a.startsWith('--documents=')) out.documents = Number(value());
    else if (a === '--markdown') out.markdown = true;
    else if (a === '--list') out.list = true;
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  if (!Number.isInteger(out.runs) || out.runs < 1) throw new Error(`--runs must be a positive integer\n${USAGE}`);
  if (out.documents !== undefined && !(Number.isInteger(out.documents) && out.documents >= 1)) throw new Error(`--documents must be a positive integer\n${USAGE}`);
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.list) {
    for (const s of SECTIONS) console.log(`${s.name.padEnd(12)} ${s.title}`);
    return;
  }
  const unknown = (args.only ?? []).filter((n) => !SECTIONS.some((s) => s.name === n));
  if (unknown.length > 0) throw new Error(`unknown section(s) ${unknown.join(', ')}; known: ${SECTIONS.map((s) => s.name).join(', ')}`);
  const chosen = args.only ? SECTIONS.filter((s) => args.only!.includes(s.name)) : SECTIONS;
  const started = performance.now();
  const first = machineInfo();
  console.log(`BANER benchmark suite: ${chosen.map((s) => s.name).join(', ')}`);
  console.log(`models: ${args.models.map((m) => `${m.name} (${m.dir})`).join(', ')}`);
  if (args.documents !== undefined) console.log(`text: the first ${args.documents} documents of the CoNLL-2003 test split only (a smoke run)`);
  console.log(`machine: ${describeMachine(first)}`);
  const allTargets: Array<TargetCheck & { section: string }> = [];
  let failed = false;
  for (const section of chosen) {
    const machine = machineInfo();
    const t = performance.now();
    console.log(`\n=== ${section.name}: ${section.title}`);
    try {
      const out = await section.run({ runs: args.runs, machine, models: args.models, documents: args.documents });
      const wallSeconds = (performance.now() - t) / 1000;
      for (const table of out.tables) {
        const r = renderTable(table);
        console.log(`\n${r.text}`);
        if (args.markdown) console.log(`\n${r.markdown}`);
      }
      for (const c of out.targets ?? []) {
        console.log(`  target ${verdict(c.met)} ${c.target}: ${c.measured}`);
        allTargets.push({ section: section.name, ...c });
      }
      const machineAfter = machineInfo();
      const path = writeResult(section.name, {
        section: section.name,
        title: section.title,
        date: new Date().toISOString(),
        command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
        machine: { ...machine, loadAverage1mAfter: machineAfter.loadAverage1m },
        models: args.models.map(({ name, dir }) => ({ name, dir })),
        ...(args.documents !== undefined ? { documents: args.documents } : {}),
        wallSeconds,
        targets: out.targets ?? [],
        tables: out.tables,
        ...out.data,
      });
      console.log(`  (${wallSeconds.toFixed(1)} s; ${path})`);
    } catch (error) {
      failed = true;
      console.error(`section ${section.name} failed: ${(error as Error).stack ?? error}`);
    }
  }
  if (allTargets.length > 0) {
    console.log('\n=== targets');
    for (const c of allTargets) console.log(`${verdict(c.met)} [${c.section}] ${c.target}: ${c.measured}`);
  }
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s`);
  log('done');
  process.exitCode = failed ? 1 : 0;
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
});
