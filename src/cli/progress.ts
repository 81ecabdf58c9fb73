// A progress line on stderr for long `highlight` and `eval` runs: on a terminal by itself once a run has taken
// a second (redrawn in place), or on request with --progress (then one line per update, for logs and pipes).
// Progress is counted in the encoder's batches as the engine runs them: counting changes nothing in them,
// so the results are the same with or without it.
import type { ModelRuntime } from '../core/model/modelRuntime';

/** On a terminal, runs shorter than this show no progress at all. */
const QUIET_START_MS = 1_000;
/** Redraws on a terminal at most this often; written lines at most once a second. */
const TERMINAL_INTERVAL_MS = 100;
const LINE_INTERVAL_MS = 1_000;

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export class ProgressLine {
  private readonly started = Date.now();
  private lastShown = 0;
  private drawn = false;

  private constructor(
    private readonly label: string,
    private readonly stream: ProgressStream,
    private readonly inPlace: boolean,
    private readonly quietUntil: number,
  ) {}

  /** A line when stderr is a terminal or `requested` (--progress); undefined otherwise. */
  static create(label: string, requested: boolean, stream: ProgressStream = process.stderr): ProgressLine | undefined {
    const terminal = stream.isTTY === true;
    if (!terminal && !requested) return undefined;
    return new ProgressLine(label, stream, terminal, requested ? 0 : QUIET_START_MS);
  }

  update(done: number, total: number): void {
    const now = Date.now();
    if (now - this.started < this.quietUntil) return;
    const last = done >= total;
    if (!last && this.drawn && now - this.lastShown < (this.inPlace ? TERMINAL_INTERVAL_MS : LINE_INTERVAL_MS)) return;
    this.lastShown = now;
    this.drawn = true;
    const percent = total > 0 ? Math.floor((100 * done) / total) : 100;
    const text = `${this.label}: ${percent}% (${done} of ${total} sentences, ${((now - this.started) / 1000).toFixed(0)} s)`;
    // "\r" and "erase to end of line" redraw in place on a terminal.
    this.stream.write(this.inPlace ? `\r${text}\x1b[K` : `${text}\n`);
  }

  /** Leaves the terminal's line clean for what is printed next. */
  end(): void {
    if (this.inPlace && this.drawn) this.stream.write('\r\x1b[K');
  }
}

/**
 * Runs `work` while reporting each finished encoder batch of `runtime` to `line` (sentences done of all
 * sentences of that call; long sentences count once per window).
 */
export async function withEncoderProgress<T>(runtime: ModelRuntime, line: ProgressLine | undefined, work: () => Promise<T>): Promise<T> {
  if (!line) return work();
  const ownMethod = Object.prototype.hasOwnProperty.call(runtime, 'forEachBatch');
  const forEachBatch = runtime.forEachBatch;
  runtime.forEachBatch = (sentences, fn, documents) => {
    let done = 0;
    line.update(0, sentences.length);
    return forEachBatch.call(runtime, sentences, async (batch) => {
      await fn(batch);
      done += batch.indices.length;
      line.update(done, sentences.length);
    }, documents);
  };
  try {
    return await work();
  } finally {
    if (ownMethod) runtime.forEachBatch = forEachBatch;
    else delete (runtime as Partial<ModelRuntime>).forEachBatch;
    line.end();
  }
}
