/**
 * Regression lifecycle across a sequence of snapshots: a regression is new, then open with its
 * firstSeen carried over, then resolved, listed for five days, then dropped; ids stay stable; the
 * same inputs give the same bytes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze, type AnalysisInput } from '../src/analysis/analyze.ts';
import { regressionId } from '../src/analysis/lifecycle.ts';
import { testId } from '../src/analysis/test-summary.ts';
import type { RunRecord, TestResult } from '../src/ingest/run-record.ts';
import { variantsFromJobName, variantKey } from '../src/ingest/variants.ts';
import { serializeSnapshot } from '../src/store/snapshot-store.ts';
import type { Snapshot } from '../src/snapshot/schema.ts';
import { analysisInput, runRecord } from './support/run-records.ts';
import { DAY, HOUR, JOB } from './support/constants.ts';

const D = Date.parse('2026-11-01T06:00:00Z');
const BROKEN = '[sig-node] pods should start [Suite:openshift/conformance/parallel]';
const STABLE = Array.from({ length: 5 }, (_, i) => `[sig-apps] stable test ${i} [Suite:openshift/conformance/parallel]`);

/** A run every 6 hours from D − 30 d to D + 30 d; BROKEN fails in every other run of [D − 5 d, D + 3 d). */
function runs(): RunRecord[] {
  const out: RunRecord[] = [];
  for (let i = 0, t = D - 30 * DAY; t < D + 30 * DAY; i++, t += 6 * HOUR) {
    const broken = t >= D - 5 * DAY && t < D + 3 * DAY && i % 2 === 0;
    const tests: TestResult[] = [
      { suite: 'openshift-tests', name: BROKEN, status: broken ? 'fail' : 'pass', durationSec: 1, ...(broken ? { message: 'container never started' } : {}) },
      ...STABLE.map((name): TestResult => ({ suite: 'openshift-tests', name, status: 'pass', durationSec: 1 })),
    ];
    const buildId = String(1_800_000_000_000_000_000n + BigInt(i));
    out.push(runRecord(JOB, buildId, t, { result: broken ? 'failure' : 'success', tests }));
  }
  return out;
}

const RECORDS = runs();
const input = (asOf: number, previous: Snapshot | null): AnalysisInput => analysisInput(RECORDS, { asOf: new Date(asOf), previous });

const ratchetTest = (s: Snapshot) => s.regressions!.tests.filter((r) => r.mode === 'ratchet' && r.name === BROKEN);

describe('regression lifecycle', () => {
  const snaps: Record<string, Snapshot> = {};
  beforeAll(async () => {
    snaps.s1 = await analyze(input(D, null));
    snaps.s2 = await analyze(input(D + DAY, snaps.s1));
    snaps.s3 = await analyze(input(D + 20 * DAY, snaps.s2));
    snaps.s4 = await analyze(input(D + 22 * DAY, snaps.s3));
    snaps.s5 = await analyze(input(D + 28 * DAY, snaps.s4));
  });

  it('gives a regression an id from mode, kind, test and group', () => {
    const [r] = ratchetTest(snaps.s1!);
    expect(r!.id).toBe(regressionId('ratchet', 'test', testId('openshift-tests', BROKEN), variantKey(variantsFromJobName(JOB))));
    expect(r!.status).toBe('new');
    expect(r!.firstSeen).toBe(snaps.s1!.asOf);
    expect(snaps.s1!.regressions!.settings.previousSnapshot).toBeNull();
  });

  it('keeps it open, with its first sighting, while it lasts', () => {
    const [r] = ratchetTest(snaps.s2!);
    expect(r).toMatchObject({ id: ratchetTest(snaps.s1!)[0]!.id, status: 'open', firstSeen: snaps.s1!.asOf, lastSeen: snaps.s2!.asOf, resolvedAt: null });
    expect(snaps.s2!.regressions!.settings.previousSnapshot).toBe(snaps.s1!.id);
    const job = snaps.s2!.regressions!.jobs.find((j) => j.job === JOB)!;
    expect(job).toMatchObject({ status: 'open', firstSeen: snaps.s1!.asOf });
  });

  it('resolves it when the test works again, with the evidence of the day', () => {
    const [r] = ratchetTest(snaps.s3!);
    expect(r).toMatchObject({
      status: 'resolved',
      firstSeen: snaps.s1!.asOf,
      lastSeen: snaps.s2!.asOf,
      resolvedAt: snaps.s3!.asOf,
      evidenceAsOf: snaps.s3!.asOf,
    });
    expect(r!.sample.failures).toBe(0);
    expect(snaps.s3!.regressions!.summary.ratchet.resolved).toBeGreaterThanOrEqual(1);
  });

  it('lists a resolved regression for keepResolvedDays (5), in ratchet mode at least the longest scan window (7 days), then drops it', async () => {
    expect(ratchetTest(snaps.s4!)).toEqual(ratchetTest(snaps.s3!));
    // Six days after: past keepResolvedDays, but the 7-day window still holds runs from before the resolution.
    expect(ratchetTest(await analyze(input(D + 26 * DAY, snaps.s4!)))).toEqual(ratchetTest(snaps.s3!));
    expect(ratchetTest(snaps.s5!)).toEqual([]);
  });

  it('ignores a "previous" snapshot that is not older', async () => {
    const s = await analyze(input(D, snaps.s2!));
    expect(s.regressions!.settings.previousSnapshot).toBeNull();
    expect(ratchetTest(s)[0]!.status).toBe('new');
  });

  it('gives the same bytes for the same records, as-of, config and previous snapshot', async () => {
    const again = await analyze(input(D + DAY, snaps.s1!));
    expect(serializeSnapshot(again)).toBe(serializeSnapshot(snaps.s2!));
  });

  it('does not depend on the order the runs arrive in', async () => {
    const reversed = await analyze({ ...input(D + DAY, snaps.s1!), runs: [...RECORDS].reverse() });
    expect(serializeSnapshot(reversed)).toBe(serializeSnapshot(snaps.s2!));
  });
});
