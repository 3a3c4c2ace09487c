/**
 * Disruption judged like test regressions (src/analysis/disruption.ts): the clustered Mann–Whitney
 * test is the ordinary one for independent runs and grows more cautious with the design effect;
 * compatible mode judges one payload's runs as the aggregator does, not a week of them; and a rise
 * opens a ratchet-mode regression with a frozen line that stays open while the rise lasts and
 * resolves once it has ended, through analyze() at successive as-of instants.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.ts';
import { clusteredMannWhitney } from '../src/analysis/disruption.ts';
import { mannWhitneyExactGreater, mannWhitneyU, normalQuantile, percentile } from '../src/analysis/stats/index.ts';
import type { RunRecord } from '../src/ingest/run-record.ts';
import type { Snapshot } from '../src/snapshot/schema.ts';
import { mulberry32 } from '../src/util/mulberry32.ts';
import { AS_OF_MS, DAY, HOUR, UPGRADE_JOB } from './support/constants.ts';
import { analysisInput } from './support/run-records.ts';
import { analyzeEach, payloadTagAt, runSeries } from './support/run-series.ts';

describe('the clustered Mann–Whitney test', () => {
  const shifted = [5, 6, 7, 8, 9.5];
  const basis = [1, 2, 3, 4, 5, 6, 6.5, 2.5, 1.5, 0.5];

  it('is the exact test for independent runs where p is small', () => {
    const exact = mannWhitneyExactGreater(shifted, basis)!;
    expect(exact.p).toBeLessThan(0.25);
    expect(clusteredMannWhitney(shifted, basis, 1, 1)).toEqual({ u: exact.u, p: exact.p });
  });

  it('is the tie-corrected normal approximation for independent runs where p is large', () => {
    const sample = [1, 2, 3, 3];
    const approx = mannWhitneyU(sample, basis, { alternative: 'greater' });
    expect(approx.p).toBeGreaterThan(0.25);
    expect(clusteredMannWhitney(sample, basis, 1, 1)).toMatchObject({ u: approx.u, p: approx.p });
  });

  it('grows with the design effect of either side, as its variance does', () => {
    const rng = mulberry32(3);
    const sample = Array.from({ length: 40 }, () => 1 + rng() * 10);
    const pool = Array.from({ length: 200 }, () => rng() * 10);
    let previous = 0;
    for (const d of [1.01, 1.5, 2, 4, 8]) {
      const p = clusteredMannWhitney(sample, pool, d, 1).p;
      expect(p, `sample design ${d}`).toBeGreaterThan(previous);
      previous = p;
    }
    expect(clusteredMannWhitney(sample, pool, 1.01, 3).p).toBeGreaterThan(clusteredMannWhitney(sample, pool, 1.01, 1.01).p);
    // Each side's variance is multiplied by its design effect: both by D divides z by √D.
    const z = (p: number): number => normalQuantile(1 - p);
    const base = z(clusteredMannWhitney(sample, pool, 1 + 1e-12, 1 + 1e-12).p);
    for (const d of [2, 4, 9]) expect(z(clusteredMannWhitney(sample, pool, d, d).p)).toBeCloseTo(base / Math.sqrt(d), 6);
    // U itself does not change: the pairs of sample above basis values are what they are.
    expect(clusteredMannWhitney(sample, pool, 4, 4).u).toBe(mannWhitneyU(sample, pool).u);
  });
});

/** A disruption backend's seconds: log-normal around 2 s (σ 0.8), rounded up as origin rounds each file. */
function normalSeconds(rng: () => number): number {
  const z = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  return Math.ceil(2 * Math.exp(0.8 * z));
}

const RISE = 'kube-api-new-connections';
const STEADY = 'openshift-api-new-connections';
const LATE = 'oauth-api-new-connections';

