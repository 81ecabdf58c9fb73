// Entry of the `baner` command line.
import { HIGHLIGHT_USAGE, highlightCommand } from './highlight';
import { EVAL_USAGE, evalCommand } from './eval';
import { sampleSupportCommand } from './sampleSupport';
import { benchFewshotCommand } from './benchFewshot';
import { BENCH_ACTIVE_USAGE, benchActiveCommand } from './benchActive';
import { CONVERT_USAGE, convertCommand } from './convert';
import { EXPORT_SUPPORT_USAGE, exportSupportCommand, IMPORT_SUPPORT_USAGE, importSupportCommand } from './supportTransfer';
import { PREDICT_USAGE, predictCommand } from './predict';
import { ANNOTATE_USAGE, annotateCommand } from './annotate';
import { FORMATS_HELP } from './formatFlags';
import { printable, UsageError } from './args';
import { BUNDLED_MODELS } from '../core/model/modelDirectory';

interface Command {
  run: (argv: string[]) => Promise<void>;
  /** Its usage line(s) and what it does, as `baner --help` and `baner COMMAND --help` print them. */
  help: string;
  /** It reads or writes the import/export formats: its help lists them. */
  formats?: true;
}

const commands: Record<string, Command> = {
  highlight: {
    run: highlightCommand,
    help: `  ${HIGHLIGHT_USAGE}
      entities of a UTF-8 text file, one per line: start, end, type, score and text, TAB-separated (TABs, line
      breaks and backslashes in the text written as \\t, \\n, \\r, \\\\); --json prints one
      {"start","end","text","label","score"} per line instead; --threshold X (0 to 1) keeps entities scoring at
      least X; --progress shows progress on stderr (shown anyway on a terminal when a run takes a while)`,
  },
  eval: {
    run: evalCommand,
    help: `  ${EVAL_USAGE}
      predict a CoNLL file and score it; with --support (a CoNLL file of labelled sentences) the types
      and prototypes come from the support set, adapted by the method that held-out folds of the support
      set choose (auto, the default) or by the one named; --json prints
      {"precision","recall","f1","span_f1","sentences","seconds"} last (micro, percent); --one-type-per-name
      harmonises the types of repeated names within each -DOCSTART- document (model: as the model's
      evaluation chose; --keep-above P, 0 to 1: a mention at least this sure of its own type keeps it);
      --progress as for highlight`,
  },
  'sample-support': {
    run: sampleSupportCommand,
    help: `  baner sample-support --from FILE --shots K [--seed S] --out FILE
      sample a K-shot support set (Few-NERD greedy procedure) from a CoNLL file`,
  },
  convert: {
    run: convertCommand,
    help: `  ${CONVERT_USAGE}
      a labelled file from one format to another (a support file is in the format baner); formats are named
      (see below) or told by the file names (.conll, .bio, .iob2: IOB2; .bioes: BIOES); --offsets utf16 reads
      and writes doccano, Prodigy and spaCy offsets in UTF-16 code units, not code points (Python's count, the
      default); --docstart writes -DOCSTART- before the sentences of each source file in CoNLL`,
    formats: true,
  },
  'export-support': {
    run: exportSupportCommand,
    help: `  ${EXPORT_SUPPORT_USAGE}
      the support set of the workspace folder DIR (default: here; its .baner/support.jsonl) in FORMAT: gold
      labels only, never unconfirmed suggestions; rejected spans only in baner, sources in all but CoNLL`,
    formats: true,
  },
  'import-support': {
    run: importSupportCommand,
    help: `  ${IMPORT_SUPPORT_USAGE}
      adds the labelled sentences of FILE to the support set of DIR; a sentence already there (the same
      characters, whitespace aside, from the same file or without a source) is kept as it is`,
    formats: true,
  },
  predict: {
    run: predictCommand,
    help: `  ${PREDICT_USAGE}
      the entities of text files, and of every text file under a folder (not .baner, node_modules, .git;
      binary and non-UTF-8 files skipped and listed), in FORMAT: all in FILE, or with --out DIR/ (a folder, or
      a name ending in /) one file per input, its path + .conll or .jsonl; one text per file (per sentence
      with --sentences, and always for CoNLL); --threshold as for highlight`,
    formats: true,
  },
  annotate: {
    run: annotateCommand,
    help: `  ${ANNOTATE_USAGE}
      the entities of many documents (files, folders, and globs such as 'docs/**/*.{txt,md}', quoted so that the
      shell leaves them alone; not .baner, node_modules, .git; binary and non-UTF-8 files skipped and listed) through
      a pool of model workers (--workers N; default one per core, at most one per 2 GiB of memory, each with
      cores/N onnxruntime threads): one JSON line per document,
      {"path","entities":[{"start","end","label","score","text"}]} (UTF-16 offsets), appended to FILE as each
      finishes, or with --next-to-inputs written to INPUT.entities.jsonl beside each input; a ledger (FILE.ledger.jsonl,
      or .baner/annotate.ledger.jsonl here) lets the same command resume where it stopped (Ctrl+C, a crash),
      skipping unchanged documents; --restart starts over; --threshold as for highlight (default 0.5, the
      editor's); a progress bar on a terminal (--progress: lines elsewhere)`,
  },
  'bench-active': {
    run: benchActiveCommand,
    help: `  ${BENCH_ACTIVE_USAGE}
      active learning: after a 1-shot start, label the --add most useful sentences of a random pool (lowest span
      confidence x typing margin under the adapted model) or as many random ones; F1 after adapting, per seed`,
  },
  'bench-fewshot': {
    run: benchFewshotCommand,
    help: `  baner bench-fewshot [--model DIR] [--held-out-models DIR] [--targets wnut17,politics,...] [--shots 1,5] [--seeds 10]
                      [--first-seed 1] [--split test|dev] [--variants chosen,prototypes,lorahub,full,lora,full-nocontrastive]
                      [--set key=value;...] [--threads N] [--out FILE]
      few-shot episodes: adapt with each variant, report mean/std micro-F1 over seeds; with --held-out-models,
      a CrossNER target X runs on DIR/without-X, a model whose training never saw domain X`,
  },
};

