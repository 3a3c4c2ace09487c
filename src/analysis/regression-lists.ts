/**
 * From accumulated counts to the snapshot's regression lists: cells of test × group (and of jobs),
 * verdicts in both modes (verdict-rules.ts), lifecycle against the previous snapshot (lifecycle.ts),
 * and the evidence each entry carries.
 */
import { REGRESSION_MODES, type RegressionsConfig } from '../config/config-schema.ts';
import type { EvidenceRun, JobCounts, JobRegression, RegressionMode, Snapshot, TestRegression } from '../snapshot/schema.ts';
import { evaluateCells, type CellSide, type RegressionCell, type Verdict } from './verdict-rules.ts';
import type { Slots } from './slots.ts';
import { compareRegressions, flagged, isOpen, previousRegressions, regressionId, resolved, stillListed, type Lifecycle } from './lifecycle.ts';
import { finishTestCounts, newestFirst, runsOf, testId, type GroupCell, type RawCounts, type TestAccumulator } from './test-summary.ts';

export interface TestRegressionResult {
  regressions: TestRegression[];
  cells: number;
  tested: number;
}

/** How reasons name the recent window: "last 3 days", "last 36 hours". */
export function recentLabel(slots: Slots): string {
  if (!slots.recent) return 'recent window';
  const hours = (slots.recent.end - slots.recent.start) / 3_600_000;
  return hours % 24 === 0 ? `last ${hours / 24 === 1 ? 'day' : `${hours / 24} days`}` : `last ${Math.round(hours * 10) / 10} hours`;
}

/** Counts of the sample before the recent window: sample − recent. */
function minus(a: RawCounts, b: RawCounts): RawCounts {
  return { passes: a.passes - b.passes, failures: a.failures - b.failures, flakes: a.flakes - b.flakes };
}

function plus(a: RawCounts, b: RawCounts): RawCounts {
  return { passes: a.passes + b.passes, failures: a.failures + b.failures, flakes: a.flakes + b.flakes };
}

export function testRegressions(
  tests: TestAccumulator,
  settings: RegressionsConfig,
  previous: Snapshot | null | undefined,
  asOf: string,
  slots: Slots,
): TestRegressionResult {
  const groups = tests.groupCells(settings.groupBy, settings.ratchet.jobCells);
  const prior = previousRegressions(previous, 'tests');
  const ids = groups.map((g) => {
    const id = testId(tests.suites[g.test]!, tests.names[g.test]!);
    return { testId: id, ratchet: regressionId('ratchet', 'test', id, g.group), compatible: regressionId('compatible', 'test', id, g.group) };
  });
  const side = (c: RawCounts): CellSide => ({ runs: runsOf(c), working: settings.flakeAsFailure ? c.passes : c.passes + c.flakes });
  const cells: RegressionCell[] = groups.map((g, i) => ({
    sample: side(g.sample),
    basis: side(g.basis),
    sampleHardFailures: g.sample.failures,
    ...(slots.recent ? { recent: { sample: side(g.recent), basis: side(plus(g.basis, minus(g.sample, g.recent))) } } : {}),
    openRatchet: isOpen(prior.get(ids[i]!.ratchet)),
    openCompatible: g.compatible && isOpen(prior.get(ids[i]!.compatible)),
    compatible: g.compatible,
  }));
  const { verdicts, tested } = evaluateCells(cells, settings, { recentLabel: recentLabel(slots) });
  const out: TestRegression[] = [];
  const seen = new Set<string>();
  verdicts.forEach((v, i) => {
    if (!v) return;
    for (const mode of REGRESSION_MODES) {
      const verdict = v[mode];
      if (!verdict) continue;
      const id = ids[i]![mode];
      seen.add(id);
      const before = prior.get(id);
      const lifecycle = verdict.regressed ? flagged(before, asOf) : resolved(before!, asOf);
      out.push(testEntry(tests, groups[i]!, ids[i]!.testId, id, mode, verdict, lifecycle, settings, asOf, slots));
    }
  });
  carryOver(prior, seen, out, asOf, settings.keepResolvedDays);
  out.sort(compareRegressions);
  return { regressions: out, cells: groups.length, tested };
}

