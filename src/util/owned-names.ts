/**
 * Temporary files and folders named after the process that made them (`<prefix><pid>.<start>-<random>`), so that
 * what a killed process left can be told from what a running one is using, and removed on the next start.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { isAlive, ownIdentity, type ProcessIdentity } from './process-identity.ts';
import { hostname } from 'node:os';

/** `<pid>.<start ticks>`: this process, as owned names carry it. */
export function ownerTag(): string {
  const me = ownIdentity();
  return `${me.pid}.${me.startTicks ?? '0'}`;
}

/** The owner an owned name carries after `prefix`, or undefined when the name is not one. */
function ownerOf(name: string, prefix: string): ProcessIdentity | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const m = /^(\d+)\.(\d+)-/.exec(name.slice(prefix.length));
  if (!m) return undefined;
  return { pid: Number(m[1]), host: hostname(), ...(m[2] !== '0' ? { startTicks: m[2]! } : {}) };
}

/**
 * Removes the entries of `dir` named `<prefix><owner>-…` whose owner is no longer running; returns their names.
 * `also` runs first for each (e.g. to stop a child process the dead owner recorded there).
 */
export async function removeAbandoned(dir: string, prefix: string, also?: (entry: string) => Promise<void>): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const owner = ownerOf(name, prefix);
    if (owner === undefined || isAlive(owner)) continue;
    await also?.(path.join(dir, name));
    await rm(path.join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
