/**
 * Aggregated runs: several runs of one job on one payload tag, judged per test as the
 * job-run-aggregator does (required-passes table with its pity factor), beside a one-sided Fisher
 * exact test against the test's real history counts in the same job. See docs/statistics.md,
 * "Aggregated runs".
 */
import type { AggregatedSet, AggregatedTest } from '../snapshot/schema.ts';
import { compareBuildIds } from '../ingest/run-record.ts';
import { aggregatedTestVerdict, benjaminiHochberg, fisherGreater } from './stats/index.ts';
import { testId, type PayloadRun, type TestAccumulator } from './test-summary.ts';

export interface AggregatedSettings {
  minRuns: number;
  fdr: number;
}

export function analyzeAggregated(tests: TestAccumulator, settings: AggregatedSettings): AggregatedSet[] {
  const sets = new Map<string, PayloadRun[]>();
  for (const run of tests.payloadRuns) {
    const key = `${run.job}\u0000${run.payloadTag}`;
    let list = sets.get(key);
    if (!list) sets.set(key, (list = []));
    list.push(run);
  }
  const out: AggregatedSet[] = [];
  for (const runs of sets.values()) {
    if (runs.length < settings.minRuns) continue;
    runs.sort((a, b) => compareBuildIds(a.buildId, b.buildId));
    out.push(analyzeSet(tests, runs, settings));
  }
  return out.sort((a, b) => cmp(a.job, b.job) || cmp(a.payloadTag, b.payloadTag));
}

function analyzeSet(tests: TestAccumulator, runs: PayloadRun[], settings: AggregatedSettings): AggregatedSet {
  const job = runs[0]!.job;
  // Per test: runs with a pass (or flake), runs with a failure only, runs with a skip only.
  const counts = new Int32Array(tests.testTotal * 3);
  const seen: number[] = [];
  for (const run of runs) {
    for (let i = 0; i < run.tests.length; i++) {
      const t = run.tests[i]!;
      const code = run.statuses[i]!;
      if (counts[t * 3]! + counts[t * 3 + 1]! + counts[t * 3 + 2]! === 0) seen.push(t);
      counts[t * 3 + (code === 0 || code === 2 ? 0 : code === 1 ? 1 : 2)]!++;
    }
  }
  seen.sort((a, b) => a - b);
  interface Row {
    test: number;
    passes: number;
    failures: number;
    skips: number;
    history: { runs: number; working: number } | null;
    p: number;
  }
  const rows: Row[] = [];
  for (const t of seen) {
    const passes = counts[t * 3]!;
    const failures = counts[t * 3 + 1]!;
    const skips = counts[t * 3 + 2]!;
    // The job's history minus this set's own runs (they are in the current window too).
    const all = tests.jobHistory(t, job);
    const history = all.runs - passes - failures > 0 ? { runs: all.runs - passes - failures, working: all.working - passes } : null;
    const p = history && passes + failures > 0 ? fisherGreater(failures, passes, history.runs - history.working, history.working) : NaN;
    rows.push({ test: t, passes, failures, skips, history, p });
  }
  const q = benjaminiHochberg(rows.map((r) => r.p));
  const listed: AggregatedTest[] = [];
  let checked = 0;
  let failedAggregator = 0;
  let failedFisher = 0;
  rows.forEach((r, i) => {
    const attempts = r.passes + r.failures;
    if (attempts > 0) checked++;
    const workingPercent = r.history ? (100 * r.history.working) / r.history.runs : undefined;
    const v = aggregatedTestVerdict({
      attempts,
      passes: r.passes,
      failures: r.failures,
      skips: r.skips,
      ...(workingPercent === undefined ? {} : { historicalWorkingPercent: workingPercent }),
    });
    const fisher = Number.isNaN(r.p) ? null : { p: r.p, q: q[i]!, verdict: q[i]! <= settings.fdr ? ('fail' as const) : ('pass' as const) };
    if (v.verdict === 'fail') failedAggregator++;
    if (fisher?.verdict === 'fail') failedFisher++;
    if (r.failures === 0 && v.verdict === 'pass' && fisher?.verdict !== 'fail') return;
    listed.push({
      testId: testId(tests.suites[r.test]!, tests.names[r.test]!),
      suite: tests.suites[r.test]!,
      name: tests.names[r.test]!,
      attempts,
      passes: r.passes,
      failures: r.failures,
      skips: r.skips,
      history: r.history && workingPercent !== undefined ? { runs: r.history.runs, working: r.history.working, workingPercent } : null,
      aggregator: {
        verdict: v.verdict,
        rule: v.rule,
        reason: v.reason,
        required: v.required,
        tableRequired: v.tableRequired,
        workingPercent: v.workingPercent,
      },
      fisher,
    });
  });
  const failing = (t: AggregatedTest): number => (t.aggregator.verdict === 'fail' || t.fisher?.verdict === 'fail' ? 0 : 1);
  listed.sort(
    (a, b) => failing(a) - failing(b) || b.failures - a.failures || (a.fisher?.p ?? 2) - (b.fisher?.p ?? 2) || cmp(a.name, b.name) || cmp(a.suite, b.suite),
  );
  return {
    job,
    payloadTag: runs[0]!.payloadTag,
    variantKey: runs[0]!.variantKey,
    runs: runs.map((r) => ({ buildId: r.buildId, url: r.url, result: r.result, started: r.started })),
    testsChecked: checked,
    failedAggregator,
    failedFisher,
    tests: listed,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
