/**
 * From the test log to the snapshot's regression lists: cells of test × group (and of jobs) with
 * their scan-window and basis counts (regression-cells.ts), design effects for clustered runs
 * (dispersion.ts), the ratchet line of every regression open before (its frozen basis), verdicts in
 * both modes (verdict-rules.ts), lifecycle against the previous snapshot (lifecycle.ts), and the
 * evidence each entry carries: counts, failed runs, onset.
 */
import type { RegressionsConfig } from '../config/config-schema.ts';
import { REGRESSION_MODES } from '../config/config-schema.ts';
import type { EvidenceRun, JobCounts, JobRegression, RegressionMode, Snapshot, TestCounts, TestRegression } from '../snapshot/schema.ts';
import { prowRunUrl } from '../util/prow-links.ts';
import { designEffect, effectiveCounts, intraClusterCorrelation } from './dispersion.ts';
import { finishCounts } from './job-summary.ts';
import {
  compareRegressions,
  flagged,
  isOpen,
  previousRegressions,
  regressionId,
  resolved,
  freshWindowsAfter,
  longestScanMs,
  stillListed,
  type Lifecycle,
} from './lifecycle.ts';
import { changePoint, firstFailureFrom, payloadsAround } from './onset.ts';
import { buildTestCells, cellSequence, runsOf, type CellsResult, type TestCell, type WindowCounts } from './regression-cells.ts';
import type { Slots } from './slots.ts';
import type { TestLog } from './test-log.ts';
import { wilsonInterval } from './stats/index.ts';
import { finishTestCounts, newestFirst, testId, type TestAccumulator } from './test-summary.ts';
import { evaluateCells, type JudgedSide, type RatchetLine, type RegressionCell, type Verdict } from './verdict-rules.ts';

export interface TestRegressionResult {
  regressions: TestRegression[];
  cells: number;
  tested: number;
  clustering: Clustering;
}

/** How much failures cluster, as the design effects use it (zero when clustering is off). */
interface Clustering {
  enabled: boolean;
  dayCv2: number;
  payloadCv2: number;
  cells: number;
}

export interface RegressionContext {
  settings: RegressionsConfig;
  previous: Snapshot | null | undefined;
  asOf: string;
  slots: Slots;
  bucket: string;
}

type Line = NonNullable<TestRegression['line']>;

function clusteringOf(result: CellsResult, enabled: boolean): Clustering {
  const d = result.dispersion;
  // Rounded as the snapshot records them: the sums behind them depend on the order runs arrived in in their last
  // bits, and the predictive test would carry those bits into p-values. Rounded, the snapshot is order-free.
  const at6 = (x: number): number => Math.round(x * 1e6) / 1e6;
  return { enabled, dayCv2: enabled ? at6(d.day.cv2) : 0, payloadCv2: enabled ? at6(d.payload.cv2) : 0, cells: Math.max(d.day.cells, d.payload.cells) };
}

/** Indices 0…n−1 ordered by `key` (stable for equal keys). */
function orderBy(n: number, key: (i: number) => string): Int32Array {
  const keys = Array.from({ length: n }, (_, i) => key(i));
  return Int32Array.from(Array.from({ length: n }, (_, i) => i).sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b)));
}

/** Scan windows weigh in proportion to their length (verdict-rules.ts, windowWeights). */
function windowWeights(slots: Slots): number[] {
  return slots.scan.map((w) => w.end - w.start);
}

/** A window's side of a hypothesis: its counts and the design effect of its clusters at failure rate p. */
function judged(c: WindowCounts, failures: number, p: number, clustering: Clustering): JudgedSide {
  const runs = runsOf(c);
  const design = Math.max(
    designEffect(c.dayCluster, intraClusterCorrelation(p, clustering.dayCv2)),
    designEffect(c.payloadCluster, intraClusterCorrelation(p, clustering.payloadCv2)),
  );
  // The relative variance of the window's mean failure rate from its shared clusters: cv²·m̄/n.
  const tailCv2 = runs > 0 ? Math.max(clustering.dayCv2 * c.dayCluster, clustering.payloadCv2 * c.payloadCluster) / runs : 0;
  return { runs, working: runs - failures, design, ...(tailCv2 > 0 ? { tailCv2 } : {}), ...(c.elevation > 1 ? { elevation: c.elevation } : {}) };
}

