// Section "memory": peak RSS of a process that hosts the model worker (the bundled src/worker/modelWorker.ts,
// CNN model, the extension's default thread count) after it highlighted the CoNLL-2003 test text, next to
// an empty node process; and the size of the newest VSIX at the repository root, if one was built.
import { execFile } from 'node:child_process';
import { readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_MODEL_DIR, BUILD_DIR, ROOT, conllTestCorpus, fmt, log, type Section, type SectionContext, type SectionOutput, type TargetCheck } from './common';
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
    execFile(process.execPath, ['-e', HOST, ...args], { cwd: ROOT, maxBuffer: 64 * MiB, timeout: 300_000 }, (error, stdout, stderr) => {
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

export const memory: Section = {
  name: 'memory',
  title: 'Memory of the model worker, and the VSIX size',
  async run(_ctx: SectionContext): Promise<SectionOutput> {
    const corpus = await conllTestCorpus();
    mkdirSync(BUILD_DIR, { recursive: true });
    const textPath = join(BUILD_DIR, 'conll-test.txt');
    writeFileSync(textPath, corpus.text);
    const workerPath = await bundledWorker('modelWorker');
    log('memory: empty node process');
    const baseline = (await runHost([])).baseline;
    log('memory: host + model worker, highlight the CoNLL-2003 test text');
    let host: Record<string, any>;
    try {
      host = await runHost([workerPath, BENCH_MODEL_DIR, textPath]);
    } finally {
      rmSync(textPath, { force: true }); // a copy of the CoNLL text (research-only licence) is not left behind
    }
    // VmHWM (reset at exec) rather than getrusage's maxRSS, which on Linux can carry the peak of the parent
    // process that forked the child; maxRSS only where /proc is missing.
    const peakOf = (s: { vmHWM: number | null; maxRSS: number }) => s.vmHWM ?? s.maxRSS;
    const peak = peakOf(host.highlighted);
    const mb = (b: number | null | undefined) => (b == null ? '-' : fmt(b / MiB, 1));
    const vsix = newestVsix();
    const rows = [
      ['empty node process', mb(baseline.rss), mb(peakOf(baseline))],
      ['host + model worker, model loaded', mb(host.loaded.rss), mb(peakOf(host.loaded))],
      [`host + model worker, after highlighting ${fmt(corpus.tokens)} tokens`, mb(host.highlighted.rss), mb(peak)],
      ['model worker\'s share (peak - empty node peak)', '', mb(peak - peakOf(baseline))],
    ];
    const targets: TargetCheck[] = [
      { target: 'model worker RSS < 400 MB (peak RSS of the whole host process)', measured: `${mb(peak)} MiB`, met: peak < 400 * MiB },
      vsix
        ? { target: 'VSIX < 80 MB', measured: `${vsix.file}: ${fmt(vsix.bytes / MiB, 1)} MiB`, met: vsix.bytes < 80 * MiB }
        : { target: 'VSIX < 80 MB', measured: 'not built (no baner-vscode-*.vsix at the repository root)', met: null },
    ];
    return {
      tables: [
        {
          title: 'Memory (MiB): a plain node process hosting the bundled model worker (CNN model, ORT threads as the extension picks them)',
          header: ['process', 'RSS', 'peak RSS (VmHWM)'],
          rows,
          notes: [
            `highlight of the whole text through the worker (20,000-character chunks, as in the extension): ${fmt(host.highlighted.elapsedMs)} ms = ${fmt(corpus.tokens / (host.highlighted.elapsedMs / 1000))} tokens/s, ${host.highlighted.entities} entities; model load ${host.loaded.loadMs} ms (${host.loaded.provider})`,
            `VSIX: ${vsix ? `${vsix.file} ${fmt(vsix.bytes / MiB, 1)} MiB (${fmt(vsix.bytes)} bytes, ${vsix.modified})` : 'not built'}`,
          ],
        },
      ],
      data: { baseline, host, peakBytes: peak, vsix: vsix ?? 'not built' },
      targets,
    };
  },
};
