// Where an annotation run writes, and the ledger that lets a second run skip what the first one finished.
//
// Output, one line per document, keys in this order (offsets in UTF-16 code units, as the editor counts them;
// `text` is the document's text between them):
//   {"path":"docs/a.md","entities":[{"start":0,"end":5,"label":"PER","score":0.98,"text":"Alice"}]}
// "path" is the document's name relative to the base folder (the working directory, the workspace folder),
// absolute when outside it. The document's text is not repeated: it is the file at "path".
//   one-file        every document's line in one file, appended as each document finishes (in the order they
//                   finish, not the order of the inputs)
//   next-to-inputs  INPUT.entities.jsonl beside each input, holding that one line, written atomically
//
// The ledger (JSONL): a header with the settings the entities depend on (model, adapter, threshold), then one
// record per finished document: {"path","size","mtimeMs","sha256","entities"} and, in one-file layout, "end",
// the output's length in bytes once that document's line was appended. A document's line is written first and
// its record appended after it, each with a single write: a run killed at any moment leaves at most one record
// torn (dropped when read) and at most the lines of documents in flight beyond the last record, which the next
// run cuts off (the output is truncated to the last record's "end") and redoes. Records are also checked against
// the output line by line (each record's bytes must be one line naming its document), so a ledger and an output
// that disagree (a file edited by hand, a crash between the two renames of a compaction) keep their longest
// agreeing prefix and the rest is redone: a document is never in the output twice, and never half.
import { constants } from 'node:fs';
import { open, readFile, rm, stat, truncate, type FileHandle } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../io/atomicWrite';
import { formatJsonLines } from '../formats/jsonLines';
import type { Entity } from '../engine';

export type OutputLayout = 'one-file' | 'next-to-inputs';

/** What the entities of a document depend on: a ledger written with other settings is not resumed. */
export interface AnnotationSettings {
  /** The model's id (manifest.json) and the SHA-256 of its weights. */
  model: string;
  modelHash: string;
  /** The adapter in use (its name), or null for the base model. */
  adapter: string | null;
  threshold: number;
}

interface LedgerHeader {
  ledger: 'baner-annotate';
  version: 1;
  layout: OutputLayout;
  settings: AnnotationSettings;
  created: string;
}

export interface LedgerRecord {
  path: string;
  size: number;
  mtimeMs: number;
  sha256: string;
  entities: number;
  /** one-file: the output's length in bytes after this document's line. */
  end?: number;
}

export class AnnotationStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnnotationStoreError';
  }
}

/** The entities of one document as its output line (with the newline). */
export function formatAnnotationLine(path: string, entities: readonly Entity[]): string {
  return formatJsonLines([{ path, entities: entities.map(({ start, end, label, score, text }) => ({ start, end, label, score, text })) }]);
}

export interface AnnotationLine {
  path: string;
  entities: Array<Pick<Entity, 'start' | 'end' | 'label' | 'score' | 'text'>>;
}

/** An output line, or undefined when it is not one (torn, edited). */
export function parseAnnotationLine(line: string): AnnotationLine | undefined {
  try {
    const value = JSON.parse(line) as Partial<AnnotationLine>;
    return typeof value?.path === 'string' && Array.isArray(value.entities) ? (value as AnnotationLine) : undefined;
  } catch {
    return undefined;
  }
}

/** What opening found and mended. */
export interface OpenReport {
  /** Documents the ledger holds as finished. */
  records: number;
  /** Records dropped: torn, or not matching the output. */
  droppedRecords: number;
  /** Bytes cut off the output's end: lines of documents that were in flight when a run stopped. */
  droppedBytes: number;
}

const settingDifferences = (a: AnnotationSettings, b: AnnotationSettings): string[] => {
  const differences: string[] = [];
  if (a.model !== b.model || a.modelHash !== b.modelHash) differences.push(`model ${b.model} (${b.modelHash.slice(0, 12)}) then, ${a.model} (${a.modelHash.slice(0, 12)}) now`);
  if (a.adapter !== b.adapter) differences.push(`adapter ${b.adapter ?? 'none'} then, ${a.adapter ?? 'none'} now`);
  if (a.threshold !== b.threshold) differences.push(`threshold ${b.threshold} then, ${a.threshold} now`);
  return differences;
};

export interface StoreOptions {
  layout: OutputLayout;
  /** one-file: the output file. */
  output?: string;
  ledger: string;
  settings: AnnotationSettings;
  /** Forget what an earlier run did: its ledger (and in one-file layout its output) is removed first. */
  restart?: boolean;
}