/** The failure rate the design effects assume: the basis's, shrunk a little toward ½ (Jeffreys) so 0 of n is not 0. */
function basisFailureRate(runs: number, working: number): number {
  return (runs - working + 0.5) / (runs + 1);
}

/** The line of a regression open in the previous snapshot (a version 1 entry has none: its basis counts serve). */
function lineOf(
  prev: { line?: Line; basis: { runs: number } | null; sample: { runs: number } } | undefined,
  working: (c: unknown) => number,
): Line | undefined {
  if (!prev) return undefined;
  if (prev.line) return prev.line;
  if (!prev.basis || prev.basis.runs === 0) return undefined;
  return {
    basis: { runs: prev.basis.runs, working: working(prev.basis), design: 1, start: '', end: '' },
    fellTo: prev.sample.runs ? working(prev.sample) / prev.sample.runs : 0,
    frozenAt: '',
  };
}

function cellInput(
  cell: TestCell,
  failures: (c: WindowCounts) => number,
  line: RatchetLine | undefined,
  openCompatible: boolean,
  clustering: Clustering,
  freshWindows?: number,
): RegressionCell {
  const basisRuns = runsOf(cell.basis);
  // An open cell's windows hold the regressed rate: their design effect is taken at it, not at the basis's.
  const p = line
    ? Math.max(line.required !== undefined ? 1 - line.required : basisFailureRate(line.basis.runs, line.basis.working), 1 - line.fellTo)
    : basisFailureRate(basisRuns, basisRuns - failures(cell.basis));
  const K = cell.windows.length;
  return {
    windows: cell.windows.map((w) => judged(w, failures(w), p, clustering)),
    basis: judged(cell.basis, failures(cell.basis), p, clustering),
    sampleHardFailures: K ? cell.windows[K - 1]!.failures : 0,
    ...(line ? { line } : {}),
    openCompatible,
    compatible: cell.compatible,
    ...(freshWindows !== undefined ? { freshWindows } : {}),
  };
}

export function testRegressions(tests: TestAccumulator, context: RegressionContext): TestRegressionResult {
  const { settings, previous, asOf, slots } = context;
  const prior = previousRegressions(previous, 'tests');
  // Ids are hashes: computed once per test, and per cell only where the previous snapshot or a verdict needs one.
  const testIds = new Map<number, string>();
  const testIdOf = (t: number): string => {
    let id = testIds.get(t);
    if (id === undefined) testIds.set(t, (id = testId(tests.suites[t]!, tests.names[t]!)));
    return id;
  };
  const priorByCell = new Map<string, TestRegression>();
  for (const r of prior.values()) priorByCell.set(`${r.mode}\u0000${r.testId}\u0000${r.group}`, r);
  const beforeIn = (t: number, group: string, mode: RegressionMode): TestRegression | undefined => priorByCell.get(`${mode}\u0000${testIdOf(t)}\u0000${group}`);
  const before = (g: TestCell, mode: RegressionMode): TestRegression | undefined => beforeIn(g.test, g.group, mode);
  const built = buildTestCells(
    tests.log,
    tests.testTotal,
    tests,
    { scan: slots.scan, basis: slots.basis },
    {
      groupBy: settings.groupBy,
      jobCells: settings.ratchet.jobCells,
      flakeAsFailure: settings.flakeAsFailure,
      skipEstimate: (t, group) => isOpen(beforeIn(t, group, 'ratchet')),
      testOrder: orderBy(tests.testTotal, (t) => `${tests.suites[t]}\u0000${tests.names[t]}`),
    },
  );
  const clustering = clusteringOf(built, settings.clustering);
  const failures = (c: WindowCounts): number => c.failures + (settings.flakeAsFailure ? c.flakes : 0);
  const workingOf = (c: unknown): number => {
    const t = c as TestCounts;
    return settings.flakeAsFailure ? t.passes : t.passes + t.flakes;
  };
  const lines = built.cells.map((g) => {
    const open = before(g, 'ratchet');
    return isOpen(open) ? followLine(lineOf(open, workingOf), open!.onset ?? null, tests.log, g, settings.flakeAsFailure, slots, clustering) : undefined;
  });
  const inputs = built.cells.map((g, i) =>
    cellInput(g, failures, lines[i], g.compatible && isOpen(before(g, 'compatible')), clustering, freshWindowsAfter(before(g, 'ratchet'), slots.scan)),
  );
  const labels = slots.scan.map((w) => w.label);
  const { verdicts, tested } = evaluateCells(inputs, settings, { windowLabels: labels, windowWeights: windowWeights(slots) });
  const out: TestRegression[] = [];
  const seen = new Set<string>();
  verdicts.forEach((v, i) => {
    if (!v) return;
    for (const mode of REGRESSION_MODES) {
      const verdict = v[mode];
      if (!verdict) continue;
      const g = built.cells[i]!;
      const id = regressionId(mode, 'test', testIdOf(g.test), g.group);
      seen.add(id);
      const previousEntry = prior.get(id);
      const lifecycle = verdict.regressed ? flagged(previousEntry, asOf) : resolved(previousEntry!, asOf);
      out.push(testEntry(tests, g, testIdOf(g.test), id, mode, verdict, lifecycle, previousEntry, lines[i], context, clustering));
    }
  });
  carryOver(prior, seen, out, asOf, settings.keepResolvedDays, slots);
  out.sort(compareRegressions);
  return { regressions: out, cells: built.cells.length, tested, clustering };
}