describe("compatible mode judges the newest payload's runs", () => {
  // The newest payload, accepted 20 hours before as-of, tested by the last 10 runs: the size of set
  // the aggregator judges (with 3 runs its checks require next to nothing).
  const NEWEST = AS_OF_MS - 20 * HOUR;
  const NEWEST_TAG = '4.22.0-0.nightly-2026-11-27-100000';
  /**
   * RISE is 10× its usual for the week, except on the newest payload; LATE is as usual for the week,
   * except on the newest payload, where it is 10×; STEADY never changes.
   */
  function runs(tagged: boolean): RunRecord[] {
    const rng = mulberry32(42);
    return runSeries(UPGRADE_JOB, {
      from: AS_OF_MS - 40 * DAY + HOUR,
      to: AS_OF_MS,
      make: (time) => {
        const week = time >= AS_OF_MS - 7 * DAY;
        const newest = time >= NEWEST;
        return {
          payloadTag: tagged ? (newest ? NEWEST_TAG : payloadTagAt(time)) : undefined,
          disruption: [
            { backend: RISE, seconds: normalSeconds(rng) * (week && !newest ? 10 : 1) },
            { backend: STEADY, seconds: normalSeconds(rng) },
            { backend: LATE, seconds: normalSeconds(rng) * (newest ? 10 : 1) },
          ],
        };
      },
    });
  }
  const cell = (s: Snapshot, backend: string) => s.disruption!.find((c) => c.backend === backend)!;

  it('passes a week of high disruption whose newest payload is fine, and fails a newest payload that is not', async () => {
    const s = await analyze(analysisInput(runs(true)));
    const newest = { payloadTag: NEWEST_TAG, runs: 10 };
    for (const backend of [RISE, STEADY, LATE]) expect(cell(s, backend).set).toEqual(newest);
    expect(cell(s, RISE).compatible).toBe('ok');
    expect(cell(s, LATE).compatible).toBe('regressed');
    expect(cell(s, STEADY).compatible).toBe('ok');
    // The week of RISE is no secret to ratchet mode, which tests every scan window.
    expect(cell(s, RISE).ratchet).toBe('regressed');
    const compatible = s.regressions!.disruption.filter((r) => r.mode === 'compatible');
    expect(compatible.map((r) => r.backend)).toEqual([LATE]);
    expect(compatible[0]!.failedChecks.length).toBeGreaterThan(0);
    expect(compatible[0]!.reason).toMatch(new RegExp(`^On payload ${NEWEST_TAG} \\(10 runs\\)`));
  });

  it('judges the newest ten runs when runs carry no payload tag', async () => {
    const s = await analyze(analysisInput(runs(false)));
    // The newest 10 runs are those of the last 20 hours.
    for (const backend of [RISE, STEADY, LATE]) expect(cell(s, backend).set).toEqual({ payloadTag: null, runs: 10 });
    expect(cell(s, RISE).compatible).toBe('ok');
    expect(cell(s, LATE).compatible).toBe('regressed');
  });
});

