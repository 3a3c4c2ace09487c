/**
 * The analysis stage: run records in, one snapshot out. Pure: the same records, as-of, config and
 * previous snapshot give the same snapshot, byte for byte.
 */
import type { DisruptionConfig, RegressionsConfig } from '../config/config-schema.ts';
import { disruptionConfigSchema, regressionsConfigSchema } from '../config/config-schema.ts';
import type { RunRecord } from '../ingest/run-record.ts';
import { variantKey } from '../ingest/variants.ts';
import type { JobCounts, Problem, RegressionMode, Snapshot } from '../snapshot/schema.ts';
import { SNAPSHOT_SCHEMA_VERSION } from '../snapshot/schema.ts';
import { snapshotIdFor } from '../snapshot/snapshot-id.ts';
import { finishCounts, JobAccumulator, type JobThresholds } from './job-summary.ts';
import { TestAccumulator } from './test-summary.ts';
import { VariantGroupAccumulator } from './variant-groups.ts';
import { DisruptionAccumulator, analyzeDisruption } from './disruption.ts';
import { HistoricalIndex, type HistoricalRecord } from './disruption-history.ts';
import { analyzeAggregated } from './aggregated.ts';
import { jobRegressions, recentLabel, testRegressions, type JobWindows } from './regression-lists.ts';
import { inBasis, inPrevious, inRecent, slotOf, slotsFor } from './slots.ts';
import { runTime, windowsFor } from './windows.ts';
import { VERSION } from '../version.ts';
import { parseWindow } from '../config/duration.ts';

export interface AnalysisInput {
  runs: Iterable<RunRecord> | AsyncIterable<RunRecord>;
  asOf: Date;
  windows: {
    currentMs: number;
    previousMs: number;
    /** Basis window of regressions and disruption; default previousMs. */
    basisMs?: number;
  };
  thresholds: JobThresholds & { minTestRuns: number };
  /** The config's `regressions` section; defaults when omitted. */
  regressions?: RegressionsConfig;
  /** The config's `disruption` section; defaults when omitted. */
  disruption?: DisruptionConfig;
  /** origin's historical disruption percentiles (parseHistoricalDisruption) and the name of their file. */
  disruptionHistory?: { records: readonly HistoricalRecord[]; file: string };
  /** The newest snapshot before asOf: open regressions get hysteresis and keep their firstSeen. */
  previous?: Snapshot | null;
  source: string;
  bucket: string;
  /** Problems found outside any run (listing failures, odd folders). */
  discoveryProblems?: Problem[];
  /** Runs in the window that came from the cache in the fetch that preceded this analysis. */
  runsFromCache?: number;
}

type Counts = Omit<JobCounts, 'passRate' | 'interval'>;
const emptyCounts = (): Counts => ({ runs: 0, success: 0, failure: 0, aborted: 0, error: 0, pending: 0 });

