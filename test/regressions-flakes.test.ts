/** Flakes count as working unless regressions.flakeAsFailure is set; then they count as failures. */
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.ts';
import type { RunRecord } from '../src/ingest/run-record.ts';
import { analysisInput, runRecord } from './support/run-records.ts';
import { AS_OF_MS, DAY } from './support/constants.ts';

const JOB = 'periodic-ci-openshift-release-main-nightly-4.22-e2e-metal-ipi-ovn';
const NAME = '[sig-storage] snapshots restore [Suite:openshift/conformance/parallel]';

/** 30 runs per week; in the current week the test flakes in half of them, before it always passed. */
function runs(): RunRecord[] {
  return Array.from({ length: 60 }, (_, i): RunRecord => {
    const t = AS_OF_MS - 14 * DAY + i * ((14 * DAY) / 60) + 1;
    const flake = t >= AS_OF_MS - 7 * DAY && i % 2 === 0;
    const buildId = String(1_400_000_000_000_000_000n + BigInt(i));
    return runRecord(JOB, buildId, t, {
      tests: [{ suite: 'openshift-tests', name: NAME, status: flake ? 'flake' : 'pass', durationSec: 1, ...(flake ? { message: 'retried' } : {}) }],
    });
  });
}

const analyse = (flakeAsFailure: boolean) => analyze(analysisInput(runs(), { config: { regressions: { flakeAsFailure } } }));

describe('flakes in regression cells', () => {
  it('count as working by default: a flaky test is not a regression', async () => {
    const s = await analyse(false);
    expect(s.regressions!.tests).toEqual([]);
    expect(s.tests[0]!.current.flakes).toBe(15);
  });

  it('count as failures with flakeAsFailure, and the flaked runs are the evidence', async () => {
    const s = await analyse(true);
    const r = s.regressions!.tests.find((t) => t.mode === 'ratchet')!;
    expect(r).toMatchObject({ status: 'new', drop: 50 });
    expect(r.failedRuns.length).toBe(10);
    expect(r.failedRuns.every((f) => f.status === 'flake')).toBe(true);
    expect(s.regressions!.settings.flakeAsFailure).toBe(true);
  });
});
