/**
 * Who a process is, so that what it leaves behind (a lock file, a staging directory) can be judged later: still in
 * use, or left by a process that is gone. A pid alone is not enough, since pids are reused; on Linux the process's
 * start time (field 22 of /proc/<pid>/stat, in clock ticks since boot) tells a reused pid apart. Elsewhere only the
 * pid is checked. A process on another host (a shared file system) cannot be checked and counts as alive.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface ProcessIdentity {
  pid: number;
  host: string;
  /** /proc/<pid>/stat's start time, when the platform has one. */
  startTicks?: string;
}

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces): state is [0], start time [19]. */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

export function ownIdentity(): ProcessIdentity {
  return identityOf(process.pid);
}

/** The identity of a running process (to record a child's). */
export function identityOf(pid: number): ProcessIdentity {
  const ticks = procStat(pid)?.[19];
  return { pid, host: hostname(), ...(ticks !== undefined ? { startTicks: ticks } : {}) };
}

/** Whether the process is still running (false for a zombie, or for its pid reused by another process). */
export function isAlive(identity: ProcessIdentity): boolean {
  if (identity.host !== hostname()) return true;
  try {
    process.kill(identity.pid, 0);
  } catch (error) {
    // EPERM: it exists, but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(identity.pid);
  if (stat === undefined) return true;
  if (stat[0] === 'Z') return false;
  return identity.startTicks === undefined || stat[19] === identity.startTicks;
}

/** Parses an identity written as JSON; undefined when it is not one. */
export function parseIdentity(value: unknown): ProcessIdentity | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { pid, host, startTicks } = value as Partial<ProcessIdentity>;
  if (!Number.isInteger(pid) || (pid as number) <= 0 || typeof host !== 'string') return undefined;
  return { pid: pid as number, host, ...(typeof startTicks === 'string' ? { startTicks } : {}) };
}
