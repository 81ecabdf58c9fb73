// Section "editor": latencies a person feels in a real VS Code (code-server + Chromium on this machine), for
// each chosen model: cold first highlight, visible lines and whole 5,000-line document after opening,
// re-highlight after a one-character edit, adapting from the editor, and the extension host's event loop
// meanwhile. Runs test/vscode/run-editor-bench.mjs once per model (baner.modelPath set for the run), which
// measures inside the extension host (test/vscode/bench/editorLatency.ts).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { defaultModelDir } from '../../src/core/model/modelDirectory';
import { RESULTS_DIR, ROOT, fmt, log, type BenchModel, type Section, type SectionContext, type SectionOutput, type TargetCheck } from './common';

interface EditorFigures {
  coldFirstHighlightMs: number;
  modelLoadMs: number | null;
  documentLines: number;
  documentChars: number;
  visibleRangeMs: number | null;
  /** Lines on screen, and the model worker's own share of visibleRangeMs (absent in older raw files). */
  visibleLines?: number | null;
  visibleRangeWorkerMs?: number | null;
  wholeDocumentMs: number;
  eventLoop: { maxLagMs: number; ownWorkMs: number; report: string };
  rehighlightAfterEditMs: { runs: number[]; median: number; debounceMs: number };
  adaptInEditor: { support: string; seconds: number | null; wallMs: number; maxLagMs: number; ownWorkMs: number; banerCpuMs: number; banerLongestMs: number; hostCpuBySource: Record<string, number> };
  model?: { provider?: string; model?: string; modelDir?: string };
}

/** Targets that are the same for every model (ms). */
const LAG_MS = 50;
const REHIGHLIGHT_MS = 50;
/** One editor run per model: building, code-server and Chromium start, the 5,000-line document, adapting. */
const RUN_TIMEOUT_S = 900;

/** The `baner.modelPath` value that selects a bundled model: '' for the default, else its folder relative to the extension. */
function modelPathSetting(model: BenchModel): string {
  return resolve(model.dir) === resolve(defaultModelDir()) ? '' : relative(ROOT, model.dir);
}

function runEditorBench(model: BenchModel): EditorFigures {
  const out = join(RESULTS_DIR, '.build', `editor-raw-${model.name}.json`);
  execFileSync(process.execPath, [join(ROOT, 'test', 'vscode', 'run-editor-bench.mjs'), out, `--model-path=${modelPathSetting(model)}`], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, BANER_TEST_TIMEOUT_S: process.env.BANER_TEST_TIMEOUT_S ?? String(RUN_TIMEOUT_S) },
    timeout: (RUN_TIMEOUT_S + 60) * 1000,
  });
  const f = JSON.parse(readFileSync(out, 'utf8')) as EditorFigures;
  // The setting is machine-scoped and easy to lose on the way in: check which model the extension loaded.
  const loaded = f.model?.modelDir;
  if (!loaded || resolve(loaded) !== resolve(model.dir)) throw new Error(`the editor bench for ${model.name} ran the model at ${loaded ?? '(unknown)'}, not ${model.dir}`);
  return f;
}

/** The rows of one run: [what, measured, target]; the same rows, in the same order, for every model. */
function rowsOf(f: EditorFigures, model: BenchModel): Array<[string, string, string]> {
  const t = model.targets;
  return [
    ['model load, cold (both ONNX sessions, in the worker)', f.modelLoadMs === null ? 'n/a' : fmt(f.modelLoadMs), '-'],
    ['first highlight, cold (worker start + model load + 900 chars)', fmt(f.coldFirstHighlightMs), '-'],
    [`visible lines (${f.visibleLines ?? '?'}) of a ${f.documentLines.toLocaleString('en')}-line document`, f.visibleRangeMs === null ? 'n/a' : fmt(f.visibleRangeMs), `< ${fmt(t.visibleRangeMs)}`],
    ['  of which the model worker computing them', f.visibleRangeWorkerMs == null ? 'n/a' : fmt(f.visibleRangeWorkerMs), '-'],
    [`whole document (${f.documentChars.toLocaleString('en')} chars)`, fmt(f.wholeDocumentMs), `< ${fmt(t.wholeDocumentMs)}`],
    [`re-highlight after a 1-char edit (after the ${f.rehighlightAfterEditMs.debounceMs} ms debounce; median of ${f.rehighlightAfterEditMs.runs.length})`, fmt(f.rehighlightAfterEditMs.median), `< ${REHIGHLIGHT_MS}`],
    ['extension host: max timer lag while highlighting the document', fmt(f.eventLoop.maxLagMs), `< ${LAG_MS}`],
    ['extension host: own work in the longest stall', fmt(f.eventLoop.ownWorkMs), `< ${LAG_MS}`],
    [`Adapt to This Domain from the editor (${f.adaptInEditor.support}), wall`, fmt(f.adaptInEditor.wallMs), `< ${fmt(t.adapt5ShotSeconds * 1000)}`],
    ['extension host: max timer lag while adapting', fmt(f.adaptInEditor.maxLagMs), `< ${LAG_MS}`],
    ["extension host: its thread's work in the longest stall while adapting (all extensions)", fmt(f.adaptInEditor.ownWorkMs), '-'],
    ["BANER's own code on the extension host while adapting: total / longest run (CPU profile)", `${fmt(f.adaptInEditor.banerCpuMs, 1)} / ${fmt(f.adaptInEditor.banerLongestMs, 1)}`, `< ${LAG_MS}`],
  ];
}