describe('a disruption rise in ratchet mode', () => {
  const ONSET = AS_OF_MS - 24 * DAY; // 06:00 UTC
  const END = ONSET + 12 * DAY;
  // Eight backends, one of which rises: how much seconds cluster by day is pooled over them all, as
  // over a report's hundreds of cells (with the rising one alone, its own rise, once in the basis,
  // would make its runs look clustered).
  const STEADY_ONES = [STEADY, LATE, ...Array.from({ length: 5 }, (_, i) => `backend-${i}-new-connections`)];
  const rng = mulberry32(7);
  const runs = runSeries(UPGRADE_JOB, {
    from: ONSET - 38 * DAY + HOUR,
    to: AS_OF_MS,
    make: (time) => ({
      disruption: [
        { backend: RISE, seconds: normalSeconds(rng) * (time >= ONSET && time < END ? 10 : 1) },
        ...STEADY_ONES.map((backend) => ({ backend, seconds: normalSeconds(rng) })),
      ],
    }),
  });
  /** Every 12 hours from the onset until 12 days after the rise ended. */
  const asOfs = Array.from({ length: 48 }, (_, k) => ONSET + (k + 1) * 12 * HOUR);
  const entry = (s: Snapshot, backend: string) => s.regressions!.disruption.find((r) => r.mode === 'ratchet' && r.backend === backend);

  it('opens with a frozen line, stays open while the rise lasts, and resolves after it ends', async () => {
    const snapshots = await analyzeEach(runs, asOfs);
    const flagged = snapshots.findIndex((s) => entry(s, RISE) !== undefined);
    const first = entry(snapshots[flagged]!, RISE)!;
    // At 12 runs a day the 12-hour window already holds 6 runs all far above the basis, which the
    // Mann–Whitney test puts at p ≈ 1e-5 against 360 basis runs: the first 12-hourly snapshot flags it.
    expect(flagged).toBe(0);
    expect(first.status).toBe('new');
    expect(Date.parse(first.onset!.run!.started!)).toBeGreaterThanOrEqual(ONSET);
    expect(Date.parse(first.onset!.run!.started!)).toBeLessThan(ONSET + 6 * HOUR);
    // The line: the basis window's P75 and how often its runs exceed it, frozen at the first flag.
    const line = first.line!;
    expect(line.frozenAt).toBe(first.firstSeen);
    const basisSeconds = runs
      .filter((r) => Date.parse(r.started!) >= Date.parse(line.basis.start) && Date.parse(r.started!) < Date.parse(line.basis.end))
      .map((r) => r.disruption.find((d) => d.backend === RISE)!.seconds);
    expect(line.basis.runs).toBe(basisSeconds.length);
    expect(line.basis.p75).toBe(percentile(basisSeconds, 75));
    expect(line.basis.shareAbove).toBeCloseTo(basisSeconds.filter((x) => x > line.basis.p75).length / basisSeconds.length, 6);
    expect(line.roseTo).toBeGreaterThan(0.5);

    const during = snapshots.filter((s) => Date.parse(s.asOf) <= END);
    for (const s of during.slice(1)) {
      const r = entry(s, RISE);
      expect(r?.status, s.asOf).toBe('open');
      expect(r!.line!.basis).toEqual(line.basis);
      expect(r!.onset).toEqual(first.onset);
    }
    // Nothing else rose: no steady backend is ever flagged.
    for (const s of snapshots)
      expect(
        s.regressions!.disruption.filter((r) => r.backend !== RISE).map((r) => `${r.mode} ${r.backend}`),
        s.asOf,
      ).toEqual([]);

    // After the rise: about a quarter of the runs are above the frozen P75 again, against a halfway
    // line near (0.25 + 0.9)/2 ≈ 0.6. Once the 3-day window holds only such runs, P(X ≤ 9 | 36, 0.6)
    // ≈ 1e-4 is far under 0.05 split over the windows, even with counts halved by a design effect:
    // resolved within 3 days and a snapshot of the end (measured: 36 hours, in the 24-hour window).
    const resolved = snapshots.find((s) => entry(s, RISE)?.status === 'resolved');
    expect(resolved).toBeDefined();
    const resolvedAt = Date.parse(resolved!.asOf);
    expect(resolvedAt).toBeGreaterThan(END);
    expect(resolvedAt - END).toBeLessThanOrEqual(3 * DAY + 12 * HOUR);
    expect(entry(resolved!, RISE)!.reason).toMatch(/Recovered: in the last \S+ .* above the frozen basis P75/);
    // Resolved for good: the 7-day window holds days of the rise for days after it, but only the windows that
    // start after the resolution may flag the cell anew.
    const later = snapshots.filter((x) => Date.parse(x.asOf) > resolvedAt);
    expect(later.length).toBeGreaterThan(10);
    for (const s of later) expect(entry(s, RISE)?.status ?? 'no longer listed', s.asOf).toMatch(/^(resolved|no longer listed)$/);
  });
});
