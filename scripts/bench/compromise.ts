// Section "compromise": the rule-and-lexicon NER of the `compromise` library (people / places / organizations)
// and ours, same run, same text (the CoNLL-2003 test text), scored on PER/LOC/ORG only: gold MISC and our
// MISC predictions are left out for both. Character-offset entities are mapped to the CoNLL tokens they
// overlap, then scored with scoreEntities (exact span and type match).
import nlp from 'compromise';
import { NerEngine } from '../../src/core/engine';
import { scoreEntities, type EntityScores } from '../../src/core/metrics';
import type { TokenSpan } from '../../src/core/types';
import { BENCH_MODEL_DIR, conllTestCorpus, fmt, log, median, packageVersion, seconds, toTokenSpans, type Section, type SectionContext, type SectionOutput, type TargetCheck } from './common';

const TYPES = ['PER', 'LOC', 'ORG'] as const;

interface CharEntity {
  start: number;
  end: number;
  label: string;
  score?: number;
}

interface Offset {
  start: number;
  length: number;
}

interface OffsetJson {
  offset: Offset;
  terms: Array<{ offset: Offset }>;
}

/** compromise's people / places / organizations as PER / LOC / ORG, in character offsets of `text`. */
export function compromiseEntities(text: string): CharEntity[] {
  const doc = nlp(text);
  const entities: CharEntity[] = [];
  const seen = new Set<string>();
  const views: Array<[string, () => { json(options: object): unknown }]> = [
    ['PER', () => doc.people()],
    ['LOC', () => doc.places()],
    ['ORG', () => doc.organizations()],
  ];
  for (const [label, view] of views) {
    for (const m of view().json({ offset: true }) as OffsetJson[]) {
      // The match's own offset counts the punctuation before its first term in its length ("\" FIFA" -> 6);
      // the terms' offsets are exact.
      const first = m.terms[0]?.offset ?? m.offset;
      const last = m.terms[m.terms.length - 1]?.offset ?? m.offset;
      const start = first.start;
      const end = last.start + last.length;
      const key = `${start}:${end}`;
      if (seen.has(key)) continue;
      seen.add(key);
      entities.push({ start, end, label });
    }
  }
  return entities.sort((a, b) => a.start - b.start);
}

function restrict(spans: TokenSpan[][]): TokenSpan[][] {
  return spans.map((list) => list.filter((s) => (TYPES as readonly string[]).includes(s.label)));
}

function scoreRow(name: string, s: EntityScores, tokensPerSecond: number): Array<string | number> {
  const pct = (x: number) => fmt(100 * x, 2);
  return [name, pct(s.micro.precision), pct(s.micro.recall), pct(s.micro.f1), ...TYPES.map((t) => pct(s.perType[t]?.f1 ?? 0)), fmt(tokensPerSecond)];
}

