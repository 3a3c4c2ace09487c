/**
 * The analysis stage: run records in, one snapshot out. Pure: the same records, plan and previous
 * snapshot give the same snapshot, byte for byte.
 *
 * Three steps: count every run into its slot (RunCounter), judge the counts (regression lists in
 * both modes, disruption, aggregated sets), and assemble the snapshot document.
 */
import type { RegressionsConfig } from '../config/config-schema.ts';
import type { AnalysisPlan } from '../config/run-plan.ts';
import type { RunRecord } from '../ingest/run-record.ts';
import { variantKey } from '../ingest/variants.ts';
import type { JobSummary, Problem, Provenance, RegressionMode, Snapshot, TestSummary } from '../snapshot/schema.ts';
import { SNAPSHOT_SCHEMA_VERSION } from '../snapshot/schema.ts';
import { snapshotIdFor } from '../snapshot/snapshot-id.ts';
import { VERSION } from '../version.ts';
import { analyzeAggregated } from './aggregated.ts';
import { analyzePayloads, type PayloadLists } from './payloads.ts';
import { HistoricalIndex, type HistoricalRecord } from './disruption-history.ts';
import { analyzeDisruption, DisruptionAccumulator } from './disruption.ts';
import { JobAccumulator } from './job-summary.ts';
import { jobRegressions, testRegressions } from './regression-lists.ts';
import { findBadDays } from './bad-days.ts';
import { RunClassifier } from './run-class.ts';
import { inBasis, inPrevious, slotOf, slotsFor, type Slots } from './slots.ts';
import { FAIL, FLAKE, PASS, TestLog } from './test-log.ts';
import { TestAccumulator, testId } from './test-summary.ts';
import { ComponentMapper } from './component-map.ts';
import { groupKey, summariseClusters } from './cluster-summary.ts';
import { KnownIssues } from './known-issues.ts';
import { readinessGrid } from './readiness-grid.ts';
import { RunGridAccumulator } from './run-grid.ts';
import { VariantGroupAccumulator } from './variant-groups.ts';
import { prowRunUrl } from '../util/prow-links.ts';
import { runTime } from './windows.ts';
import { DAY_MS } from '../util/time.ts';

export interface AnalysisInput {
  runs: Iterable<RunRecord> | AsyncIterable<RunRecord>;
  /** As-of, windows, thresholds, regression and disruption settings (config/run-plan.ts). */
  plan: AnalysisPlan;
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
  /** Blocking and informing jobs, for the payloads list (default: none known). */
  payloadLists?: PayloadLists;
  /** What the runs were read from, gathered by the pipeline (run digests from the cache, the config hash from the plan). */
  provenance?: Provenance;
}

/** A run kept out of test verdicts, for the data-quality list. */
type ExcludedRun = NonNullable<Snapshot['dataQuality']['excludedRuns']>[number];
type ExcludedCounts = { massFailure: number; infrastructure: number; badDay: number };

/** Every run counted once into the accumulators of its slot, with the coverage figures of the snapshot. */
class RunCounter {
  readonly jobs: JobAccumulator;
  readonly tests: TestAccumulator;
  readonly groups = new VariantGroupAccumulator();
  readonly disruption = new DisruptionAccumulator();
  readonly runGrid: RunGridAccumulator;
  /** Job pass-rate regressions read runs from their own log: a job is both the "test" and the lane. */
  readonly jobLog = new TestLog();
  readonly jobNames: string[] = [];
  readonly #jobIndex = new Map<string, number>();
  readonly problems: Problem[];
  readonly excluded: ExcludedRun[] = [];
  /** Per job: current-window runs kept out of test verdicts, by class. */
  readonly excludedByJob = new Map<string, ExcludedCounts>();
  runsRead = 0;
  runsPending = 0;
  runsIncomplete = 0;
  newestRunEnd: number | null = null;
  oldestRunStart: number | null = null;
  readonly #slots: Slots;
  readonly #classifier: RunClassifier;
  readonly #bucket: string;

  constructor(slots: Slots, bucket: string, discoveryProblems: readonly Problem[], settings: RegressionsConfig) {
    this.#slots = slots;
    this.#bucket = bucket;
    this.#classifier = new RunClassifier(settings.massFailure);
    this.jobs = new JobAccumulator(slots, bucket);
    this.tests = new TestAccumulator(slots, bucket);
    this.runGrid = new RunGridAccumulator(bucket);
    this.problems = [...discoveryProblems];
  }

