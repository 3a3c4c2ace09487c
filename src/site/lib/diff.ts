/**
 * What changed between two snapshots. One pure function serves both the diff page rendered with each
 * snapshot (against the one before it) and the browser's "compare any two" page, which fetches two
 * published compare.json documents and runs the same code, so both always agree.
 *
 * compare.json is published with every snapshot and never rewritten, so COMPARE_VERSION only grows:
 * newer code must keep reading older documents.
 */
import type { RegressionStatus, Snapshot, TestRegression } from '../../snapshot/schema.ts';
import { regressionHref } from './links.ts';
import { forMode, allOf, regressionGroup, regressionTitle } from './regressions.ts';

const COMPARE_VERSION = 1;

interface CompareJob {
  name: string;
  variantKey: string;
  status: string;
  /** Current-window pass rate, 0..1; null without finished runs. */
  passRate: number | null;
  /** Finished runs behind the rate (success + failure + error). */
  finished: number;
}

/** A regression as the compare page needs it (default mode of its snapshot only). */
export interface CompareRegression {
  id: string;
  kind: 'test' | 'job' | 'disruption';
  title: string;
  group: string;
  status: RegressionStatus;
  severity: TestRegression['severity'];
  /** Site path of the page the regression's subject lives on in its own snapshot. */
  href: string;
}

interface CompareCell {
  backend: string;
  variantKey: string;
  runs: number;
  p50: number;
  p95: number;
}

export interface CompareInput {
  compareVersion: typeof COMPARE_VERSION;
  id: string;
  asOf: string;
  runsRead: number;
  jobs: CompareJob[];
  /** Absent for snapshots analysed before regressions existed. */
  regressionMode?: string;
  regressions?: CompareRegression[];
  disruption?: CompareCell[];
}

export function compareInput(snapshot: Snapshot): CompareInput {
  const mode = snapshot.regressions?.settings.defaultMode;
  const extra: Partial<CompareInput> = {};
  if (mode) {
    extra.regressionMode = mode;
    extra.regressions = allOf(forMode(snapshot, mode)).map((r) => ({
      id: r.id,
      kind: r.kind,
      title: regressionTitle(r),
      group: regressionGroup(r),
      status: r.status,
      severity: r.severity,
      href: regressionHref(snapshot.id, r, mode),
    }));
  }
  if (snapshot.disruption) {
    extra.disruption = snapshot.disruption
      .filter((c) => c.current && !c.excluded)
      .map((c) => ({ backend: c.backend, variantKey: c.variantKey, runs: c.current!.runs, p50: c.current!.p50, p95: c.current!.p95 }));
  }
  return {
    ...extra,
    compareVersion: COMPARE_VERSION,
    id: snapshot.id,
    asOf: snapshot.asOf,
    runsRead: snapshot.coverage.runsRead,
    jobs: snapshot.jobs.map((j) => ({
      name: j.name,
      variantKey: j.variantKey,
      status: j.status,
      passRate: j.current.passRate,
      finished: j.current.success + j.current.failure + j.current.error,
    })),
  };
}

export interface JobChange {
  name: string;
  variantKey: string;
  before: number | null;
  after: number | null;
  finishedBefore: number;
  finishedAfter: number;
  /** after − before in percentage points; null when either side has no rate. */
  delta: number | null;
  statusBefore: string;
  statusAfter: string;
}

export interface SnapshotDiff {
  from: { id: string; asOf: string; runsRead: number };
  to: { id: string; asOf: string; runsRead: number };
  /** Jobs in both, largest pass-rate change first (at most `limit`). */
  jobChanges: JobChange[];
  /** Jobs in both whose rate is known on both sides. */
  jobsCompared: number;
  jobsAdded: string[];
  jobsRemoved: string[];
  /** Jobs whose status word changed, e.g. passing → failing. */
  statusChanges: JobChange[];
  /** Regressions active (new or open) in `to` but not in `from`; undefined when either has none recorded. */
  regressions?: { appeared: CompareRegression[]; resolved: CompareRegression[]; stillOpen: CompareRegression[] };
  /** Disruption cells in both, largest change of P95 first. */
  disruptionChanges?: DisruptionChange[];
}

export interface DisruptionChange {
  backend: string;
  variantKey: string;
  before: number;
  after: number;
  /** after − before P95, seconds. */
  delta: number;
  runsBefore: number;
  runsAfter: number;
}

