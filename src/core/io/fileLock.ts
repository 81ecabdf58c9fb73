// An exclusive lock between processes (two VS Code windows on one folder, the command line): a lock file
// created with O_EXCL, so that exactly one creator wins, holding who took it and when. A lock whose holder is
// gone (its process no longer runs on this machine) or that is older than `staleMs` is taken over; the lock
// is released in `finally`, and only if it is still ours.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { lstat, open, readFile, rename, rm, link } from 'node:fs/promises';

export interface LockOptions {
  /** A lock held longer than this is taken for the leftover of a crash. */
  staleMs?: number;
  /** Give up (LockTimeoutError) after waiting this long. */
  timeoutMs?: number;
}

/** Writes under a lock take milliseconds; a lock this old was left by a process that died or hung. */
const DEFAULT_STALE_MS = 10_000;
const DEFAULT_TIMEOUT_MS = 20_000;

export class LockTimeoutError extends Error {
  constructor(readonly lockPath: string, holder: string) {
    super(`${lockPath} is held by another program (${holder}); try again when it has finished`);
    this.name = 'LockTimeoutError';
  }
}

interface Holder {
  pid: number;
  host: string;
  time: number;
  token: string;
}

/** Runs `run` while holding the lock file `lockPath` (its folder must exist). */
export async function withFileLock<T>(lockPath: string, run: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const token = await acquire(lockPath, options.staleMs ?? DEFAULT_STALE_MS, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  try {
    return await run();
  } finally {
    await release(lockPath, token);
  }
}

async function acquire(lockPath: string, staleMs: number, timeoutMs: number): Promise<string> {
  const token = randomBytes(8).toString('hex');
  const holder: Holder = { pid: process.pid, host: hostname(), time: Date.now(), token };
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      try {
        await handle.writeFile(JSON.stringify(holder));
      } finally {
        await handle.close();
      }
      return token;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const seen = await inspect(lockPath);
    if (seen && isStale(seen, staleMs)) {
      await takeOver(lockPath, seen.ino);
      continue;
    }
    if (Date.now() > deadline) throw new LockTimeoutError(lockPath, seen?.holder ? `process ${seen.holder.pid} on ${seen.holder.host} since ${new Date(seen.holder.time).toISOString()}` : 'unknown');
    // Short, jittered waits: the holder is done within milliseconds, and waiters should not move in step.
    await sleep(Math.min(50, 2 + attempt) * (0.5 + Math.random()));
  }
}

interface Seen {
  ino: number;
  mtimeMs: number;
  holder: Holder | undefined;
}

/** The lock file as it is now; undefined when it is gone. */
async function inspect(lockPath: string): Promise<Seen | undefined> {
  try {
    const info = await lstat(lockPath);
    let holder: Holder | undefined;
    try {
      const parsed = JSON.parse(await readFile(lockPath, 'utf8')) as Partial<Holder>;
      if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.time === 'number' && typeof parsed.token === 'string') holder = parsed as Holder;
    } catch {
      // Being written (empty) or garbage: judged by its age alone.
    }
    return { ino: info.ino, mtimeMs: info.mtimeMs, holder };
  } catch {
    return undefined;
  }
}

function isStale(seen: Seen, staleMs: number): boolean {
  if (Date.now() - seen.mtimeMs > staleMs) return true;
  return seen.holder !== undefined && seen.holder.host === hostname() && !processRuns(seen.holder.pid);
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // it runs, as another user
  }
}

/**
 * Removes a stale lock. Moving it aside first is atomic: of several processes taking over at once, one moves it,
 * the others find it gone. If what was moved is not the lock judged stale (it was replaced meanwhile), it is put
 * back unless a newer lock is there already.
 */
async function takeOver(lockPath: string, staleIno: number): Promise<void> {
  const aside = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(lockPath, aside);
  } catch {
    return; // someone else took it over first
  }
  try {
    const moved = await lstat(aside);
    if (moved.ino !== staleIno) await link(aside, lockPath).catch(() => {});
  } finally {
    await rm(aside, { force: true });
  }
}

async function release(lockPath: string, token: string): Promise<void> {
  const seen = await inspect(lockPath);
  // Taken over meanwhile (we held it past staleMs): that lock is someone else's now.
  if (seen?.holder?.token !== token) return;
  await rm(lockPath, { force: true });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