  add(run: RunRecord): void {
    const slots = this.#slots;
    const time = runTime(run);
    if (time === undefined) {
      this.problems.push({
        job: run.job,
        buildId: run.buildId,
        object: run.path,
        kind: 'missing',
        reason: 'the run has no start or end time, so it belongs to no window; not counted',
      });
      // Counted nowhere, but the problems that explain why (a refused started.json, say) stay listed.
      for (const p of run.problems) this.problems.push({ job: run.job, buildId: run.buildId, ...p });
      return;
    }
    const slot = slotOf(time, slots);
    if (slot === -1) return;
    this.runsRead++;
    if (!run.final) this.runsPending++;
    if (!run.complete) this.runsIncomplete++;
    const end = run.finished ? Date.parse(run.finished) : NaN;
    if (Number.isFinite(end) && end <= slots.current.end && (this.newestRunEnd === null || end > this.newestRunEnd)) this.newestRunEnd = end;
    if (this.oldestRunStart === null || time < this.oldestRunStart) this.oldestRunStart = time;
    for (const p of run.problems) this.problems.push({ job: run.job, buildId: run.buildId, ...p });
    const key = variantKey(run.variants);
    const window = slot === 0 ? 'current' : inPrevious(slot) ? 'previous' : undefined;
    if (window) {
      this.jobs.add(run);
      this.groups.add(run, key, window, time);
    }
    const judged = slot === 0 || inBasis(time, slots);
    const verdictRun = judged && this.#keepForTests(run, slot);
    const testIds = this.tests.add(run, slot, time, verdictRun);
    if (window) this.runGrid.add(run, time, testIds);
    // A mass or infrastructure failure is an outage, not a backend's regression: its seconds stay out of verdicts too.
    this.disruption.add(run, key, slot === 0 && verdictRun, inBasis(time, slots) && verdictRun, time);
    if (judged) this.#logJobRun(run, time);
  }

  /** Whether the run's test results may count in test verdicts; a run kept out is counted and listed. */
  #keepForTests(run: RunRecord, slot: number): boolean {
    const c = this.#classifier.classify(run);
    if (c.class === 'normal') return true;
    this.excluded.push({
      job: run.job,
      buildId: run.buildId,
      url: prowRunUrl(this.#bucket, run.path),
      started: run.started,
      class: c.class,
      failed: c.failed,
      tests: c.tests,
      reason: c.reason,
    });
    if (slot === 0) {
      const counts = this.#excludedCounts(run.job);
      if (c.class === 'mass-failure') counts.massFailure++;
      else counts.infrastructure++;
    }
    return false;
  }