function testEntry(
  tests: TestAccumulator,
  g: GroupCell,
  test: string,
  id: string,
  mode: RegressionMode,
  verdict: Verdict,
  lifecycle: Lifecycle,
  settings: RegressionsConfig,
  asOf: string,
  slots: Slots,
): TestRegression {
  const lanes = new Set(g.lanes);
  const failedRuns: EvidenceRun[] = [];
  const jobs = new Set<string>();
  for (const lane of g.lanes) jobs.add(tests.laneJob[lane]!);
  const recent = verdict.window === 'recent' && slots.recent ? slots.recent.start : -Infinity;
  // The counts the verdict rests on: the current window against the basis, or the recent window
  // against every earlier run of the basis and current windows.
  const sample = verdict.window === 'recent' ? g.recent : g.sample;
  const basis = verdict.window === 'recent' ? plus(g.basis, minus(g.sample, g.recent)) : g.basis;
  for (const r of newestFirst(
    tests.failedRuns(g.test).filter((r) => r.slot === 0 && r.time >= recent && lanes.has(r.lane) && (r.status === 'fail' || settings.flakeAsFailure)),
  )) {
    if (failedRuns.length >= settings.maxFailedRuns) break;
    failedRuns.push({ job: r.job, buildId: r.buildId, url: r.url, status: r.status, started: r.started });
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
    basis: runsOf(basis) > 0 ? finishTestCounts(basis) : null,
    p: verdict.p,
    q: verdict.q,
    drop: verdict.drop,
    dropInterval: verdict.dropInterval,
    failedRuns,
  };
}

/** The lane whose variants describe the group: the first by job name, then variant key (independent of run order). */
function representativeLane(tests: TestAccumulator, g: GroupCell): number {
  let best = g.lanes[0]!;
  for (const lane of g.lanes) {
    const a = tests.laneJob[lane]!;
    const b = tests.laneJob[best]!;
    if (a < b || (a === b && tests.laneKey[lane]! < tests.laneKey[best]!)) best = lane;
  }
  return best;
}

/** Regressions open before whose cell got no verdict now (no sample runs), and listed resolved ones. */
function carryOver<T extends TestRegression | JobRegression>(prior: Map<string, T>, seen: Set<string>, out: T[], asOf: string, keepResolvedDays: number): void {
  for (const [id, prev] of prior) {
    if (seen.has(id)) continue;
    if (isOpen(prev)) {
      out.push({
        ...prev,
        ...resolved(prev, asOf),
        heldByHysteresis: false,
        reason: `No verdict in this snapshot (no sample runs in the cell, or no basis while the new-test rule is off); last evidence from ${prev.evidenceAsOf}. ${prev.reason}`,
      });
    } else if (stillListed(prev, asOf, keepResolvedDays)) out.push(prev);
  }
}

// ---- Jobs ------------------------------------------------------------------------------------------

export interface JobWindows {
  name: string;
  variantKey: string;
  sample: JobCounts;
  basis: JobCounts;
  /** The recent window and every earlier run of the basis and current windows; absent when off. */
  recent?: { sample: JobCounts; basis: JobCounts };
}

/**
 * Job pass-rate regressions, ratchet mode: Fisher on success against failure + error, current and
 * recent window, discrete Benjamini–Hochberg across the jobs of the report.
 */
export function jobRegressions(
  jobs: readonly JobWindows[],
  settings: RegressionsConfig,
  previous: Snapshot | null | undefined,
  asOf: string,
  recentLabel = 'recent window',
): { regressions: JobRegression[]; tested: number } {
  const prior = previousRegressions(previous, 'jobs');
  const ids = jobs.map((j) => regressionId('ratchet', 'job', j.name, j.variantKey));
  const decided = (c: JobCounts): number => c.success + c.failure + c.error;
  const side = (c: JobCounts): CellSide => ({ runs: decided(c), working: c.success });
  const cells: RegressionCell[] = jobs.map((j, i) => ({
    sample: side(j.sample),
    basis: side(j.basis),
    sampleHardFailures: j.sample.failure + j.sample.error,
    ...(j.recent ? { recent: { sample: side(j.recent.sample), basis: side(j.recent.basis) } } : {}),
    openRatchet: isOpen(prior.get(ids[i]!)),
    openCompatible: false,
  }));
  // A job without basis runs is new, not regressed: the new-test rule does not apply to jobs.
  const { verdicts, tested } = evaluateCells(cells, { ...settings, newTestPassRate: 0 }, { rateLabel: 'Pass rate', recentLabel });
  const out: JobRegression[] = [];
  const seen = new Set<string>();
  verdicts.forEach((v, i) => {
    const verdict = v?.ratchet;
    if (!verdict) return;
    const id = ids[i]!;
    seen.add(id);
    const j = jobs[i]!;
    const counts = verdict.window === 'recent' && j.recent ? j.recent : j;
    out.push({
      id,
      mode: 'ratchet',
      kind: 'job',
      ...(verdict.regressed ? flagged(prior.get(id), asOf) : resolved(prior.get(id)!, asOf)),
      severity: verdict.severity,
      heldByHysteresis: verdict.heldByHysteresis,
      evidenceAsOf: asOf,
      reason: verdict.reason,
      job: j.name,
      variantKey: j.variantKey,
      window: verdict.window,
      sample: counts.sample,
      basis: counts.basis,
      p: verdict.p,
      q: verdict.q,
      drop: verdict.drop,
      dropInterval: verdict.dropInterval,
    });
  });
  carryOver(prior, seen, out, asOf, settings.keepResolvedDays);
  out.sort(compareRegressions);
  return { regressions: out, tested };
}
