// Section "memory": peak RSS of a process that hosts the model worker (the bundled src/worker/modelWorker.ts,
// the extension's default thread count) after it highlighted the CoNLL-2003 test text, one process per chosen
// model, next to an empty node process; and the size of the newest VSIX at the repository root, if one was built.
import { execFile } from 'node:child_process';
import { readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_DIR, ROOT, conllTestCorpus, fmt, log, type BenchModelName, type Section, type SectionContext, type SectionOutput, type TargetCheck } from './common';
import { bundledWorker } from './workers';

const MiB = 2 ** 20;

/** Runs in a plain `node -e` child (no tsx): argv = [workerPath, modelDir, textPath]. Prints one JSON line. */
const HOST = String.raw`
const { Worker } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const [workerPath, modelDir, textPath] = process.argv.slice(1);
const text = workerPath ? readFileSync(textPath, 'utf8') : '';
function snapshot() {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kB = (key) => { const m = new RegExp('^' + key + ':\\s+(\\d+) kB', 'm').exec(status); return m ? Number(m[1]) * 1024 : null; };
  return { rss: process.memoryUsage().rss, vmHWM: kB('VmHWM'), maxRSS: process.resourceUsage().maxRSS * 1024 };
}
if (!workerPath) {
  process.stdout.write(JSON.stringify({ baseline: snapshot() }) + '\n');
} else {
  const report = { started: snapshot() };
  const worker = new Worker(workerPath, { name: 'baner-model' });
  const fail = (message) => { process.stdout.write(JSON.stringify({ error: message }) + '\n'); process.exit(1); };
  worker.on('error', (e) => fail(String(e && e.stack || e)));
  worker.on('message', (event) => {
    if (event.type === 'ready') {
      report.loaded = { ...snapshot(), loadMs: event.loadMs, provider: event.provider };
      worker.postMessage({ type: 'highlight', id: 1, text, threshold: 0 });
    } else if (event.type === 'result') {
      report.highlighted = { ...snapshot(), elapsedMs: event.elapsedMs, entities: event.entities.length };
      process.stdout.write(JSON.stringify(report) + '\n');
      worker.terminate().then(() => process.exit(0));
    } else if (event.type === 'error') fail(event.message);
  });
  worker.postMessage({ type: 'load', modelDir });
}
`;

function runHost(args: string[]): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    // The transformer takes minutes for the whole text on 2 busy cores.
    execFile(process.execPath, ['-e', HOST, ...args], { cwd: ROOT, maxBuffer: 64 * MiB, timeout: 900_000 }, (error, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        const parsed = JSON.parse(line);
        if (parsed.error) reject(new Error(parsed.error));
        else resolve(parsed);
      } catch {
        reject(new Error(`host process failed: ${error?.message ?? ''}\n${stderr}\n${stdout}`));
      }
    });
  });
}

/** The newest baner-vscode-*.vsix at the repository root. */
export function newestVsix(): { file: string; bytes: number; modified: string } | undefined {
  const found = readdirSync(ROOT)
    .filter((f) => /^baner-vscode-.*\.vsix$/.test(f))
    .map((f) => ({ file: f, stat: statSync(join(ROOT, f)) }))
    .sort((a, b) => b.stat.mtimeMs - a.stat.mtimeMs)[0];
  return found && { file: found.file, bytes: found.stat.size, modified: found.stat.mtime.toISOString() };
}

interface Snapshot {
  rss: number;
  vmHWM: number | null;
  maxRSS: number;
}

interface HostReport {
  model: BenchModelName;
  started: Snapshot;
  loaded: Snapshot & { loadMs: number; provider: string };
  highlighted: Snapshot & { elapsedMs: number; entities: number };
}

// VmHWM (reset at exec) rather than getrusage's maxRSS, which on Linux can carry the peak of the parent
// process that forked the child; maxRSS only where /proc is missing.
const peakOf = (s: Snapshot) => s.vmHWM ?? s.maxRSS;
const mb = (b: number | null | undefined) => (b == null ? '-' : fmt(b / MiB, 1));

export const memory: Section = {
  name: 'memory',
  title: 'Memory of the model worker per model, and the VSIX size',
  async run(ctx: SectionContext): Promise<SectionOutput> {
    const corpus = await conllTestCorpus(ctx.documents);
    mkdirSync(BUILD_DIR, { recursive: true });
    const textPath = join(BUILD_DIR, 'conll-test.txt');
    writeFileSync(textPath, corpus.text);
    const workerPath = await bundledWorker('modelWorker');
    log('memory: empty node process');
    const baseline = (await runHost([])).baseline as Snapshot;
    const hosts: HostReport[] = [];
    try {
      for (const model of ctx.models) {
        log(`memory: ${model.name}: host + model worker, highlight the CoNLL-2003 test text`);
        hosts.push({ model: model.name, ...((await runHost([workerPath, model.dir, textPath])) as Omit<HostReport, 'model'>) });
      }
    } finally {
      rmSync(textPath, { force: true }); // a copy of the CoNLL text (research-only licence) is not left behind
    }
    const vsix = newestVsix();
    const rows = [
      ['-', 'empty node process', mb(baseline.rss), mb(peakOf(baseline))],
      ...hosts.flatMap((h) => [
        [h.model, 'host + model worker, model loaded', mb(h.loaded.rss), mb(peakOf(h.loaded))],
        [h.model, `host + model worker, after highlighting ${fmt(corpus.tokens)} tokens`, mb(h.highlighted.rss), mb(peakOf(h.highlighted))],
        [h.model, "model worker's share (peak - empty node peak)", '', mb(peakOf(h.highlighted) - peakOf(baseline))],
      ]),
    ];
    const targets: TargetCheck[] = ctx.models.map((model) => {
      const peak = peakOf(hosts.find((h) => h.model === model.name)!.highlighted);
      const limit = model.targets.workerRssMiB;
      return { target: `${model.name}: model worker RSS < ${limit} MB (peak RSS of the whole host process)`, measured: `${mb(peak)} MiB`, met: peak < limit * MiB };
    });
    targets.push(
      vsix
        ? { target: 'VSIX < 80 MB', measured: `${vsix.file}: ${fmt(vsix.bytes / MiB, 1)} MiB`, met: vsix.bytes < 80 * MiB }
        : { target: 'VSIX < 80 MB', measured: 'not built (no baner-vscode-*.vsix at the repository root)', met: null },
    );
    return {
      tables: [
        {
          title: 'Memory (MiB): a plain node process hosting the bundled model worker, one per model (ORT threads as the extension picks them)',
          header: ['model', 'process', 'RSS', 'peak RSS (VmHWM)'],
          rows,
          notes: [
            ...hosts.map((h) => `${h.model}: highlight of the whole text through the worker (20,000-character chunks, as in the extension): ${fmt(h.highlighted.elapsedMs)} ms = ${fmt(corpus.tokens / (h.highlighted.elapsedMs / 1000))} tokens/s, ${h.highlighted.entities} entities; model load ${h.loaded.loadMs} ms (${h.loaded.provider})`),
            `VSIX: ${vsix ? `${vsix.file} ${fmt(vsix.bytes / MiB, 1)} MiB (${fmt(vsix.bytes)} bytes, ${vsix.modified})` : 'not built'}`,
          ],
        },
      ],
      data: { baseline, hosts, peakBytes: Object.fromEntries(hosts.map((h) => [h.model, peakOf(h.highlighted)])), vsix: vsix ?? 'not built' },
      targets,
    };
  },
};