const MODELS = `The default model is models/transformer of this package; --model models/cnn selects the fast CNN model and
--model DIR any other model folder (one with manifest.json). The bundled models:
${BUNDLED_MODELS.map((m) => `  ${m.folder.padEnd(20)}${m.description}`).join('\n')}`;

const FORMATS = `The import/export formats (doccano, Prodigy and spaCy count offsets in code points, as Python does):
${FORMATS_HELP}`;

const HELP = `baner: few-shot named-entity recognition (BANER) from the command line

usage:
${Object.values(commands)
  .map((c) => c.help)
  .join('\n')}

${MODELS}

${FORMATS}`;

const isHelp = (arg: string) => arg === '--help' || arg === '-h';

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || isHelp(command) || command === 'help') {
    console.log(HELP);
    return;
  }
  const chosen = Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (!chosen) throw new UsageError(`unknown command ${printable(JSON.stringify(command))} (try baner --help)`);
  // `baner eval --help` anywhere among the arguments: that command's help, not an error about the others.
  if (rest.some(isHelp)) {
    console.log(`usage:\n${chosen.help}\n\n${MODELS}${chosen.formats ? `\n\n${FORMATS}` : ''}`);
    return;
  }
  await chosen.run(rest);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const known = error instanceof UsageError || (error instanceof Error && /Error$/.test(error.name) && error.name !== 'Error' && error.name !== 'TypeError');
  // Messages may carry text from files or arguments: printed with control characters escaped.
  console.error(`baner: ${printable(error instanceof Error ? error.message : String(error))}`);
  if (!known && error instanceof Error && process.env.BANER_DEBUG) console.error(printable(error.stack ?? ''));
  process.exit(error instanceof UsageError ? 2 : 1);
});
