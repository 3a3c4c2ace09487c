/**
 * How a year of snapshots at a 2-hour cadence fits a GitHub Pages site (1 GB) and a store that grows by at most
 * 5 GB a year (docs/site.md, "A year of permalinks"). Two rules, both decided from snapshot ids alone, so every
 * build and every store agree:
 *
 * - Kind. The first snapshot of each UTC day is full: every page, every JSON document. The others of that day
 *   are light: the report, both regression lists, the diff, disruption, data quality, the job list and the small
 *   JSON (summary, compare), but no page per job or test and no snapshot.json.gz. At OpenShift size that is about
 *   a tenth of a full snapshot; a job or test link of a light snapshot leads (through the 404 page) to the same
 *   page of the day's full snapshot.
 * - Tier. With a store browsers can read, the site holds the snapshots of the last `pagesDays` days before the
 *   newest; older ones stay in the store, and the 404 page shows them from there at their own address, the same
 *   bytes. Without one, the site holds every snapshot.
 */
import { isSnapshotId } from '../snapshot/snapshot-id.ts';

export type EntryKind = 'full' | 'light';

/** Whether a light entry keeps this file of its tree (a path relative to /snapshots/<id>/). */
export function keptInLight(rel: string): boolean {
  if (rel === 'snapshot.json.gz') return false;
  if (rel.startsWith('tests/')) return false;
  // jobs/index.html (the sortable list) stays; jobs/<job>/… goes.
  return !/^jobs\/[^/]+\/./.test(rel);
}

/** The UTC day of a snapshot id ("2026-11-28"). */
export function dayOf(id: string): string {
  return id.slice(0, 10);
}

/** The instant of a snapshot id, epoch ms. */
function timeOf(id: string): number {
  if (!isSnapshotId(id)) throw new RangeError(`"${id}" is not a snapshot id`);
  return Date.parse(`${id.slice(0, 13)}:${id.slice(13, 15)}:00Z`);
}

/**
 * The kind of each new snapshot: light when another snapshot of its UTC day comes before it (among `known`, the ids
 * already archived or in the store, and the new ones), unless `intraDay` is 'full'. The first of a day is thus
 * always full, so "the first snapshot of the day" is where a light one's job and test pages are.
 */
export function kindsFor(newIds: readonly string[], known: Iterable<string>, intraDay: EntryKind): Map<string, EntryKind> {
  const firstOfDay = new Map<string, string>();
  for (const id of [...known, ...newIds]) {
    const day = dayOf(id);
    const first = firstOfDay.get(day);
    if (first === undefined || id < first) firstOfDay.set(day, id);
  }
  return new Map(newIds.map((id) => [id, intraDay === 'full' || firstOfDay.get(dayOf(id)) === id ? 'full' : 'light']));
}

/** The ids the site holds: those within `days` days before the newest (all of them when `days` is null). */
export function onSite(ids: readonly string[], days: number | null): Set<string> {
  if (days === null || ids.length === 0) return new Set(ids);
  const newest = Math.max(...ids.map(timeOf));
  const from = newest - days * 86_400_000;
  return new Set(ids.filter((id) => timeOf(id) > from));
}
