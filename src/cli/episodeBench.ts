// What bench-fewshot and bench-active share: their common flags (targets, split, seeds) and the model each target
// runs on (a target's held-out-domain model with --held-out-models, else --model), loaded once per model.
import { join } from 'node:path';
import { NerEngine } from '../core/engine';
import { loadFewShotContext, type FewShotContext } from './fewshot';
import { FEWSHOT_TARGETS, type FewshotTarget } from './fewshotTargets';
import { stringFlag, UsageError, type ParsedArgs } from './args';

export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
export const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));

export function positiveIntegerFlag(args: ParsedArgs, flag: string, fallback: number): number {
  const n = Number(stringFlag(args, flag) ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive integer`);
  return n;
}

/** --targets a,b (default: all), each a known few-shot target. */
export function targetsFlag(args: ParsedArgs): FewshotTarget[] {
  return (stringFlag(args, 'targets') ?? FEWSHOT_TARGETS.map((t) => t.name).join(',')).split(',').map((n) => {
    const t = FEWSHOT_TARGETS.find((x) => x.name === n);
    if (!t) throw new UsageError(`unknown target ${n} (known: ${FEWSHOT_TARGETS.map((x) => x.name).join(', ')})`);
    return t;
  });
}

/** --split test|dev (default test). */
export function splitFlag(args: ParsedArgs): 'test' | 'dev' {
  const split = stringFlag(args, 'split') ?? 'test';
  if (split !== 'test' && split !== 'dev') throw new UsageError('--split must be test or dev');
  return split;
}

export interface TargetModel {
  dir: string;
  context: FewShotContext;
  engine: NerEngine;
}

/**
 * The model of each target in turn: a CrossNER target X runs on heldOut/without-X when heldOut is given.
 * Consecutive targets on the same model share one engine, whose encoder states are cached: adapters of the
 * heads leave them unchanged, so each sentence of a split is encoded once.
 */
export class TargetModels {
  private loaded?: TargetModel;

  constructor(
    private readonly modelDir: string,
    private readonly heldOut: string | undefined,
    private readonly threads: number,
  ) {}

  async forTarget(target: FewshotTarget): Promise<{ model: TargetModel; fresh: boolean }> {
    const dir = this.heldOut && target.hubDomain ? join(this.heldOut, `without-${target.hubDomain}`) : this.modelDir;
    if (this.loaded?.dir === dir) return { model: this.loaded, fresh: false };
    await this.dispose();
    const engine = await NerEngine.load(dir, { threads: this.threads });
    this.loaded = { dir, context: await loadFewShotContext(dir), engine };
    await engine.runtime.cacheEncoderStates?.();
    return { model: this.loaded, fresh: true };
  }

  async dispose(): Promise<void> {
    await this.loaded?.engine.dispose();
    this.loaded = undefined;
  }
}
