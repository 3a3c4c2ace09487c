/**
 * Presentation-only views of a snapshot: ordering and selections the pages share. Nothing here
 * recomputes statistics; the analysis owns those and the site only picks and sorts.
 */
import type { DataQuality, FailureGroup, JobSummary, Snapshot, TestBreakdown, TestSummary, VariantGroup } from '../../snapshot/schema.ts';

/** A snapshot that read no runs says nothing about health, so the site must not show it as good. */
export function hasData(snapshot: Snapshot): boolean {
  return snapshot.coverage.runsRead > 0;
}

const SEVERITY: Record<JobSummary['status'], number> = { failing: 0, degraded: 1, stale: 2, passing: 3 };

/** Worst first: failing, degraded, stale, passing; then lowest pass rate; then name. */
export function jobsByConcern(jobs: readonly JobSummary[]): JobSummary[] {
  return [...jobs].sort(
    (a, b) => SEVERITY[a.status] - SEVERITY[b.status] || (a.current.passRate ?? 2) - (b.current.passRate ?? 2) || a.name.localeCompare(b.name),
  );
}

/** Job statuses that occur in `jobs`, worst first: the choices of the jobs table's status filter. */
export function jobStatusesIn(jobs: readonly Pick<JobSummary, 'status'>[]): JobSummary['status'][] {
  return (Object.keys(SEVERITY) as JobSummary['status'][]).sort((a, b) => SEVERITY[a] - SEVERITY[b]).filter((s) => jobs.some((j) => j.status === s));
}

/** Variant groups worst first, by the same rule as jobs: status, then lowest pass rate, then key. */
export function variantGroupsByConcern(groups: readonly VariantGroup[]): VariantGroup[] {
  return [...groups].sort(
    (a, b) => SEVERITY[a.status] - SEVERITY[b.status] || (a.current.passRate ?? 2) - (b.current.passRate ?? 2) || a.variantKey.localeCompare(b.variantKey),
  );
}

/** Jobs that are not passing, worst first: what the report shows before the full jobs page. */
export function jobsNeedingAttention(jobs: readonly JobSummary[]): JobSummary[] {
  return jobsByConcern(jobs.filter((j) => j.status !== 'passing'));
}

export const TOP_JOBS = 25;
export const TOP_TESTS = 10;

/** Tests with the most failures in the current window. */
export function topFailingTests(snapshot: Snapshot, limit = TOP_TESTS): TestSummary[] {
  return snapshot.tests
    .filter((t) => t.current.failures > 0)
    .sort((a, b) => b.current.failures - a.current.failures || (a.current.passRate ?? 2) - (b.current.passRate ?? 2) || a.name.localeCompare(b.name))
    .slice(0, limit);
}

/** Tests with the most flakes (failed, then passed on retry) in the current window. */
export function topFlakyTests(snapshot: Snapshot, limit = TOP_TESTS): TestSummary[] {
  return snapshot.tests
    .filter((t) => t.current.flakes > 0)
    .sort((a, b) => b.current.flakes - a.current.flakes || (b.current.flakeRate ?? 0) - (a.current.flakeRate ?? 0) || a.name.localeCompare(b.name))
    .slice(0, limit);
}

/**
 * At most this many test pages per snapshot (env RATCHET_MAX_TEST_PAGES overrides). At OpenShift size
 * a third of 10,000 tests fail or flake at least once a week; a page for each would add ~70 MB per
 * daily snapshot, so the site pages the tests that matter most and lists the rest with their numbers
 * (every listed test stays in snapshot.json.gz). Regressed tests always get a page.
 */
const DEFAULT_MAX_TEST_PAGES = 150;

export function maxTestPages(env: Record<string, string | undefined> = process.env): number {
  const raw = env.RATCHET_MAX_TEST_PAGES;
  const n = raw === undefined || raw === '' ? DEFAULT_MAX_TEST_PAGES : Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`RATCHET_MAX_TEST_PAGES="${raw}": expected a whole number of pages (0 or more)`);
  return n;
}

const pagedCache = new WeakMap<Snapshot, Map<number, TestSummary[]>>();

/**
 * Tests that get a page: every test that regressed (in either mode, even if resolved since), then the
 * tests that failed or flaked in the current window, most failures first, up to the page budget. A
 * test that only failed in the previous window has recovered and gets no page of its own.
 */
/** Ids of the tests that have a page, for linking only where a page exists. */
export function pagedTestIds(snapshot: Snapshot): ReadonlySet<string> {
  return new Set(testsWithPages(snapshot).map((t) => t.id));
}

export function testsWithPages(snapshot: Snapshot, limit = maxTestPages()): TestSummary[] {
  let byLimit = pagedCache.get(snapshot);
  if (!byLimit) pagedCache.set(snapshot, (byLimit = new Map()));
  const cached = byLimit.get(limit);
  if (cached) return cached;
  // Regressed tests and the home page's top failing and top flaky lists always get their page.
  const regressed = new Set((snapshot.regressions?.tests ?? []).map((r) => r.testId));
  for (const t of [...topFailingTests(snapshot), ...topFlakyTests(snapshot)]) regressed.add(t.id);
  const always = snapshot.tests.filter((t) => regressed.has(t.id));
  const rest = testsByConcern(snapshot.tests.filter((t) => !regressed.has(t.id) && t.current.failures + t.current.flakes > 0));
  const chosen = new Set([...always, ...rest.slice(0, Math.max(0, limit - always.length))].map((t) => t.id));
  // Keep the snapshot's own order so pages and lists stay stable.
  const paged = snapshot.tests.filter((t) => chosen.has(t.id));
  byLimit.set(limit, paged);
  return paged;
}