export class AnnotationStore {
  private readonly byPath = new Map<string, LedgerRecord>();
  /** one-file: records in output order. */
  private order: LedgerRecord[] = [];
  private outputHandle: FileHandle | undefined;
  private ledgerHandle: FileHandle | undefined;
  private committed = 0;
  /** Writes run one after the other, in the order asked. */
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly options: StoreOptions) {}

  get layout(): OutputLayout {
    return this.options.layout;
  }

  /** The record of a finished document, if the ledger has one. */
  record(path: string): LedgerRecord | undefined {
    return this.byPath.get(path);
  }

  get size(): number {
    return this.byPath.size;
  }

  /**
   * Opens (or creates) the ledger and output: checks the settings, drops torn records and the output's lines
   * beyond the last record. Throws an AnnotationStoreError when the ledger was made with other settings, or the
   * output exists without a ledger (not a file an annotation run wrote): the caller offers to start over
   * (`restart`), which removes both first.
   */
  static async open(options: StoreOptions): Promise<{ store: AnnotationStore; report: OpenReport }> {
    const store = new AnnotationStore(options);
    const report = await store.load();
    if (options.layout === 'one-file') store.outputHandle = await open(options.output!, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT);
    store.ledgerHandle = await open(options.ledger, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT);
    return { store, report };
  }

  private async load(): Promise<OpenReport> {
    const { layout, output, ledger, settings, restart } = this.options;
    if (layout === 'one-file' && !output) throw new Error('the one-file layout needs an output file');
    mkdirSync(dirname(ledger), { recursive: true });
    if (output) mkdirSync(dirname(output), { recursive: true });
    const fresh = async (): Promise<OpenReport> => {
      if (output) writeFileAtomic(output, '');
      const header: LedgerHeader = { ledger: 'baner-annotate', version: 1, layout, settings, created: new Date().toISOString() };
      writeFileAtomic(ledger, JSON.stringify(header) + '\n');
      return { records: 0, droppedRecords: 0, droppedBytes: 0 };
    };
    if (restart) {
      await rm(ledger, { force: true });
      if (output) await rm(output, { force: true });
      return fresh();
    }
    const ledgerText = await readFile(ledger, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (ledgerText === undefined) {
      const existing = output ? await stat(output).catch(() => undefined) : undefined;
      if (existing && existing.size > 0) {
        throw new AnnotationStoreError(`${output} exists and was not written by an annotation run (it has no ledger ${ledger})`);
      }
      return fresh();
    }
    const lines = ledgerText.split('\n');
    const header = parseHeader(lines[0]);
    if (!header) throw new AnnotationStoreError(`${ledger} is not an annotation ledger`);
    if (header.layout !== layout) throw new AnnotationStoreError(`${ledger} belongs to a run that wrote ${header.layout === 'one-file' ? 'one file' : 'next to the inputs'}`);
    const differences = settingDifferences(settings, header.settings);
    if (differences.length > 0) throw new AnnotationStoreError(`the annotations so far were made with other settings (${differences.join('; ')})`);

    // Records up to the first that is torn or invalid (a torn line can only be the last; anything after a bad line is not trusted).
    const records: LedgerRecord[] = [];
    for (const line of lines.slice(1)) {
      if (line === '') continue;
      const record = parseRecord(line, layout);
      if (!record) break;
      records.push(record);
    }
    const written = lines.slice(1).filter((l) => l !== '').length;
    let kept = records;
    let droppedBytes = 0;
    if (layout === 'one-file') {
      const bytes = await readFile(output!).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return Buffer.alloc(0);
        throw error;
      });
      kept = agreeingPrefix(records, bytes);
      this.committed = kept.length > 0 ? kept[kept.length - 1].end! : 0;
      droppedBytes = bytes.length - this.committed;
      if (droppedBytes > 0) await truncate(output!, this.committed);
      this.order = [...kept];
      for (const r of kept) this.byPath.set(r.path, r);
    } else {
      // Next to the inputs a document redone after a change gets a new record: the latest counts.
      for (const r of kept) this.byPath.set(r.path, r);
    }
    const rewrite = kept.length !== written || (layout === 'next-to-inputs' && this.byPath.size !== kept.length);
    if (rewrite) this.rewriteLedger(header);
    return { records: this.byPath.size, droppedRecords: written - kept.length, droppedBytes };
  }

  private rewriteLedger(header?: LedgerHeader): void {
    const head: LedgerHeader = header ?? { ledger: 'baner-annotate', version: 1, layout: this.options.layout, settings: this.options.settings, created: new Date().toISOString() };
    const records = this.options.layout === 'one-file' ? this.order : [...this.byPath.values()];
    writeFileAtomic(this.options.ledger, [head, ...records].map((r) => JSON.stringify(r) + '\n').join(''));
  }

  /**
   * one-file: removes the lines of `paths` (documents that changed since they were annotated) from the output and
   * the ledger, so that their new lines do not join the old ones. Both files are replaced atomically, the output
   * first: a crash between the two is mended at the next open (the records after the first removed line no longer
   * agree with the output and are redone). Call before any append.
   */
  async forget(paths: ReadonlySet<string>): Promise<void> {
    if (paths.size === 0) return;
    if (this.options.layout === 'next-to-inputs') {
      for (const path of paths) this.byPath.delete(path);
      return;
    }
    const output = this.options.output!;
    const bytes = await readFile(output);
    const parts: Buffer[] = [];
    const order: LedgerRecord[] = [];
    let start = 0;
    let end = 0;
    for (const record of this.order) {
      const line = bytes.subarray(start, record.end!);
      start = record.end!;
      if (paths.has(record.path)) {
        this.byPath.delete(record.path);
        continue;
      }
      parts.push(line);
      end += line.length;
      const moved = { ...record, end };
      order.push(moved);
      this.byPath.set(record.path, moved);
    }
    await this.outputHandle?.close();
    writeFileAtomic(output, Buffer.concat(parts));
    this.order = order;
    this.committed = end;
    const header = parseHeader((await readFile(this.options.ledger, 'utf8')).split('\n')[0]);
    this.rewriteLedger(header);
    // The output was replaced: appends go to the new file.
    this.outputHandle = await open(output, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT);
    this.ledgerHandle = await this.reopen(this.ledgerHandle, this.options.ledger);
  }

  private async reopen(handle: FileHandle | undefined, path: string): Promise<FileHandle> {
    await handle?.close();
    return open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT);
  }

  /**
   * Records a finished document: its line (appended to the output, or written atomically beside the input at
   * `besidePath`), then its ledger record. Resolves once both are written; calls run in the order made.
   */
  add(document: Omit<LedgerRecord, 'end' | 'entities'>, entities: readonly Entity[], besidePath?: string): Promise<void> {
    const line = formatAnnotationLine(document.path, entities);
    const next = this.writing.then(async () => {
      const record: LedgerRecord = { ...document, entities: entities.length };
      if (this.options.layout === 'one-file') {
        const bytes = Buffer.from(line, 'utf8');
        await writeAll(this.outputHandle!, bytes);
        this.committed += bytes.length;
        record.end = this.committed;
        this.order.push(record);
      } else {
        if (!besidePath) throw new Error('next-to-inputs: where to write the line?');
        writeFileAtomic(besidePath, line);
      }
      await writeAll(this.ledgerHandle!, Buffer.from(JSON.stringify(record) + '\n', 'utf8'));
      this.byPath.set(record.path, record);
    });
    // A failed write fails this call; the ones after it still run.
    this.writing = next.catch(() => {});
    return next;
  }

  /** Waits for the writes, flushes them to disk and closes the files. */
  async close(): Promise<void> {
    await this.writing;
    for (const handle of [this.outputHandle, this.ledgerHandle]) {
      if (!handle) continue;
      await handle.sync().catch(() => {});
      await handle.close().catch(() => {});
    }
    this.outputHandle = undefined;
    this.ledgerHandle = undefined;
  }
}