/** Raw counts of the window a verdict rests on. */
function windowCounts(cell: TestCell, window: string, labels: readonly string[]): WindowCounts {
  const k = labels.indexOf(window);
  return cell.windows[k >= 0 ? k : cell.windows.length - 1]!;
}

function testEntry(
  tests: TestAccumulator,
  g: TestCell,
  test: string,
  id: string,
  mode: RegressionMode,
  verdict: Verdict,
  lifecycle: Lifecycle,
  before: TestRegression | undefined,
  followed: RatchetLine | undefined,
  context: RegressionContext,
  clustering: Clustering,
): TestRegression {
  const { settings, asOf, slots } = context;
  const lanes = new Set(g.lanes);
  const labels = slots.scan.map((w) => w.label);
  const window = slots.scan.find((w) => w.label === verdict.window) ?? slots.current;
  const sample = windowCounts(g, verdict.window, labels);
  const failedRuns: EvidenceRun[] = [];
  const jobs = new Set<string>();
  for (const lane of g.lanes) jobs.add(tests.laneJob[lane]!);
  for (const r of newestFirst(
    tests
      .failedRuns(g.test)
      .filter((r) => r.judged && r.slot === 0 && r.time >= window.start && lanes.has(r.lane) && (r.status === 'fail' || settings.flakeAsFailure)),
  )) {
    if (failedRuns.length >= settings.maxFailedRuns) break;
    failedRuns.push({ job: r.job, buildId: r.buildId, url: r.url, status: r.status, started: r.started });
  }
  const ratchet = mode === 'ratchet';
  const openBefore = isOpen(before);
  const basis: TestCounts | null = ratchet && openBefore && before!.basis ? before!.basis : runsOf(g.basis) > 0 ? finishTestCounts(g.basis) : null;
  let onset: TestRegression['onset'];
  let line: Line | undefined;
  if (ratchet && verdict.regressed && openBefore && followed) {
    onset = before!.onset ?? null;
    line = { ...storedLine(before!, followed, slots, asOf), fellTo: round(followed.fellTo, 6) };
  } else if (ratchet && verdict.regressed && verdict.line) {
    const found = onsetOf(tests.log, g.test, g.lanes, settings.flakeAsFailure, slots, context.bucket, clustering);
    onset = found.onset;
    line = freezeLine({ ...verdict.line, fellTo: found.fellTo ?? verdict.line.fellTo }, slots, asOf);
  }
  return {
    id,
    mode,
    kind: 'test',
    ...lifecycle,
    severity: verdict.severity,
    heldByHysteresis: verdict.heldByHysteresis,
    evidenceAsOf: asOf,
    reason: verdict.reason,
    rule: verdict.rule,
    testId: test,
    suite: tests.suites[g.test]!,
    name: tests.names[g.test]!,
    groupBy: g.groupBy,
    group: g.group,
    window: verdict.window,
    variants: tests.laneVariants[representativeLane(tests, g)]!,
    jobs: [...jobs].sort(),
    sample: finishTestCounts(sample),
    basis: verdict.rule === 'new-test' ? null : basis,
    ...(ratchet ? { design: { sample: round(verdict.counts.sample.design, 4), basis: round(verdict.counts.basis.design, 4) } } : {}),
    ...(line ? { line } : {}),
    ...(onset !== undefined ? { onset } : {}),
    p: verdict.p,
    q: verdict.q,
    drop: verdict.drop,
    dropInterval: verdict.dropInterval,
    failedRuns,
  };
}

