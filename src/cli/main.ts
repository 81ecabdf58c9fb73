// Entry of the `baner` command line.
import { highlightCommand } from './highlight';
import { evalCommand } from './eval';
import { sampleSupportCommand } from './sampleSupport';
import { benchFewshotCommand } from './benchFewshot';
import { UsageError } from './args';
import { BUNDLED_MODELS } from '../core/model/modelDirectory';

const HELP = `baner: few-shot named-entity recognition (BANER) from the command line

usage:
  baner highlight FILE [--model DIR] [--threshold X] [--json]
      entities of a text file; --json prints one {"start","end","text","label","score"} per line
  baner eval --test FILE [--model DIR] [--support FILE [--adapt auto|none|lorahub|full]] [--scheme auto|iob1|iob2|bioes] [--threshold X]
                   [--one-type-per-name on|off|model] [--keep-above P] [--json]
      predict a CoNLL file and score it; with --support (a CoNLL file of labelled sentences) the types
      and prototypes come from the support set, adapted by the method that held-out folds of the support
      set choose (auto, the default) or by the one named; --json prints
      {"precision","recall","f1","span_f1","sentences","seconds"} last (micro, percent); --one-type-per-name
      harmonises the types of repeated names within each -DOCSTART- document (model: as the model's
      evaluation chose; --keep-above: a mention at least this sure of its own type keeps it)
  baner sample-support --from FILE --shots K [--seed S] --out FILE
      sample a K-shot support set (Few-NERD greedy procedure) from a CoNLL file
  baner bench-fewshot [--model DIR] [--held-out-models DIR] [--targets wnut17,politics,...] [--shots 1,5] [--seeds 10]
                      [--first-seed 1] [--split test|dev] [--variants chosen,prototypes,lorahub,full,lora,full-nocontrastive]
                      [--set key=value;...] [--threads N] [--out FILE]
      few-shot episodes: adapt with each variant, report mean/std micro-F1 over seeds; with --held-out-models,
      a CrossNER target X runs on DIR/without-X, a model whose training never saw domain X

The default model is models/transformer of this package; --model models/cnn selects the fast CNN model and
--model DIR any other model folder (one with manifest.json). The bundled models:
${BUNDLED_MODELS.map((m) => `  ${m.folder.padEnd(20)}${m.description}`).join('\n')}`;

const commands: Record<string, (argv: string[]) => Promise<void>> = {
  highlight: highlightCommand,
  eval: evalCommand,
  'sample-support': sampleSupportCommand,
  'bench-fewshot': benchFewshotCommand,
};

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(HELP);
    return;
  }
  const run = commands[command];
  if (!run) throw new UsageError(`unknown command "${command}" (try baner --help)`);
  await run(rest);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const known = error instanceof UsageError || (error instanceof Error && /Error$/.test(error.name) && error.name !== 'Error' && error.name !== 'TypeError');
  console.error(`baner: ${error instanceof Error ? error.message : String(error)}`);
  if (!known && error instanceof Error && process.env.BANER_DEBUG) console.error(error.stack);
  process.exit(error instanceof UsageError ? 2 : 1);
});
