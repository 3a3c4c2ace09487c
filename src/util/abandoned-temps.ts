/**
 * Temporary files a process killed mid-write leaves behind, named with its pid: removed once that process is gone.
 * Writers name them so (write-atomic.ts, output-lock.ts), and each directory's owner sweeps its own.
 */
import { readdir, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { isAlive } from './process-identity.ts';

/** Removes the files of `dir` for which `pidOf` names a process no longer running on this host. */
export async function removeAbandonedTemps(dir: string, pidOf: (name: string) => number | undefined): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = pidOf(name);
    if (pid !== undefined && !isAlive({ pid, host: hostname() })) await unlink(path.join(dir, name)).catch(() => {});
  }
}
