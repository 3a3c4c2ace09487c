/**
 * Snapshots only the archive store holds (older than the site's tier, store/tiers.ts): the build passes their ids
 * in a file named by RATCHET_ARCHIVE_CATALOG ({"elsewhere": [ids]}), and /snapshots/archive/ lists them by day.
 * Their addresses work through the 404 page (scripts/archive-fallback.ts). Without the variable (a plain `astro
 * build`, or a site that holds every snapshot) there are none.
 */
import { readFileSync } from 'node:fs';

export interface ArchivedDay {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  /** Snapshot ids of that day, oldest first. */
  ids: string[];
}

/** Ids only the store holds, newest day first; read once per build. */
let cached: ArchivedDay[] | undefined;
export function storeOnlyDays(env: NodeJS.ProcessEnv = process.env): ArchivedDay[] {
  if (cached) return cached;
  const file = env.RATCHET_ARCHIVE_CATALOG?.trim();
  const ids = file ? ((JSON.parse(readFileSync(file, 'utf8')) as { elsewhere?: unknown }).elsewhere ?? []) : [];
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{4}Z$/.test(id)))
    throw new Error(`${file}: "elsewhere" must be a list of snapshot ids`);
  const days = new Map<string, string[]>();
  for (const id of [...(ids as string[])].sort()) days.set(id.slice(0, 10), [...(days.get(id.slice(0, 10)) ?? []), id]);
  cached = [...days].map(([day, list]) => ({ day, ids: list })).reverse();
  return cached;
}
