/**
 * Regression lifecycle: a stable id per regression, and its status carried from snapshot to
 * snapshot. The previous snapshot (the newest one before this as-of) is an input of the analysis,
 * so the same records, as-of, config and previous snapshot give the same result.
 *
 *   regressed now, open before        → open (firstSeen carried over)
 *   regressed now, not open before    → new (firstSeen = this as-of)
 *   open before, not regressed now    → resolved (resolvedAt = this as-of)
 *   resolved before, not regressed    → listed unchanged until keepResolvedDays after resolvedAt (ratchet mode: at
 *                                       least the longest scan window)
 */
import { createHash } from 'node:crypto';
import type { Snapshot } from '../snapshot/schema.ts';
import { DAY_MS } from '../util/time.ts';

export type RegressionKind = 'test' | 'job' | 'disruption';

export function regressionId(mode: string, kind: RegressionKind, subject: string, group: string): string {
  return createHash('sha256').update(`${mode}\u0000${kind}\u0000${subject}\u0000${group}`).digest('hex').slice(0, 12);
}

export interface Lifecycle {
  status: 'new' | 'open' | 'resolved';
  firstSeen: string;
  lastSeen: string;
  resolvedAt: string | null;
}

type Tracked = Lifecycle & { id: string };

/** Regressions of one kind in the previous snapshot, by id. */
export function previousRegressions<K extends 'tests' | 'jobs' | 'disruption'>(
  previous: Snapshot | null | undefined,
  kind: K,
): Map<string, NonNullable<Snapshot['regressions']>[K][number]> {
  const map = new Map<string, NonNullable<Snapshot['regressions']>[K][number]>();
  for (const r of previous?.regressions?.[kind] ?? []) map.set(r.id, r);
  return map;
}

export function isOpen(entry: Tracked | undefined): boolean {
  return entry !== undefined && entry.status !== 'resolved';
}

/** The lifecycle of a regression flagged in this snapshot. */
export function flagged(previous: Tracked | undefined, asOf: string): Lifecycle {
  return isOpen(previous)
    ? { status: 'open', firstSeen: previous!.firstSeen, lastSeen: asOf, resolvedAt: null }
    : { status: 'new', firstSeen: asOf, lastSeen: asOf, resolvedAt: null };
}

/** The lifecycle of a regression open before and not flagged now. */
export function resolved(previous: Tracked, asOf: string): Lifecycle {
  return { status: 'resolved', firstSeen: previous.firstSeen, lastSeen: previous.lastSeen, resolvedAt: asOf };
}

/**
 * Whether a regression resolved earlier is still listed at `asOf`: for keepResolvedDays, and a ratchet-mode one for
 * at least `ratchetAtLeastMs` (the longest scan window). Its resolution instant has to reach the next snapshots for
 * that long: until then a longer window still holds the runs it was flagged for, and only the windows that start
 * after the resolution may flag it anew.
 */
export function stillListed(previous: Tracked & { mode: string }, asOf: string, keepResolvedDays: number, ratchetAtLeastMs = 0): boolean {
  if (previous.status !== 'resolved' || previous.resolvedAt === null) return false;
  const keep = Math.max(keepResolvedDays * DAY_MS, previous.mode === 'ratchet' ? ratchetAtLeastMs : 0);
  return Date.parse(asOf) - Date.parse(previous.resolvedAt) < keep;
}

/**
 * How many scan windows (shortest first, all ending at as-of) start at or after the resolution of the cell's
 * regression in the previous snapshot: only they may flag it anew, since a longer one still holds the runs it was
 * flagged for. undefined when it has no resolution with a readable instant (no restriction).
 */
export function freshWindowsAfter(
  previous: { status: string; resolvedAt: string | null } | undefined,
  scan: ReadonlyArray<{ start: number }>,
): number | undefined {
  const resolvedAt = previous?.status === 'resolved' && previous.resolvedAt !== null ? Date.parse(previous.resolvedAt) : NaN;
  if (Number.isNaN(resolvedAt)) return undefined;
  return scan.filter((w) => w.start >= resolvedAt).length;
}

/** The longest scan window's length: how long a resolved ratchet-mode regression stays listed at least. */
export function longestScanMs(scan: ReadonlyArray<{ start: number; end: number }>): number {
  return scan.reduce((longest, w) => Math.max(longest, w.end - w.start), 0);
}

const STATUS_ORDER = { new: 0, open: 1, resolved: 2 } as const;
const MODE_ORDER: Readonly<Record<string, number>> = { ratchet: 0, compatible: 1 };

/** Sort order of regression lists: ratchet first; new, open, resolved; extreme first; strongest evidence first. */
export function compareRegressions(
  a: Tracked & { mode: string; severity: string; q: number | null; p: number | null; drop?: number },
  b: Tracked & { mode: string; severity: string; q: number | null; p: number | null; drop?: number },
): number {
  return (
    MODE_ORDER[a.mode]! - MODE_ORDER[b.mode]! ||
    STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
    (a.severity === b.severity ? 0 : a.severity === 'extreme' ? -1 : 1) ||
    (a.q ?? 2) - (b.q ?? 2) ||
    (a.p ?? 2) - (b.p ?? 2) ||
    (b.drop ?? 0) - (a.drop ?? 0) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}
