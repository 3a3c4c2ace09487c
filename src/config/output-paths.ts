/** Where things go: the project's own folders by default, or under --out. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface OutputPaths {
  snapshots: string;
  archive: string;
  site: string;
  cache: string;
  /** The lock file that lets one run at a time fetch, analyse and build into these folders. */
  lock: string;
  /** What alerts were delivered (issue numbers, messages sent), kept between runs beside the snapshots. */
  alerts: string;
}

export function outputPaths(out: string | undefined, cache: string | undefined): OutputPaths {
  const base = out ? path.resolve(out) : undefined;
  return {
    snapshots: base ? path.join(base, 'snapshots') : path.join(PROJECT_ROOT, 'data', 'snapshots'),
    archive: base ? path.join(base, 'archive') : path.join(PROJECT_ROOT, 'data', 'archive'),
    site: base ? path.join(base, 'site') : path.join(PROJECT_ROOT, 'dist'),
    cache: cache ? path.resolve(cache) : base ? path.join(base, 'cache') : path.join(PROJECT_ROOT, '.cache', 'ratchet'),
    lock: base ? path.join(base, '.ratchet.lock') : path.join(PROJECT_ROOT, 'data', '.ratchet.lock'),
    alerts: base ? path.join(base, 'alerts', 'state.json') : path.join(PROJECT_ROOT, 'data', 'alerts', 'state.json'),
  };
}