const DIFF_LIMIT = 25;

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** Differences from `from` (older) to `to` (newer). Pure: no dates, no locale. */
export function diffSnapshots(from: CompareInput, to: CompareInput, limit = DIFF_LIMIT): SnapshotDiff {
  const before = new Map(from.jobs.map((j) => [j.name, j]));
  const after = new Map(to.jobs.map((j) => [j.name, j]));
  const changes: JobChange[] = [];
  for (const job of to.jobs) {
    const old = before.get(job.name);
    if (!old) continue;
    changes.push({
      name: job.name,
      variantKey: job.variantKey,
      before: old.passRate,
      after: job.passRate,
      finishedBefore: old.finished,
      finishedAfter: job.finished,
      delta: old.passRate === null || job.passRate === null ? null : round1((job.passRate - old.passRate) * 100),
      statusBefore: old.status,
      statusAfter: job.status,
    });
  }
  const known = changes.filter((c) => c.delta !== null);
  const extra: Pick<SnapshotDiff, 'regressions' | 'disruptionChanges'> = {};
  if (from.regressions && to.regressions) {
    const active = (list: CompareRegression[]) => new Map(list.filter((r) => r.status !== 'resolved').map((r) => [r.id, r]));
    const was = active(from.regressions);
    const is = active(to.regressions);
    extra.regressions = {
      appeared: [...is.values()].filter((r) => !was.has(r.id)),
      // Link a resolved regression to where it was shown: the older snapshot.
      resolved: [...was.values()].filter((r) => !is.has(r.id)),
      stillOpen: [...is.values()].filter((r) => was.has(r.id)),
    };
  }
  if (from.disruption && to.disruption) {
    const old = new Map(from.disruption.map((c) => [`${c.backend}\u0000${c.variantKey}`, c]));
    extra.disruptionChanges = to.disruption
      .flatMap((c) => {
        const o = old.get(`${c.backend}\u0000${c.variantKey}`);
        if (!o) return [];
        return [
          {
            backend: c.backend,
            variantKey: c.variantKey,
            before: o.p95,
            after: c.p95,
            delta: Math.round((c.p95 - o.p95) * 100) / 100,
            runsBefore: o.runs,
            runsAfter: c.runs,
          },
        ];
      })
      .filter((c) => c.delta !== 0)
      .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta) || a.backend.localeCompare(b.backend) || a.variantKey.localeCompare(b.variantKey))
      .slice(0, limit);
  }
  const byMagnitude = [...known].sort((a, b) => Math.abs(b.delta!) - Math.abs(a.delta!) || a.name.localeCompare(b.name));
  return {
    from: { id: from.id, asOf: from.asOf, runsRead: from.runsRead },
    to: { id: to.id, asOf: to.asOf, runsRead: to.runsRead },
    jobChanges: byMagnitude.filter((c) => c.delta !== 0).slice(0, limit),
    jobsCompared: known.length,
    jobsAdded: to.jobs
      .filter((j) => !before.has(j.name))
      .map((j) => j.name)
      .sort(),
    jobsRemoved: from.jobs
      .filter((j) => !after.has(j.name))
      .map((j) => j.name)
      .sort(),
    statusChanges: changes.filter((c) => c.statusBefore !== c.statusAfter).sort((a, b) => a.name.localeCompare(b.name)),
    ...extra,
  };
}

/** Shape check for compare.json fetched by the browser: it is data, so check before use. */
export function isCompareInput(value: unknown): value is CompareInput {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v.compareVersion === COMPARE_VERSION &&
    typeof v.id === 'string' &&
    typeof v.asOf === 'string' &&
    typeof v.runsRead === 'number' &&
    Array.isArray(v.jobs) &&
    v.jobs.every((j: unknown) => {
      if (typeof j !== 'object' || j === null) return false;
      const r = j as Record<string, unknown>;
      return (
        typeof r.name === 'string' &&
        typeof r.variantKey === 'string' &&
        typeof r.status === 'string' &&
        (r.passRate === null || typeof r.passRate === 'number') &&
        typeof r.finished === 'number'
      );
    }) &&
    (v.regressions === undefined ||
      (Array.isArray(v.regressions) &&
        v.regressions.every((r: unknown) => {
          if (typeof r !== 'object' || r === null) return false;
          const x = r as Record<string, unknown>;
          return ['id', 'kind', 'title', 'group', 'status', 'severity', 'href'].every((k) => typeof x[k] === 'string');
        }))) &&
    (v.disruption === undefined ||
      (Array.isArray(v.disruption) &&
        v.disruption.every((c: unknown) => {
          if (typeof c !== 'object' || c === null) return false;
          const x = c as Record<string, unknown>;
          return typeof x.backend === 'string' && typeof x.variantKey === 'string' && ['runs', 'p50', 'p95'].every((k) => typeof x[k] === 'number');
        })))
  );
}