export async function analyze(input: AnalysisInput): Promise<Snapshot> {
  const regressionSettings = input.regressions ?? regressionsConfigSchema.parse({});
  const disruptionSettings = input.disruption ?? disruptionConfigSchema.parse({});
  const windows = windowsFor(input.asOf, input.windows.currentMs, input.windows.previousMs);
  const slots = slotsFor(
    windows,
    input.windows.basisMs ?? input.windows.previousMs,
    regressionSettings.recent === false ? null : parseWindow(regressionSettings.recent),
  );
  const asOf = input.asOf.toISOString();
  const previous = input.previous && input.previous.asOf < asOf ? input.previous : null;
  const jobs = new JobAccumulator(windows, input.bucket);
  const tests = new TestAccumulator(slots, input.bucket);
  const groups = new VariantGroupAccumulator();
  const disruption = new DisruptionAccumulator();
  const jobWindows = new Map<string, { sample: Counts; basis: Counts; recent: Counts }>();
  const problems: Problem[] = [...(input.discoveryProblems ?? [])];
  let runsRead = 0;
  let runsPending = 0;
  let runsIncomplete = 0;
  let newestRunEnd: number | null = null;
  let oldestRunStart: number | null = null;

  for await (const run of input.runs) {
    const time = runTime(run);
    if (time === undefined) {
      problems.push({
        job: run.job,
        buildId: run.buildId,
        object: run.path,
        kind: 'missing',
        reason: 'the run has no start or end time, so it belongs to no window; not counted',
      });
      continue;
    }
    const slot = slotOf(time, slots);
    if (slot === -1) continue;
    runsRead++;
    if (!run.final) runsPending++;
    if (!run.complete) runsIncomplete++;
    const end = run.finished ? Date.parse(run.finished) : NaN;
    if (Number.isFinite(end) && end <= windows.current.end && (newestRunEnd === null || end > newestRunEnd)) newestRunEnd = end;
    if (oldestRunStart === null || time < oldestRunStart) oldestRunStart = time;
    for (const p of run.problems) problems.push({ job: run.job, buildId: run.buildId, ...p });
    const key = variantKey(run.variants);
    const window = slot === 0 ? 'current' : inPrevious(slot, slots) ? 'previous' : undefined;
    if (window) {
      jobs.add(run);
      groups.add(run, key, window, time);
    }
    tests.add(run, slot, time);
    disruption.add(run, key, slot, time);
    if (slot === 0 || inBasis(slot, slots)) {
      let w = jobWindows.get(run.job);
      if (!w) jobWindows.set(run.job, (w = { sample: emptyCounts(), basis: emptyCounts(), recent: emptyCounts() }));
      const c = slot === 0 ? w.sample : w.basis;
      c.runs++;
      c[run.result]++;
      if (slot === 0 && inRecent(time, slots)) {
        w.recent.runs++;
        w.recent[run.result]++;
      }
    }
  }

  const jobSummaries = jobs.summaries(input.thresholds);
  const testSummaries = tests.summaries({ minRuns: input.thresholds.minTestRuns });
  problems.sort((a, b) => cmp(a.job ?? '', b.job ?? '') || cmp(a.buildId ?? '', b.buildId ?? '') || cmp(a.object, b.object) || cmp(a.reason, b.reason));
  const byKind: Record<string, number> = {};
  for (const p of problems) byKind[p.kind] = (byKind[p.kind] ?? 0) + 1;

  const testResult = testRegressions(tests, regressionSettings, previous, asOf, slots);
  const keyOfJob = new Map(jobSummaries.map((j) => [j.name, j.variantKey]));
  const jobCells: JobWindows[] = [...jobWindows.entries()]
    .sort(([a], [b]) => cmp(a, b))
    .map(([name, w]) => {
      // The recent hypothesis's basis: every earlier run of the basis and current windows.
      const before = emptyCounts();
      for (const k of Object.keys(before) as Array<keyof Counts>) before[k] = w.basis[k] + w.sample[k] - w.recent[k];
      return {
        name,
        variantKey: keyOfJob.get(name) ?? '',
        sample: finishCounts(w.sample),
        basis: finishCounts(w.basis),
        ...(slots.recent ? { recent: { sample: finishCounts(w.recent), basis: finishCounts(before) } } : {}),
      };
    });
  const jobResult = jobRegressions(jobCells, regressionSettings, previous, asOf, recentLabel(slots));
  const disruptionResult = analyzeDisruption({
    accumulator: disruption,
    slots,
    settings: disruptionSettings,
    ...(input.disruptionHistory ? { history: { index: new HistoricalIndex(input.disruptionHistory.records), file: input.disruptionHistory.file } } : {}),
    open: { fdr: regressionSettings.ratchet.openFdr, p: regressionSettings.ratchet.openP },
    previous,
    asOf,
    keepResolvedDays: regressionSettings.keepResolvedDays,
  });
  const aggregated = analyzeAggregated(tests, regressionSettings.aggregated);

  const modeCounts = (mode: RegressionMode): { new: number; open: number; resolved: number; extreme: number } => {
    const all = [...testResult.regressions, ...jobResult.regressions, ...disruptionResult.regressions].filter((r) => r.mode === mode);
    return {
      new: all.filter((r) => r.status === 'new').length,
      open: all.filter((r) => r.status === 'open').length,
      resolved: all.filter((r) => r.status === 'resolved').length,
      extreme: all.filter((r) => r.status !== 'resolved' && r.severity === 'extreme').length,
    };
  };

  let success = 0;
  let decided = 0;
  for (const j of jobSummaries) {
    success += j.current.success;
    decided += j.current.success + j.current.failure + j.current.error;
  }
  const iso = (t: number): string => new Date(t).toISOString();
  const { aggregated: _aggregated, basis: _basis, recent: _recent, ...ruleSettings } = regressionSettings;
  return {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    id: snapshotIdFor(input.asOf),
    asOf,
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
      tests: tests.currentTestCount(),
      failingTests: testSummaries.filter((t) => t.current.failures > 0).length,
      flakyTests: testSummaries.filter((t) => t.current.flakes > 0).length,
    },
    jobs: jobSummaries,
    tests: testSummaries,
    dataQuality: { problemCount: problems.length, byKind, problems },
    variantGroups: groups.summaries(input.thresholds),
    regressions: {
      settings: {
        defaultMode: ruleSettings.mode,
        groupBy: ruleSettings.groupBy,
        sampleWindow: { start: iso(slots.current.start), end: iso(slots.current.end) },
        basisWindow: { start: iso(slots.basis.start), end: iso(slots.basis.end) },
        recentWindow: slots.recent ? { start: iso(slots.recent.start), end: iso(slots.recent.end) } : null,
        flakeAsFailure: ruleSettings.flakeAsFailure,
        minFailures: ruleSettings.minFailures,
        extremeDrop: ruleSettings.extremeDrop,
        newTestPassRate: ruleSettings.newTestPassRate,
        newTestMinRuns: ruleSettings.newTestMinRuns,
        compatible: { ...ruleSettings.compatible },
        ratchet: { ...ruleSettings.ratchet },
        keepResolvedDays: ruleSettings.keepResolvedDays,
        previousSnapshot: previous?.id ?? null,
      },
      summary: {
        testCells: testResult.cells,
        testCellsTested: testResult.tested,
        jobsTested: jobResult.tested,
        disruptionCellsTested: disruptionResult.tested,
        ratchet: modeCounts('ratchet'),
        compatible: modeCounts('compatible'),
      },
      tests: testResult.regressions,
      jobs: jobResult.regressions,
      disruption: disruptionResult.regressions,
    },
    disruption: disruptionResult.cells,
    aggregated,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
