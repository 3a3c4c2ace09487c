/**
 * Aggregated runs: ten runs of one job on one payload tag are judged per test with the
 * aggregator's required-passes rule against the job's own history, beside an exact Fisher test on
 * the same history counts.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.ts';
import { testId } from '../src/analysis/test-summary.ts';
import type { RunRecord, TestResult } from '../src/ingest/run-record.ts';
import { aggregatedTestVerdict, benjaminiHochberg, fisherGreater } from '../src/analysis/stats/index.ts';
import { analysisInput, runRecord } from './support/run-records.ts';
import { AS_OF_MS, DAY, HOUR } from './support/constants.ts';

const JOB = 'periodic-ci-openshift-release-main-nightly-4.22-e2e-gcp-ovn-upgrade';
const PAYLOAD = '4.22.0-0.nightly-2026-11-27-101010';
const SMALL_PAYLOAD = '4.22.0-0.nightly-2026-11-26-090909';
const BROKEN = '[sig-network] pods reach services [Suite:openshift/conformance/parallel]';
const WOBBLY = '[sig-storage] volumes attach [Suite:openshift/conformance/parallel]';
const SKIPPED = '[sig-windows] windows nodes [Suite:openshift/conformance/parallel]';
const FINE = '[sig-apps] deployments roll [Suite:openshift/conformance/parallel]';

let build = 1_600_000_000_000_000_000n;
function run(t: number, statuses: Record<string, TestResult['status']>, payloadTag?: string): RunRecord {
  build += 1n;
  const buildId = String(build);
  return runRecord(JOB, buildId, t, {
    result: Object.values(statuses).includes('fail') ? 'failure' : 'success',
    ...(payloadTag ? { payloadTag } : {}),
    tests: Object.entries(statuses).map(([name, status]) => ({ suite: 'openshift-tests', name, status, durationSec: 1 })),
  });
}

function records(): RunRecord[] {
  const out: RunRecord[] = [];
  // History: 40 runs in the basis window; BROKEN failed once, WOBBLY four times.
  for (let i = 0; i < 40; i++) {
    out.push(
      run(AS_OF_MS - 13 * DAY + i * HOUR * 3, {
        [BROKEN]: i === 5 ? 'fail' : 'pass',
        [WOBBLY]: i % 10 === 0 ? 'fail' : 'pass',
        [FINE]: 'pass',
        [SKIPPED]: 'skip',
      }),
    );
  }
  // The payload: ten runs; BROKEN fails in six, WOBBLY in two (one more flakes), SKIPPED never runs.
  for (let i = 0; i < 10; i++) {
    out.push(
      run(
        AS_OF_MS - 2 * DAY + i * HOUR,
        { [BROKEN]: i < 6 ? 'fail' : 'pass', [WOBBLY]: i < 2 ? 'fail' : i === 2 ? 'flake' : 'pass', [FINE]: 'pass', [SKIPPED]: 'skip' },
        PAYLOAD,
      ),
    );
  }
  // Three runs of another payload: too few to aggregate.
  for (let i = 0; i < 3; i++) out.push(run(AS_OF_MS - 3 * DAY + i * HOUR, { [BROKEN]: 'fail', [FINE]: 'pass' }, SMALL_PAYLOAD));
  return out;
}

async function snapshot() {
  return analyze(analysisInput(records()));
}

describe('aggregated runs', () => {
  it('forms a set only from enough runs of one job on one payload tag', async () => {
    const s = await snapshot();
    expect(s.aggregated!.map((a) => a.payloadTag)).toEqual([PAYLOAD]);
    const set = s.aggregated![0]!;
    expect(set.runs).toHaveLength(10);
    expect(set.job).toBe(JOB);
  });

  it("applies the aggregator's required-passes rule against the job's history without this payload", async () => {
    const set = (await snapshot()).aggregated![0]!;
    const broken = set.tests.find((t) => t.name === BROKEN)!;
    // History: the 40 basis runs plus the 3 runs of the other payload (all failing BROKEN).
    const historyRuns = 43;
    const historyWorking = 39;
    expect(broken.history).toMatchObject({ runs: historyRuns, working: historyWorking });
    const expected = aggregatedTestVerdict({ attempts: 10, passes: 4, failures: 6, skips: 0, historicalWorkingPercent: (100 * historyWorking) / historyRuns });
    expect(broken.aggregator).toMatchObject({
      verdict: expected.verdict,
      rule: expected.rule,
      required: expected.required,
      tableRequired: expected.tableRequired,
      workingPercent: expected.workingPercent,
    });
    expect(broken.aggregator.verdict).toBe('fail');
    expect(broken.testId).toBe(testId('openshift-tests', BROKEN));
  });

  it('reports a one-sided Fisher test on the same counts, adjusted across the tests of the set', async () => {
    const set = (await snapshot()).aggregated![0]!;
    const broken = set.tests.find((t) => t.name === BROKEN)!;
    const wobbly = set.tests.find((t) => t.name === WOBBLY)!;
    // Flakes count as passes: WOBBLY passed in 8 of 10.
    expect(wobbly).toMatchObject({ attempts: 10, passes: 8, failures: 2 });
    const pBroken = fisherGreater(6, 4, 43 - 39, 39);
    const pWobbly = fisherGreater(2, 8, 4, 36);
    const pFine = fisherGreater(0, 10, 0, 43);
    const q = benjaminiHochberg([pBroken, pWobbly, pFine]);
    expect(broken.fisher).toEqual({ p: pBroken, q: q[0], verdict: q[0]! <= 0.05 ? 'fail' : 'pass' });
    expect(wobbly.fisher).toEqual({ p: pWobbly, q: q[1], verdict: q[1]! <= 0.05 ? 'fail' : 'pass' });
    expect(set.failedFisher).toBe([q[0]!, q[1]!].filter((x) => x <= 0.05).length);
  });

  it('lists only tests that failed or failed a check, failing ones first; skipped-only tests pass', async () => {
    const set = (await snapshot()).aggregated![0]!;
    expect(set.tests.map((t) => t.name)).not.toContain(FINE);
    expect(set.tests.map((t) => t.name)).not.toContain(SKIPPED);
    expect(set.tests[0]!.name).toBe(BROKEN);
    expect(set.testsChecked).toBe(3);
  });
});