/** Every listed test, most current failures first, then most flakes, then lowest working rate. */
export function testsByConcern(tests: readonly TestSummary[]): TestSummary[] {
  return [...tests].sort(
    (a, b) =>
      b.current.failures - a.current.failures ||
      b.current.flakes - a.current.flakes ||
      (a.current.workingRate ?? 2) - (b.current.workingRate ?? 2) ||
      a.name.localeCompare(b.name),
  );
}

/** Problems of one run, to flag incomplete runs on job pages. */
export function problemsForRun(snapshot: Snapshot, job: string, buildId: string): number {
  return snapshot.dataQuality.problems.filter((p) => p.job === job && p.buildId === buildId).length;
}

export interface TestInJob {
  test: TestSummary;
  failures: number;
  flakes: number;
  runs: number;
}

/** Tests that failed or flaked in one job's current window, most failures first. */
export function testsInJob(snapshot: Snapshot, job: string, limit = 25): TestInJob[] {
  const out: TestInJob[] = [];
  for (const test of snapshot.tests) {
    const row = test.byJob.find((b) => b.key === job);
    if (row && row.current.failures + row.current.flakes > 0) {
      out.push({ test, failures: row.current.failures, flakes: row.current.flakes, runs: row.current.runs });
    }
  }
  return out.sort((a, b) => b.failures - a.failures || b.flakes - a.flakes || a.test.name.localeCompare(b.test.name)).slice(0, limit);
}

export interface BreakdownRows {
  /** Rows where the test failed or flaked in either window: most current failures, then flakes, then key. */
  troubled: TestBreakdown[];
  /** How many rows passed every run in both windows, and their runs in the current window. */
  clean: number;
  cleanRuns: number;
}

/**
 * A test's results by job or by variant, split for its page: a conformance test runs in a hundred
 * jobs, and a hundred rows of 100 % would bury the few that matter, so only the troubled rows are
 * listed and the clean ones are counted.
 */
export function breakdownRows(rows: readonly TestBreakdown[]): BreakdownRows {
  const troubled = (r: TestBreakdown) => r.current.failures + r.current.flakes + r.previous.failures + r.previous.flakes > 0;
  const clean = rows.filter((r) => !troubled(r));
  return {
    troubled: rows
      .filter(troubled)
      .sort((a, b) => b.current.failures - a.current.failures || b.current.flakes - a.current.flakes || a.key.localeCompare(b.key)),
    clean: clean.length,
    cleanRuns: clean.reduce((n, r) => n + r.current.runs, 0),
  };
}

/** Failure groups, largest first; groups of the same size keep the snapshot's order. */
export function failureGroupsByCount(groups: readonly FailureGroup[]): FailureGroup[] {
  return [...groups].sort((a, b) => b.count - a.count);
}

/** Runs grouped by job, jobs in order of first appearance: job names are long, so each is written once. */
export function runsByJob<R extends { job: string }>(runs: readonly R[]): [job: string, runs: R[]][] {
  const out = new Map<string, R[]>();
  for (const r of runs) {
    const list = out.get(r.job);
    if (list) list.push(r);
    else out.set(r.job, [r]);
  }
  return [...out];
}

/** Data-quality problems counted by kind, most first, then by name; kinds counted zero only if asked. */
export function problemKinds(dq: Pick<DataQuality, 'byKind'>, options: { withEmpty?: boolean } = {}): [kind: string, problems: number][] {
  return Object.entries(dq.byKind)
    .filter(([, n]) => options.withEmpty || n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

type ExcludedRun = NonNullable<DataQuality['excludedRuns']>[number];

export interface ExcludedRuns {
  /** Newest first, as the analysis listed them. */
  runs: ExcludedRun[];
  massFailure: number;
  infrastructure: number;
  badDay: number;
}

/**
 * Runs kept out of test verdicts (mass failures, infrastructure failures, bad days), with their counts by class;
 * undefined when the snapshot did not record them (version 1), which is not the same as none.
 */
export function excludedRuns(snapshot: Snapshot): ExcludedRuns | undefined {
  const runs = snapshot.dataQuality.excludedRuns;
  if (!runs) return undefined;
  return {
    runs,
    massFailure: runs.filter((r) => r.class === 'mass-failure').length,
    infrastructure: runs.filter((r) => r.class === 'infrastructure').length,
    badDay: runs.filter((r) => r.class === 'bad-day').length,
  };
}

/**
 * Excluded-run counts in words: "none", "2 mass failures", "1 mass failure and 3 infrastructure failures",
 * "2 mass failures, 1 infrastructure failure and 12 runs of bad days".
 */
export function excludedRunsText(counts: Pick<ExcludedRuns, 'massFailure' | 'infrastructure'> & { badDay?: number | undefined }): string {
  const badDay = counts.badDay ?? 0;
  const parts = [
    counts.massFailure > 0 ? `${counts.massFailure} mass ${counts.massFailure === 1 ? 'failure' : 'failures'}` : '',
    counts.infrastructure > 0 ? `${counts.infrastructure} infrastructure ${counts.infrastructure === 1 ? 'failure' : 'failures'}` : '',
    badDay > 0 ? `${badDay} ${badDay === 1 ? 'run' : 'runs'} of bad days` : '',
  ].filter(Boolean);
  if (parts.length === 0) return 'none';
  return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}