/** One write() per call when the kernel takes it all (it does for regular files); more only if it does not. */
async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += (await handle.write(bytes, written, bytes.length - written)).bytesWritten;
}

function parseHeader(line: string | undefined): LedgerHeader | undefined {
  try {
    const value = JSON.parse(line ?? '') as Partial<LedgerHeader>;
    const s = value.settings;
    if (value.ledger !== 'baner-annotate' || value.version !== 1 || (value.layout !== 'one-file' && value.layout !== 'next-to-inputs')) return undefined;
    if (!s || typeof s.model !== 'string' || typeof s.modelHash !== 'string' || typeof s.threshold !== 'number' || (s.adapter !== null && typeof s.adapter !== 'string')) return undefined;
    return value as LedgerHeader;
  } catch {
    return undefined;
  }
}

function parseRecord(line: string, layout: OutputLayout): LedgerRecord | undefined {
  try {
    const r = JSON.parse(line) as Partial<LedgerRecord>;
    const ok =
      typeof r.path === 'string' &&
      Number.isInteger(r.size) &&
      typeof r.mtimeMs === 'number' &&
      typeof r.sha256 === 'string' &&
      Number.isInteger(r.entities) &&
      (layout === 'next-to-inputs' || (Number.isInteger(r.end) && r.end! > 0));
    return ok ? (r as LedgerRecord) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The records, from the first, whose bytes in the output are each one whole line naming their document, in
 * order, without a path twice. The output is cut after the last of them.
 */
function agreeingPrefix(records: readonly LedgerRecord[], output: Buffer): LedgerRecord[] {
  const kept: LedgerRecord[] = [];
  const seen = new Set<string>();
  let start = 0;
  for (const record of records) {
    const end = record.end!;
    if (end <= start || end > output.length || output[end - 1] !== 0x0a || seen.has(record.path)) break;
    const line = output.subarray(start, end - 1);
    if (line.includes(0x0a)) break;
    if (parseAnnotationLine(line.toString('utf8'))?.path !== record.path) break;
    kept.push(record);
    seen.add(record.path);
    start = end;
  }
  return kept;
}