/** The line a new regression freezes: its basis counts, window and design effect, and the rate it fell to. */
function freezeLine(line: RatchetLine, slots: Slots, asOf: string): Line {
  return {
    basis: {
      runs: line.basis.runs,
      working: line.basis.working,
      design: round(line.basis.design, 4),
      start: new Date(slots.basis.start).toISOString(),
      end: new Date(slots.basis.end).toISOString(),
    },
    fellTo: round(line.fellTo, 6),
    ...(line.required !== undefined ? { required: round(line.required * 100, 6) } : {}),
    frozenAt: asOf,
  };
}

/** The line of an open regression as stored: the frozen basis of the entry before, or one frozen now from a version 1 entry. */
function storedLine(before: { line?: Line }, followed: RatchetLine, slots: Slots, asOf: string): Line {
  return before.line ?? freezeLine(followed, slots, asOf);
}

/**
 * Where the cell's runs (oldest first) most likely changed: the first bad run and the payloads around
 * it; and the upper confidence bound of its working rate from there on (the line's fellTo).
 */
function onsetOf(
  log: TestLog,
  test: number,
  lanes: readonly number[],
  flakeAsFailure: boolean,
  slots: Slots,
  bucket: string,
  clustering: Clustering,
): { onset: NonNullable<TestRegression['onset']>; fellTo: number | null } {
  // The whole timeline, bad days included: a regression that began during an outage began there, and its
  // payload is the one to blame. The bound on its rate since then counts only the runs verdicts count.
  const { runs, failed } = cellSequence(log, test, lanes, flakeAsFailure, slots.lookbackStart, slots.current.end, true);
  const first = firstFailureFrom(failed, changePoint(failed));
  const tags = runs.map((r) => log.runs[r]!.payloadTag);
  const { firstBad, lastGood } = payloadsAround(tags, first);
  const run = first >= 0 ? log.runs[runs[first]!]! : undefined;
  return {
    onset: {
      run: run ? { job: run.job, buildId: run.buildId, url: prowRunUrl(bucket, run.path), started: run.started } : null,
      payloadTag: firstBad,
      lastGoodPayloadTag: lastGood,
    },
    fellTo: first >= 0 ? counted(log, runs, failed, first, (r, f) => upperWorkingRate(log, r, f, 0, clustering)) : null,
  };
}

/** `use` on the runs from index `from` on that verdicts count (bad days out); null when there are none. */
function counted<T>(
  log: TestLog,
  runs: readonly number[],
  failed: Uint8Array,
  from: number,
  use: (runs: readonly number[], failed: Uint8Array) => T,
): T | null {
  const keep: number[] = [];
  for (let i = from; i < runs.length; i++) if (log.excluded?.[runs[i]!] !== 1) keep.push(i);
  if (keep.length === 0) return null;
  return use(
    keep.map((i) => runs[i]!),
    Uint8Array.from(keep, (i) => failed[i]!),
  );
}

/**
 * An upper confidence bound of the working rate of the runs from index `from` on (Wilson, 95 %), on counts
 * divided by their design effect at that rate: runs that fail together on a bad day carry less information
 * than independent ones, and a bound that ignored it would sit below the true rate after one bad day.
 */