export const compromiseSection: Section = {
  name: 'compromise',
  title: 'BANER vs compromise (rule/lexicon NER) on CoNLL-2003 test, PER/LOC/ORG',
  async run(ctx: SectionContext): Promise<SectionOutput> {
    const corpus = await conllTestCorpus();
    const gold = restrict(corpus.sentences.map((s) => s.spans));

    // compromise: one call over the whole text, the way it is used.
    log(`compromise: x ${ctx.runs + 1}`);
    let theirs: CharEntity[] = compromiseEntities(corpus.text); // warm-up (lexicon, first-call setup)
    const theirTimes: number[] = [];
    for (let r = 0; r < ctx.runs; r++) theirTimes.push(await seconds(() => (theirs = compromiseEntities(corpus.text))));
    const theirSpans = toTokenSpans(corpus, theirs);
    const theirScores = scoreEntities(gold, restrict(theirSpans.spans));
    const theirSpeed = corpus.tokens / median(theirTimes);

    const ours: Record<number, { speed: number; entities: CharEntity[]; times: number[] }> = {};
    for (const threads of [1, 2]) {
      log(`compromise: ours, ${threads} thread(s) x ${ctx.runs + 1}`);
      const engine = await NerEngine.load(BENCH_MODEL_DIR, { threads, preference: 'cpu' });
      try {
        let entities: CharEntity[] = await engine.highlight(corpus.text);
        const times: number[] = [];
        for (let r = 0; r < ctx.runs; r++) {
          engine.useTypes(undefined); // clears the sentence cache
          times.push(await seconds(async () => (entities = await engine.highlight(corpus.text))));
        }
        ours[threads] = { speed: corpus.tokens / median(times), entities, times };
      } finally {
        await engine.dispose();
      }
    }
    const ourSpans = toTokenSpans(corpus, ours[1].entities);
    const ourScores = scoreEntities(gold, restrict(ourSpans.spans));
    const atHalf = toTokenSpans(corpus, ours[1].entities.filter((e) => (e.score ?? 0) >= 0.5));
    const ourScoresHalf = scoreEntities(gold, restrict(atHalf.spans));
    const ourAllTypes = scoreEntities(corpus.sentences.map((s) => s.spans), ourSpans.spans);
    // For reference: the same model on the gold sentences and tokens (what `baner eval` scores), no text layer.
    const onGold = await NerEngine.load(BENCH_MODEL_DIR, { threads: 1, preference: 'cpu' });
    const goldTokenised = scoreEntities(corpus.sentences.map((s) => s.spans), await onGold.predictTokens(corpus.sentences.map((s) => s.tokens)));
    const goldTokenisedPLO = scoreEntities(gold, restrict(await onGold.predictTokens(corpus.sentences.map((s) => s.tokens))));
    await onGold.dispose();

    const f1Ratio = ourScores.micro.f1 / theirScores.micro.f1;
    const speedRatio = ours[1].speed / theirSpeed;
    const rows = [
      scoreRow('BANER highlight(), threshold 0, 1 ORT thread', ourScores, ours[1].speed),
      scoreRow('BANER highlight(), threshold 0.5 (editor default)', ourScoresHalf, ours[1].speed),
      scoreRow('BANER highlight(), threshold 0, 2 ORT threads', ourScores, ours[2].speed),
      scoreRow(`compromise ${packageVersion('compromise')} people/places/organizations`, theirScores, theirSpeed),
    ];
    const targets: TargetCheck[] = [
      {
        target: 'F1 far above compromise at comparable speed (read here as: F1 >= 1.5x and tokens/s >= 0.5x compromise\'s)',
        measured: `F1 ${fmt(100 * ourScores.micro.f1, 2)} vs ${fmt(100 * theirScores.micro.f1, 2)} (${fmt(f1Ratio, 2)}x); speed ${fmt(ours[1].speed)} vs ${fmt(theirSpeed)} tokens/s (${fmt(speedRatio, 2)}x, both on one core)`,
        met: f1Ratio >= 1.5 && speedRatio >= 0.5,
      },
    ];
    return {
      tables: [
        {
          title: `BANER vs compromise: ${corpus.name}, whole text in one call, PER/LOC/ORG only (MISC dropped from gold and predictions); speed median of ${ctx.runs}`,
          header: ['system', 'P', 'R', 'F1', 'PER F1', 'LOC F1', 'ORG F1', 'tokens/s'],
          rows,
          notes: [
            `F1 ratio (BANER / compromise) ${fmt(f1Ratio, 2)}x; speed ratio (BANER 1 thread / compromise, one core each) ${fmt(speedRatio, 2)}x`,
            `character spans are mapped to the CoNLL tokens they overlap; spans not on token boundaries: BANER ${ourSpans.misaligned}, compromise ${theirSpans.misaligned}`,
            `BANER on all four types (MISC too), same predictions: F1 ${fmt(100 * ourAllTypes.micro.f1, 2)}; on the gold sentences and tokens (predictTokens, as \`baner eval\`): PER/LOC/ORG ${fmt(100 * goldTokenisedPLO.micro.f1, 2)}, all types ${fmt(100 * goldTokenised.micro.f1, 2)}`,
            'the text has one sentence per line and a blank line between documents; the sentence splitter does not break at a single line break, so headlines and datelines merge with the next line (why F1 from text is below F1 on gold sentences)',
          ],
        },
      ],
      data: {
        corpus: corpus.name,
        tokens: corpus.tokens,
        types: TYPES,
        ours: { threshold0: ourScores, goldTokenised: { perLocOrg: goldTokenisedPLO.micro, allTypes: goldTokenised.micro }, threshold05: ourScoresHalf, allTypes: ourAllTypes.micro, tokensPerSecond: { 1: ours[1].speed, 2: ours[2].speed }, times: { 1: ours[1].times, 2: ours[2].times }, misaligned: ourSpans.misaligned },
        compromise: { version: packageVersion('compromise'), scores: theirScores, tokensPerSecond: theirSpeed, times: theirTimes, misaligned: theirSpans.misaligned },
        f1Ratio,
        speedRatio,
      },
      targets,
    };
  },
};