function targetsOf(f: EditorFigures, model: BenchModel): TargetCheck[] {
  const t = model.targets;
  const m = model.name;
  return [
    { target: `${m}: visible range highlighted < ${fmt(t.visibleRangeMs)} ms after open`, measured: `${f.visibleRangeMs} ms`, met: f.visibleRangeMs !== null && f.visibleRangeMs < t.visibleRangeMs },
    { target: `${m}: whole 5,000-line document < ${fmt(t.wholeDocumentMs / 1000)} s, visible lines first`, measured: `${f.wholeDocumentMs} ms (visible lines at ${f.visibleRangeMs ?? 'n/a'} ms)`, met: f.wholeDocumentMs < t.wholeDocumentMs && f.visibleRangeMs !== null && f.visibleRangeMs <= f.wholeDocumentMs },
    { target: `${m}: re-highlight after an edit < ${REHIGHLIGHT_MS} ms`, measured: `${f.rehighlightAfterEditMs.median} ms (runs ${f.rehighlightAfterEditMs.runs.join(', ')})`, met: f.rehighlightAfterEditMs.median < REHIGHLIGHT_MS },
    { target: `${m}: never blocking typing: host event-loop lag < ${LAG_MS} ms`, measured: `max lag ${f.eventLoop.maxLagMs} ms, own work ${f.eventLoop.ownWorkMs} ms`, met: f.eventLoop.maxLagMs < LAG_MS },
    { target: `${m}: extension host event-loop lag < ${LAG_MS} ms while adapting (raw timer lag)`, measured: `max lag ${f.adaptInEditor.maxLagMs} ms; the thread's own work in a stall ${f.adaptInEditor.ownWorkMs} ms (adapt ${f.adaptInEditor.wallMs} ms)`, met: f.adaptInEditor.maxLagMs < LAG_MS },
    { target: `${m}: BANER's own work on the extension host while adapting < ${LAG_MS} ms at a time`, measured: `${f.adaptInEditor.banerCpuMs} ms in all, longest run ${f.adaptInEditor.banerLongestMs} ms`, met: f.adaptInEditor.banerLongestMs < LAG_MS },
  ];
}

export const editor: Section = {
  name: 'editor',
  title: 'editor latencies in VS Code (code-server) per model: open, visible range, whole document, edit, adapt',
  async run(ctx: SectionContext): Promise<SectionOutput> {
    const runs: Array<{ model: BenchModel; figures: EditorFigures }> = [];
    for (const model of ctx.models) {
      log(`editor: ${model.name} (baner.modelPath ${JSON.stringify(modelPathSetting(model))})`);
      runs.push({ model, figures: runEditorBench(model) });
    }
    const perModel = runs.map((r) => rowsOf(r.figures, r.model));
    const rows = perModel[0].map(([what], i) => [what, ...perModel.flatMap((m) => [m[i][1], m[i][2]])]);
    const notes = runs.map((r) => `${r.model.name}: extension host CPU while adapting, by source (ms): ${Object.entries(r.figures.adaptInEditor.hostCpuBySource).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    return {
      tables: [
        {
          title: 'Editor latencies (ms), one VS Code run per model (baner.modelPath set as a machine setting)',
          header: ['what', ...runs.flatMap((r) => [`${r.model.name} ms`, `${r.model.name} target`])],
          rows,
          notes,
        },
      ],
      data: { runs: runs.map((r) => ({ model: r.model.name, modelPath: modelPathSetting(r.model), ...r.figures })) },
      targets: runs.flatMap((r) => targetsOf(r.figures, r.model)),
    };
  },
};