function upperWorkingRate(log: TestLog, runs: readonly number[], failed: Uint8Array, from: number, clustering: Clustering): number {
  let n = 0;
  let working = 0;
  const days = new Map<number, number>();
  const payloads = new Map<number, number>();
  for (let i = from; i < failed.length; i++) {
    n++;
    if (!failed[i]) working++;
    const r = runs[i]!;
    days.set(log.runDay[r]!, (days.get(log.runDay[r]!) ?? 0) + 1);
    const payload = log.runPayload[r]!;
    if (payload >= 0) payloads.set(payload, (payloads.get(payload) ?? 0) + 1);
  }
  if (n === 0) return 1;
  const meanCluster = (counts: Map<number, number>, singles: number): number => {
    let s2 = singles;
    for (const m of counts.values()) s2 += m * m;
    return s2 / n;
  };
  const tagged = [...payloads.values()].reduce((a, b) => a + b, 0);
  const p = (n - working + 0.5) / (n + 1);
  const design = Math.max(
    designEffect(meanCluster(days, 0), intraClusterCorrelation(p, clustering.dayCv2)),
    designEffect(meanCluster(payloads, n - tagged), intraClusterCorrelation(p, clustering.payloadCv2)),
  );
  const e = effectiveCounts(n, n - working, design);
  return wilsonInterval(e.runs - e.failures, e.runs)[1];
}

/**
 * An open regression's line for this snapshot: its frozen basis, the rate it fell to lowered to the
 * upper bound of its rate since onset if that is lower now, and the scan windows that start after
 * the onset (only they can show a recovery).
 */
function followLine(
  line: Line | undefined,
  onset: TestRegression['onset'] | null,
  log: TestLog,
  g: { test: number; lanes: readonly number[] },
  failuresCount: boolean,
  slots: Slots,
  clustering: Clustering,
): RatchetLine | undefined {
  if (!line) return undefined;
  const since = onset?.run?.started ? Date.parse(onset.run.started) : NaN;
  let fellTo = line.fellTo;
  let recentWindows = slots.scan.length;
  if (Number.isFinite(since)) {
    const { runs, failed } = cellSequence(log, g.test, g.lanes, failuresCount, since, slots.current.end);
    if (failed.length > 0) fellTo = Math.min(fellTo, upperWorkingRate(log, runs, failed, 0, clustering));
    recentWindows = slots.scan.filter((w) => w.start >= since).length;
  }
  return {
    basis: { runs: line.basis.runs, working: line.basis.working, design: line.basis.design },
    fellTo,
    recentWindows,
    ...(line.required !== undefined ? { required: line.required / 100 } : {}),
  };
}

/** The lane whose variants describe the group: the first by job name, then variant key (independent of run order). */
function representativeLane(tests: TestAccumulator, g: TestCell): number {
  let best = g.lanes[0]!;
  for (const lane of g.lanes) {
    const a = tests.laneJob[lane]!;
    const b = tests.laneJob[best]!;
    if (a < b || (a === b && tests.laneKey[lane]! < tests.laneKey[best]!)) best = lane;
  }
  return best;
}

/** Regressions open before whose cell got no verdict now (no sample runs), and listed resolved ones. */
function carryOver<T extends TestRegression | JobRegression>(
  prior: Map<string, T>,
  seen: Set<string>,
  out: T[],
  asOf: string,
  keepResolvedDays: number,
  slots: Slots,
): void {
  const longest = longestScanMs(slots.scan);
  for (const [id, prev] of prior) {
    if (seen.has(id)) continue;
    if (isOpen(prev)) {
      out.push({
        ...prev,
        ...resolved(prev, asOf),
        heldByHysteresis: false,
        reason: `No verdict in this snapshot: no runs in the current window (or no basis while the new-test rule is off); last evidence from ${prev.evidenceAsOf}. ${prev.reason}`,
      });
    } else if (stillListed(prev, asOf, keepResolvedDays, longest)) out.push(prev);
  }
}

// ---- Jobs ------------------------------------------------------------------------------------------

export interface JobCells {
  log: TestLog;
  /** Job names by job index (the log's "tests" and lanes are jobs). */
  names: readonly string[];
  variantKeys: ReadonlyMap<string, string>;
}

/**
 * Job pass-rate regressions, ratchet mode: the same rules on runs (success against failure + error;
 * aborted and pending runs are not counted), every scan window against the basis or the frozen line,
 * discrete Benjamini–Hochberg across the jobs of the report.
 */
