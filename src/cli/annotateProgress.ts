// The progress bar of `baner annotate` on stderr: documents done of all, tokens/s, documents/s and the time left.
// On a terminal it is redrawn in place (at most 10 times a second); elsewhere, with --progress, one line every
// 2 seconds (logs, pipes); otherwise only the summary at the end.
import type { AnnotateProgress } from '../core/annotate/annotateRun';
import type { ProgressStream } from './progress';

const TERMINAL_INTERVAL_MS = 100;
const LINE_INTERVAL_MS = 2_000;
const BAR_WIDTH = 24;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const number = (x: number) => Math.round(x).toLocaleString('en-US');

/** One line of progress: the bar and the figures. */
export function progressText(p: AnnotateProgress): string {
  if (p.phase === 'checking') return `annotate: checking ${number(p.total)} documents against the ledger`;
  if (p.phase === 'loading') return `annotate: ${number(p.resumed)} of ${number(p.total)} documents done before; loading the model workers`;
  const finished = p.resumed + p.annotated + p.skipped + p.failed;
  const share = p.total > 0 ? finished / p.total : 1;
  const filled = Math.round(share * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  const rates = p.annotated > 0 ? `, ${number(p.tokensPerSecond)} tokens/s, ${p.documentsPerSecond.toFixed(1)} documents/s` : '';
  const eta = p.etaSeconds !== undefined && finished < p.total ? `, ETA ${formatDuration(p.etaSeconds)}` : '';
  return `annotate ${bar} ${String(Math.floor(share * 100)).padStart(3)}% ${number(finished)}/${number(p.total)} documents${rates}${eta}`;
}

export class AnnotateProgressBar {
  private last = 0;
  private drawn = false;
  private phase: AnnotateProgress['phase'] | undefined;

  private constructor(
    private readonly stream: ProgressStream,
    private readonly inPlace: boolean,
  ) {}

  /** A bar on a terminal, lines with `requested` (--progress) elsewhere; undefined otherwise. */
  static create(requested: boolean, stream: ProgressStream = process.stderr): AnnotateProgressBar | undefined {
    const terminal = stream.isTTY === true;
    if (!terminal && !requested) return undefined;
    return new AnnotateProgressBar(stream, terminal);
  }

  update(p: AnnotateProgress): void {
    const now = Date.now();
    if (p.phase === 'done') return;
    const phaseChange = p.phase !== this.phase;
    this.phase = p.phase;
    if (!phaseChange && (p.phase !== 'annotating' || now - this.last < (this.inPlace ? TERMINAL_INTERVAL_MS : LINE_INTERVAL_MS))) return;
    this.last = now;
    this.drawn = true;
    const text = progressText(p);
    this.stream.write(this.inPlace ? `\r${text}\x1b[K` : `${text}\n`);
  }

  /** Leaves the terminal's line clean for the summary. */
  end(): void {
    if (this.inPlace && this.drawn) this.stream.write('\r\x1b[K');
  }
}
