/**
 * Windows and groups: variant groups pool runs of equal variants across jobs; a longer regression
 * basis reaches further back without changing the previous window of the summaries; the fetch
 * look-back grows with it.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.ts';
import type { RunRecord, Variants } from '../src/ingest/run-record.ts';
import { variantKey } from '../src/ingest/variants.ts';
import { analysisPlan } from './support/plans.ts';
import { analysisInput, runRecord } from './support/run-records.ts';
import { AS_OF, AS_OF_MS, DAY } from './support/constants.ts';

const AWS: Variants = { platform: 'aws', network: 'ovn', architecture: 'amd64', topology: 'ha', installer: 'ipi', release: '4.22', aggregated: false };
const GCP: Variants = { ...AWS, platform: 'gcp' };
const NAME = '[sig-cli] oc works [Suite:openshift/conformance/parallel]';

let build = 1_500_000_000_000_000_000n;
function run(job: string, variants: Variants, daysAgo: number, result: RunRecord['result'], testStatus: 'pass' | 'fail' = 'pass'): RunRecord {
  build += 1n;
  const buildId = String(build);
  const t = AS_OF_MS - daysAgo * DAY;
  return runRecord(job, buildId, t, {
    ...(result === 'pending' ? { finished: null } : {}),
    result,
    final: result !== 'pending',
    variants,
    tests: result === 'pending' ? [] : [{ suite: 'openshift-tests', name: NAME, status: testStatus, durationSec: 1 }],
  });
}

describe('variant groups', () => {
  it('pools runs of equal variants across jobs and counts each result', async () => {
    const runs = [
      run('job-a', AWS, 1, 'success'),
      run('job-a', AWS, 2, 'failure', 'fail'),
      run('job-b', AWS, 3, 'success'),
      run('job-b', AWS, 4, 'aborted'),
      run('job-b', AWS, 9, 'success'),
      run('job-c', GCP, 10, 'success'),
    ];
    const s = await analyze(analysisInput(runs));
    const aws = s.variantGroups!.find((g) => g.variantKey === variantKey(AWS))!;
    expect(aws.jobs).toEqual(['job-a', 'job-b']);
    expect(aws.current).toMatchObject({ runs: 4, success: 2, failure: 1, aborted: 1 });
    expect(aws.current.passRate).toBeCloseTo(2 / 3, 12);
    expect(aws.previous).toMatchObject({ runs: 1, success: 1 });
    expect(aws.trend).toBe('down');
    // No finished run in the current window: stale, never passing.
    const gcp = s.variantGroups!.find((g) => g.variantKey === variantKey(GCP))!;
    expect(gcp.status).toBe('stale');
    expect(s.variantGroups!.map((g) => g.variantKey)).toEqual([...s.variantGroups!.map((g) => g.variantKey)].sort());
  });
});

describe('a basis window of its own', () => {
  it('feeds regressions from further back while summaries keep the previous window', async () => {
    const runs = [
      ...Array.from({ length: 10 }, (_, i) => run('job-a', AWS, 0.5 + i * 0.5, i < 6 ? 'failure' : 'success', i < 6 ? 'fail' : 'pass')),
      ...Array.from({ length: 10 }, (_, i) => run('job-a', AWS, 15 + i, 'success')), // only in the 21-day basis
    ];
    // One scan window, the whole current week: this test is about the basis window.
    const s = await analyze(analysisInput(runs, { config: { regressions: { basis: '21d', windows: ['7d'] } } }));
    expect(s.coverage.runsRead).toBe(20);
    expect(s.jobs[0]!.previous.runs).toBe(0);
    expect(s.regressions!.settings.basisWindow.start).toBe(new Date(AS_OF_MS - 28 * DAY).toISOString());
    const r = s.regressions!.tests.find((t) => t.mode === 'ratchet')!;
    expect(r.basis).toMatchObject({ runs: 10, passes: 10 });
    expect(r.sample).toMatchObject({ runs: 10, failures: 6 });
  });

  it('makes the fetch look back far enough', () => {
    expect(analysisPlan(AS_OF).windows.lookbackStart).toBe(AS_OF_MS - 37 * DAY);
    expect(analysisPlan(AS_OF, { regressions: { basis: '28d' } }).windows.lookbackStart).toBe(AS_OF_MS - 35 * DAY);
    expect(analysisPlan(AS_OF, { regressions: { basis: '3d' } }).windows.lookbackStart).toBe(AS_OF_MS - 14 * DAY);
  });
});