  #excludedCounts(job: string): ExcludedCounts {
    let counts = this.excludedByJob.get(job);
    if (!counts) this.excludedByJob.set(job, (counts = { massFailure: 0, infrastructure: 0, badDay: 0 }));
    return counts;
  }

  /**
   * Once every run is read: mark the runs of the jobs' bad days (bad-days.ts) out of test verdicts, and list
   * them with the mass failures.
   */
  markBadDays(settings: RegressionsConfig['badDays']): void {
    const log = this.tests.log;
    const found = findBadDays(log, this.tests.testTotal, this.tests.laneJob, settings, Math.floor(this.#slots.current.end / DAY_MS));
    if (found.elevation.some((g) => g > 1)) log.elevation = found.elevation;
    if (found.days.length === 0) return;
    log.excluded = found.excluded;
    const day = new Map(found.days.map((d) => [`${d.job}\u0000${d.date}`, d]));
    const out = new Set<string>();
    for (let r = 0; r < log.runCount; r++) {
      if (found.excluded[r] !== 1) continue;
      const run = log.runs[r]!;
      out.add(`${run.job}\u0000${run.buildId}`);
      const time = log.runTime[r]!;
      const bad = day.get(`${run.job}\u0000${new Date(time).toISOString().slice(0, 10)}`)!;
      this.excluded.push({
        job: run.job,
        buildId: run.buildId,
        url: prowRunUrl(this.#bucket, run.path),
        started: run.started,
        class: 'bad-day',
        failed: found.runFailed[r]!,
        tests: found.runTests[r]!,
        reason: `a bad day for the job: on ${bad.date} its ${bad.runs} runs failed ${bad.failingTests} distinct tests, ${bad.usual} on a usual day with as many runs, and the next day it ran was usual again: an outage, not a regression of each test`,
      });
      if (time >= this.#slots.current.start && time < this.#slots.current.end) this.#excludedCounts(run.job).badDay++;
    }
    // Out of the counts, so never a regression's evidence either.
    for (let t = 0; t < this.tests.testTotal; t++) {
      for (const f of this.tests.failedRuns(t)) if (f.judged && out.has(`${f.job}\u0000${f.buildId}`)) f.judged = false;
    }
  }

  #logJobRun(run: RunRecord, time: number): void {
    // Success works; failure and error do not (error rides in the flake code); aborted and pending say nothing.
    const code = run.result === 'success' ? PASS : run.result === 'failure' ? FAIL : run.result === 'error' ? FLAKE : -1;
    if (code < 0) return;
    let job = this.#jobIndex.get(run.job);
    if (job === undefined) {
      job = this.jobNames.length;
      this.jobNames.push(run.job);
      this.#jobIndex.set(run.job, job);
    }
    this.jobLog.add(job, this.jobLog.addRun(run, job, time), code);
  }
}

export async function analyze(input: AnalysisInput): Promise<Snapshot> {
  const { plan } = input;
  const slots = slotsFor(plan.windows);
  const asOf = plan.asOf.toISOString();
  const previous = input.previous && input.previous.asOf < asOf ? input.previous : null;
  const counter = new RunCounter(slots, input.bucket, input.discoveryProblems ?? [], plan.regressions);
  for await (const run of input.runs) counter.add(run);
  counter.markBadDays(plan.regressions.badDays);

  const jobSummaries = counter.jobs
    .summaries(plan.thresholds)
    .map((j) => ({ ...j, excludedRuns: counter.excludedByJob.get(j.name) ?? { massFailure: 0, infrastructure: 0, badDay: 0 } }));
  const testSummaries = counter.tests.summaries({ minRuns: plan.thresholds.minTestRuns });
  const problems = counter.problems.sort(
    (a, b) => cmp(a.job ?? '', b.job ?? '') || cmp(a.buildId ?? '', b.buildId ?? '') || cmp(a.object, b.object) || cmp(a.reason, b.reason),
  );
  const verdicts = judge(input, counter, jobSummaries, slots, previous, asOf);
  const owners = ownership(input, counter, testSummaries, jobSummaries, verdicts, previous);
  return assemble(input, counter, { jobSummaries, testSummaries: owners.tests, problems, verdicts, slots, previous, asOf, owners });
}

type Ownership = ReturnType<typeof ownership>;

/**
 * Whose each failure is: components and their readiness grid, failure clusters across tests and jobs,
 * the known issues that track regressions, and the run grid of each job. Tests gain their component
 * and each failure group its cluster.
 */
function ownership(
  input: AnalysisInput,
  counter: RunCounter,
  testSummaries: TestSummary[],
  jobSummaries: readonly JobSummary[],
  verdicts: Verdicts,
  previous: Snapshot | null,
) {
  const { plan } = input;
  const acc = counter.tests;
  const ids: string[] = [];
  const test = (t: number) => ({ id: (ids[t] ??= testId(acc.suites[t]!, acc.names[t]!)), suite: acc.suites[t]!, name: acc.names[t]! });
  const mapper = new ComponentMapper(plan.components);
  const currentCells: Array<{ suite: string; name: string; variantKey: string; failures: number }> = [];
  acc.forEachCurrentCell((t, variantKey, _runs, failures) => currentCells.push({ suite: acc.suites[t]!, name: acc.names[t]!, variantKey, failures }));
  const components = readinessGrid({
    config: plan.components,
    mapper,
    cells: currentCells,
    regressions: verdicts.tests.regressions,
    mode: plan.regressions.mode,
    variantKeyOfJob: new Map(jobSummaries.map((j) => [j.name, j.variantKey])),
  });
  const { clusters, clusterOf } = summariseClusters({
    groups: [...acc.textGroups()],
    dates: acc.dates,
    test,
    regressedTests: new Set(verdicts.tests.regressions.map((r) => r.testId)),
    previous,
  });
  const indexOf = new Map<string, number>();
  for (let t = 0; t < acc.names.length; t++) indexOf.set(`${acc.suites[t]}\u0000${acc.names[t]}`, t);
  const tests = testSummaries.map((summary) => {
    const t = indexOf.get(`${summary.suite}\u0000${summary.name}`)!;
    return {
      ...summary,
      failureGroups: summary.failureGroups.map((g) => {
        const cluster = clusterOf.get(groupKey(t, g.text));
        return cluster === undefined ? g : { ...g, cluster };
      }),
      component: mapper.map(summary.suite, summary.name).component,
    };
  });
  const known = new KnownIssues(plan.knownIssues);
  const regressions = { tests: verdicts.tests.regressions, jobs: verdicts.jobs.regressions, disruption: verdicts.disruption.regressions };
  return {
    tests,
    components,
    clusters: known.empty ? clusters : clusters.map((c) => ({ ...c, knownIssue: known.cluster(c) })),
    knownIssues: known.regressions(regressions, tests, verdicts.disruption.cells),
    runGrids: counter.runGrid.grids(test),
  };
}

type Verdicts = ReturnType<typeof judge>;

/** Regression lists in both modes, disruption and aggregated sets, from the counts. */
function judge(input: AnalysisInput, counter: RunCounter, jobSummaries: readonly JobSummary[], slots: Slots, previous: Snapshot | null, asOf: string) {
  const { regressions: settings, disruption: disruptionSettings } = input.plan;
  const context = { settings, previous, asOf, slots, bucket: input.bucket };
  const tests = testRegressions(counter.tests, context);
  const variantKeys = new Map(jobSummaries.map((j) => [j.name, j.variantKey]));
  const jobs = jobRegressions({ log: counter.jobLog, names: counter.jobNames, variantKeys }, context);
  const history = input.disruptionHistory;
  const disruption = analyzeDisruption({
    accumulator: counter.disruption,
    slots,
    settings: disruptionSettings,
    ...(history ? { history: { index: new HistoricalIndex(history.records), file: history.file } } : {}),
    recoverAlpha: settings.ratchet.recoverAlpha,
    clustering: settings.clustering,
    previous,
    asOf,
    keepResolvedDays: settings.keepResolvedDays,
    bucket: input.bucket,
  });
  const aggregated = analyzeAggregated(counter.tests, settings.aggregated);
  const payloads = analyzePayloads(
    counter.tests.payloadRuns,
    aggregated,
    [...tests.regressions, ...jobs.regressions, ...disruption.regressions],
    input.payloadLists ?? { blocking: [], informing: [] },
  );
  return { tests, jobs, disruption, aggregated, payloads };
}

function modeCounts(verdicts: Verdicts, mode: RegressionMode): { new: number; open: number; resolved: number; extreme: number } {
  const all = [...verdicts.tests.regressions, ...verdicts.jobs.regressions, ...verdicts.disruption.regressions].filter((r) => r.mode === mode);
  return {
    new: all.filter((r) => r.status === 'new').length,
    open: all.filter((r) => r.status === 'open').length,
    resolved: all.filter((r) => r.status === 'resolved').length,
    extreme: all.filter((r) => r.status !== 'resolved' && r.severity === 'extreme').length,
  };
}

interface Judged {
  jobSummaries: JobSummary[];
  testSummaries: TestSummary[];
  problems: Problem[];
  verdicts: Verdicts;
  slots: Slots;
  previous: Snapshot | null;
  asOf: string;
  owners: Ownership;
}

const iso = (t: number): string => new Date(t).toISOString();

/** The snapshot document. Key order is part of the byte-for-byte contract: keep it. */
function assemble(input: AnalysisInput, counter: RunCounter, judged: Judged): Snapshot {
  const { jobSummaries, testSummaries, problems, verdicts, slots, asOf } = judged;
  const byKind: Record<string, number> = {};
  for (const p of problems) byKind[p.kind] = (byKind[p.kind] ?? 0) + 1;
  const runsFromCache = input.runsFromCache ?? 0;
  return {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    id: snapshotIdFor(input.plan.asOf),
    asOf,
    generator: { name: 'ratchet', version: VERSION },
    source: input.source,
    bucket: input.bucket,
    windows: {
      current: { start: iso(slots.current.start), end: iso(slots.current.end) },
      previous: { start: iso(slots.previous.start), end: iso(slots.previous.end) },
    },
    coverage: {
      runsRead: counter.runsRead,
      runsFromCache: Math.min(runsFromCache, counter.runsRead),
      runsFetched: Math.max(0, counter.runsRead - runsFromCache),
      runsPending: counter.runsPending,
      runsIncomplete: counter.runsIncomplete,
      objectsFailed: problems.filter((p) => p.kind === 'fetch').length,
      jobs: jobSummaries.length,
      newestRunEnd: counter.newestRunEnd === null ? null : iso(counter.newestRunEnd),
      oldestRunStart: counter.oldestRunStart === null ? null : iso(counter.oldestRunStart),
    },
    headline: headline(counter, jobSummaries, testSummaries),
    jobs: jobSummaries,
    tests: testSummaries,
    dataQuality: { problemCount: problems.length, byKind, problems, excludedRuns: newestRunsFirst(counter.excluded) },
    variantGroups: counter.groups.summaries(input.plan.thresholds),
    regressions: {
      settings: regressionSettings(input.plan, judged),
      summary: {
        testCells: verdicts.tests.cells,
        testCellsTested: verdicts.tests.tested,
        jobsTested: verdicts.jobs.tested,
        disruptionCellsTested: verdicts.disruption.tested,
        ratchet: modeCounts(verdicts, 'ratchet'),
        compatible: modeCounts(verdicts, 'compatible'),
      },
      tests: verdicts.tests.regressions,
      jobs: verdicts.jobs.regressions,
      disruption: verdicts.disruption.regressions,
    },
    disruption: verdicts.disruption.cells,
    aggregated: verdicts.aggregated,
    payloads: verdicts.payloads,
    ...(input.provenance ? { provenance: input.provenance } : {}),
    components: judged.owners.components,
    failureClusters: judged.owners.clusters,
    knownIssues: judged.owners.knownIssues,
    runGrids: judged.owners.runGrids,
  };
}

function headline(counter: RunCounter, jobSummaries: readonly JobSummary[], testSummaries: readonly TestSummary[]): Snapshot['headline'] {
  let success = 0;
  let decided = 0;
  for (const j of jobSummaries) {
    success += j.current.success;
    decided += j.current.success + j.current.failure + j.current.error;
  }
  return {
    jobs: jobSummaries.length,
    jobsPassing: jobSummaries.filter((j) => j.status === 'passing').length,
    jobsDegraded: jobSummaries.filter((j) => j.status === 'degraded').length,
    jobsFailing: jobSummaries.filter((j) => j.status === 'failing').length,
    jobsStale: jobSummaries.filter((j) => j.status === 'stale').length,
    runs: jobSummaries.reduce((n, j) => n + j.current.runs, 0),
    passRate: decided ? success / decided : null,
    tests: counter.tests.currentTestCount(),
    failingTests: testSummaries.filter((t) => t.current.failures > 0).length,
    flakyTests: testSummaries.filter((t) => t.current.flakes > 0).length,
  };
}

function regressionSettings(plan: AnalysisPlan, judged: Judged): NonNullable<Snapshot['regressions']>['settings'] {
  const { slots, previous, verdicts } = judged;
  const rules = plan.regressions;
  return {
    defaultMode: rules.mode,
    groupBy: rules.groupBy,
    sampleWindow: { start: iso(slots.current.start), end: iso(slots.current.end) },
    basisWindow: { start: iso(slots.basis.start), end: iso(slots.basis.end) },
    windows: slots.scan.map((w) => ({ label: w.label, start: iso(w.start), end: iso(w.end) })),
    clustering: {
      ...verdicts.tests.clustering,
      dayCv2: round(verdicts.tests.clustering.dayCv2, 6),
      payloadCv2: round(verdicts.tests.clustering.payloadCv2, 6),
    },
    massFailure: { share: rules.massFailure.share, minFailed: rules.massFailure.minFailed, infraTests: [...rules.massFailure.infraTests] },
    badDays: { ...rules.badDays },
    flakeAsFailure: rules.flakeAsFailure,
    minFailures: rules.minFailures,
    extremeDrop: rules.extremeDrop,
    newTestPassRate: rules.newTestPassRate,
    newTestMinRuns: rules.newTestMinRuns,
    compatible: { ...rules.compatible },
    ratchet: { ...rules.ratchet },
    keepResolvedDays: rules.keepResolvedDays,
    previousSnapshot: previous?.id ?? null,
  };
}

/** Newest first, then by job and build: the order the data-quality page lists them in. */
function newestRunsFirst(runs: ExcludedRun[]): ExcludedRun[] {
  return runs.sort((a, b) => cmp(b.started ?? '', a.started ?? '') || cmp(a.job, b.job) || cmp(a.buildId, b.buildId));
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
