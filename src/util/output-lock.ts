/**
 * One run at a time per output directory: a lock file that holds its holder's identity (pid, host, process start
 * time) and when it took the lock. A second run waits until the file is gone; a file whose holder is no longer
 * running (killed, crashed) is stale and is taken over.
 *
 * The file appears with its content in one step (written elsewhere, then hard-linked into place, which fails when
 * the name exists), so a reader never sees it empty. Breaking a stale lock is itself guarded by a short-lived
 * second file (`<lock>.break`): only its holder may delete the lock, and only after reading it again and finding
 * the same stale content, so two waiters that both found a dead holder cannot delete a lock a third one just took.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, open, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { removeAbandonedTemps } from './abandoned-temps.ts';
import { isAlive, ownIdentity, parseIdentity, type ProcessIdentity } from './process-identity.ts';

interface LockContent extends ProcessIdentity {
  /** When the lock was taken (ISO 8601). */
  since: string;
  /** What the holder is doing, for the message of whoever waits ("ratchet run"). */
  command: string;
  /** Tells this taking of the lock from any other, even by the same process. */
  token: string;
}

interface LockHolder {
  pid: number;
  host: string;
  since: string;
  command: string;
}

export interface HeldLock {
  readonly file: string;
  /** Removes the lock file if it is still this holder's. */
  release(): Promise<void>;
  /** The same, synchronously (for process 'exit' handlers). */
  releaseSync(): void;
}

export interface LockOptions {
  /** Shown to whoever waits for this lock. */
  command: string;
  /** Called once, when the lock is taken by another live process and this call starts waiting. */
  onWait?: (holder: LockHolder) => void;
  /** Longest pause between two looks at the lock (default 500 ms). */
  pollMs?: number;
}

/** A breaker file older than this was left by a process killed while breaking a lock (it takes milliseconds). */
const STALE_BREAKER_MS = 10_000;

/** A lock file that does not parse is taken for stale only when older than this (it may be being written). */
const UNREADABLE_GRACE_MS = 5_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Takes the lock, waiting for a live holder to finish and taking over from a dead one. */
export async function acquireLock(file: string, options: LockOptions): Promise<HeldLock> {
  await mkdir(path.dirname(file), { recursive: true });
  const content: LockContent = { ...ownIdentity(), since: new Date().toISOString(), command: options.command, token: randomBytes(8).toString('hex') };
  const text = `${JSON.stringify(content)}\n`;
  let waited = false;
  let pause = 25;
  for (;;) {
    if (await tryCreate(file, text)) {
      // What tryCreate of a taker killed between writing its temporary file and removing it left; only the holder
      // sweeps, so a live waiter's file stays.
      const prefix = `${path.basename(file)}.`;
      await removeAbandonedTemps(path.dirname(file), (name) => {
        const pid = name.startsWith(prefix) ? /^(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name.slice(prefix.length))?.[1] : undefined;
        return pid === undefined ? undefined : Number(pid);
      });
      return held(file, content.token);
    }
    const raw = await readFile(file, 'utf8').catch(() => undefined);
    if (raw === undefined) continue; // released meanwhile
    const holder = parseHolder(raw);
    if (holder === undefined ? await olderThan(file, UNREADABLE_GRACE_MS) : !isAlive(holder)) {
      await breakStale(file, raw);
      continue;
    }
    if (holder === undefined) {
      await sleep(100);
      continue;
    }
    if (!waited) {
      waited = true;
      options.onWait?.({ pid: holder.pid, host: holder.host, since: holder.since, command: holder.command });
    }
    await sleep(pause);
    pause = Math.min(pause * 2, options.pollMs ?? 500);
  }
}

/**
 * Creates the lock file with its content in one step; false when it exists. Where hard links are not supported the
 * file is created empty and then written (a reader gives an unreadable lock file UNREADABLE_GRACE_MS).
 */
async function tryCreate(file: string, text: string): Promise<boolean> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, text);
  try {
    await link(temp, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
  try {
    await writeFile(file, text, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function olderThan(file: string, ms: number): Promise<boolean> {
  const info = await stat(file).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs > ms;
}

function parseHolder(raw: string): (ProcessIdentity & { since: string; command: string }) | undefined {
  try {
    const parsed = JSON.parse(raw) as Partial<LockContent>;
    const identity = parseIdentity(parsed);
    if (!identity) return undefined;
    return {
      ...identity,
      since: typeof parsed.since === 'string' ? parsed.since : '?',
      command: typeof parsed.command === 'string' ? parsed.command : 'ratchet',
    };
  } catch {
    return undefined;
  }
}

/** Deletes the lock if it still holds `staleRaw`, under the breaker file; a live breaker means: look again later. */
async function breakStale(file: string, staleRaw: string): Promise<void> {
  const breaker = `${file}.break`;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(breaker, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const info = await stat(breaker).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > STALE_BREAKER_MS) await unlink(breaker).catch(() => {});
    else await sleep(20);
    return;
  }
  try {
    const now = await readFile(file, 'utf8').catch(() => undefined);
    if (now === staleRaw) await unlink(file).catch(() => {});
  } finally {
    await handle.close();
    await unlink(breaker).catch(() => {});
  }
}

function held(file: string, token: string): HeldLock {
  const ours = (raw: string | undefined): boolean => raw?.includes(`"token":"${token}"`) === true;
  let released = false;
  return {
    file,
    async release() {
      if (released) return;
      released = true;
      if (ours(await readFile(file, 'utf8').catch(() => undefined))) await unlink(file).catch(() => {});
    },
    releaseSync() {
      if (released) return;
      released = true;
      let raw: string | undefined;
      try {
        raw = readFileSync(file, 'utf8');
      } catch {
        return;
      }
      if (ours(raw)) {
        try {
          unlinkSync(file);
        } catch {
          // gone already
        }
      }
    },
  };
}
