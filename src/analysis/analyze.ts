/**
 * The analysis stage: run records in, one snapshot out. Pure: the same records, as-of and config
 * give the same snapshot, byte for byte.
 */
import type { RunRecord } from '../ingest/run-record.ts';
import type { Problem, Snapshot } from '../snapshot/schema.ts';
import { SNAPSHOT_SCHEMA_VERSION } from '../snapshot/schema.ts';
import { snapshotIdFor } from '../snapshot/snapshot-id.ts';
import { JobAccumulator, type JobThresholds } from './job-summary.ts';
import { TestAccumulator } from './test-summary.ts';
import { runTime, windowOf, windowsFor } from './windows.ts';
import { VERSION } from '../version.ts';

export interface AnalysisInput {
  runs: Iterable<RunRecord> | AsyncIterable<RunRecord>;
  asOf: Date;
  windows: { currentMs: number; previousMs: number };
  thresholds: JobThresholds & { minTestRuns: number };
  source: string;
  bucket: string;
  /** Problems found outside any run (listing failures, odd folders). */
  discoveryProblems?: Problem[];
  /** Runs in the window that came from the cache in the fetch that preceded this analysis. */
  runsFromCache?: number;
}

export async function analyze(input: AnalysisInput): Promise<Snapshot> {
  const windows = windowsFor(input.asOf, input.windows.currentMs, input.windows.previousMs);
  const jobs = new JobAccumulator(windows, input.bucket);
  const tests = new TestAccumulator(windows, input.bucket);
  const problems: Problem[] = [...(input.discoveryProblems ?? [])];
  let runsRead = 0;
  let runsPending = 0;
  let runsIncomplete = 0;
  let newestRunEnd: number | null = null;
  let oldestRunStart: number | null = null;

  for await (const run of input.runs) {
    const time = runTime(run);
    if (time === undefined) {
      problems.push({ job: run.job, buildId: run.buildId, object: run.path, kind: 'missing', reason: 'the run has no start or end time, so it belongs to no window; not counted' });
      continue;
    }
    if (!windowOf(time, windows)) continue;
    runsRead++;
    if (!run.final) runsPending++;
    if (!run.complete) runsIncomplete++;
    const end = run.finished ? Date.parse(run.finished) : NaN;
    if (Number.isFinite(end) && end <= windows.current.end && (newestRunEnd === null || end > newestRunEnd)) newestRunEnd = end;
    if (oldestRunStart === null || time < oldestRunStart) oldestRunStart = time;
    for (const p of run.problems) problems.push({ job: run.job, buildId: run.buildId, ...p });
    jobs.add(run);
    tests.add(run);
  }

  const jobSummaries = jobs.summaries(input.thresholds);
  const testSummaries = tests.summaries({ minRuns: input.thresholds.minTestRuns });
  problems.sort((a, b) => cmp(a.job ?? '', b.job ?? '') || cmp(a.buildId ?? '', b.buildId ?? '') || cmp(a.object, b.object) || cmp(a.reason, b.reason));
  const byKind: Record<string, number> = {};
  for (const p of problems) byKind[p.kind] = (byKind[p.kind] ?? 0) + 1;

  let success = 0;
  let decided = 0;
  for (const j of jobSummaries) {
    success += j.current.success;
    decided += j.current.success + j.current.failure + j.current.error;
  }
  const iso = (t: number): string => new Date(t).toISOString();
  return {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    id: snapshotIdFor(input.asOf),
    asOf: input.asOf.toISOString(),
    generator: { name: 'ratchet', version: VERSION },
    source: input.source,
    bucket: input.bucket,
    windows: {
      current: { start: iso(windows.current.start), end: iso(windows.current.end) },
      previous: { start: iso(windows.previous.start), end: iso(windows.previous.end) },
    },
    coverage: {
      runsRead,
      runsFromCache: Math.min(input.runsFromCache ?? 0, runsRead),
      runsFetched: Math.max(0, runsRead - (input.runsFromCache ?? 0)),
      runsPending,
      runsIncomplete,
      objectsFailed: problems.filter((p) => p.kind === 'fetch').length,
      jobs: jobSummaries.length,
      newestRunEnd: newestRunEnd === null ? null : iso(newestRunEnd),
      oldestRunStart: oldestRunStart === null ? null : iso(oldestRunStart),
    },
    headline: {
      jobs: jobSummaries.length,
      jobsPassing: jobSummaries.filter((j) => j.status === 'passing').length,
      jobsDegraded: jobSummaries.filter((j) => j.status === 'degraded').length,
      jobsFailing: jobSummaries.filter((j) => j.status === 'failing').length,
      jobsStale: jobSummaries.filter((j) => j.status === 'stale').length,
      runs: jobSummaries.reduce((n, j) => n + j.current.runs, 0),
      passRate: decided ? success / decided : null,
      tests: tests.testCount('current'),
      failingTests: testSummaries.filter((t) => t.current.failures > 0).length,
      flakyTests: testSummaries.filter((t) => t.current.flakes > 0).length,
    },
    jobs: jobSummaries,
    tests: testSummaries,
    dataQuality: { problemCount: problems.length, byKind, problems },
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