export function jobRegressions(jobs: JobCells, context: RegressionContext): { regressions: JobRegression[]; tested: number } {
  const { settings, previous, asOf, slots } = context;
  const prior = previousRegressions(previous, 'jobs');
  const built = buildTestCells(
    jobs.log,
    jobs.names.length,
    { laneJob: jobs.names, laneKey: jobs.names },
    { scan: slots.scan, basis: slots.basis },
    {
      groupBy: 'job',
      jobCells: false,
      flakeAsFailure: true,
      skipEstimate: (_job, name) => isOpen(prior.get(regressionId('ratchet', 'job', name, jobs.variantKeys.get(name) ?? ''))),
      testOrder: orderBy(jobs.names.length, (j) => jobs.names[j]!),
    },
  );
  const clustering = clusteringOf(built, settings.clustering);
  const failures = (c: WindowCounts): number => c.failures + c.flakes;
  const workingOf = (c: unknown): number => (c as JobCounts).success;
  const ids = built.cells.map((g) => regressionId('ratchet', 'job', g.group, jobs.variantKeys.get(g.group) ?? ''));
  const lines = built.cells.map((g, i) => {
    const before = prior.get(ids[i]!);
    return isOpen(before) ? followLine(lineOf(before, workingOf), before!.onset ?? null, jobs.log, g, true, slots, clustering) : undefined;
  });
  const inputs = built.cells.map((g, i) => cellInput(g, failures, lines[i], false, clustering, freshWindowsAfter(prior.get(ids[i]!), slots.scan)));
  const labels = slots.scan.map((w) => w.label);
  // A job without basis runs is new, not regressed: the new-test rule does not apply to jobs.
  const { verdicts, tested } = evaluateCells(
    inputs,
    { ...settings, newTestPassRate: 0 },
    { rateLabel: 'Pass rate', windowLabels: labels, windowWeights: windowWeights(slots) },
  );
  const out: JobRegression[] = [];
  const seen = new Set<string>();
  verdicts.forEach((v, i) => {
    const verdict = v?.ratchet;
    if (!verdict) return;
    const id = ids[i]!;
    seen.add(id);
    const g = built.cells[i]!;
    const before = prior.get(id);
    const openBefore = isOpen(before);
    let onset: JobRegression['onset'];
    let line: Line | undefined;
    if (verdict.regressed && openBefore && lines[i]) {
      onset = before!.onset ?? null;
      line = { ...storedLine(before!, lines[i]!, slots, asOf), fellTo: round(lines[i]!.fellTo, 6) };
    } else if (verdict.regressed && verdict.line) {
      const found = onsetOf(jobs.log, g.test, g.lanes, true, slots, context.bucket, clustering);
      onset = found.onset;
      line = freezeLine({ ...verdict.line, fellTo: found.fellTo ?? verdict.line.fellTo }, slots, asOf);
    }
    out.push({
      id,
      mode: 'ratchet',
      kind: 'job',
      ...(verdict.regressed ? flagged(before, asOf) : resolved(before!, asOf)),
      severity: verdict.severity,
      heldByHysteresis: verdict.heldByHysteresis,
      evidenceAsOf: asOf,
      reason: verdict.reason,
      job: g.group,
      variantKey: jobs.variantKeys.get(g.group) ?? '',
      window: verdict.window,
      sample: jobCounts(windowCounts(g, verdict.window, labels)),
      basis: openBefore && before!.line ? before!.basis : jobCounts(g.basis),
      design: { sample: round(verdict.counts.sample.design, 4), basis: round(verdict.counts.basis.design, 4) },
      ...(line ? { line } : {}),
      ...(onset !== undefined ? { onset } : {}),
      p: verdict.p,
      q: verdict.q,
      drop: verdict.drop,
      dropInterval: verdict.dropInterval,
    });
  });
  carryOver(prior, seen, out, asOf, settings.keepResolvedDays, slots);
  out.sort(compareRegressions);
  return { regressions: out, tested };
}

/** Job counts of a window of the job log: passes are successes, failures failures, flakes errors. */
function jobCounts(c: WindowCounts): JobCounts {
  return finishCounts({ runs: runsOf(c), success: c.passes, failure: c.failures, aborted: 0, error: c.flakes, pending: 0 });
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
