/**
 * Disruption per backend × variant group: the distribution of seconds per run, the aggregator's
 * checks against the basis window, the Mann–Whitney test with Benjamini–Hochberg, exclusions, and
 * a basis taken from origin's historical-percentile records.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.ts';
import { exceedanceP } from '../src/analysis/disruption.ts';
import { parseHistoricalDisruption } from '../src/analysis/disruption-history.ts';
import type { RunRecord } from '../src/ingest/run-record.ts';
import {
  betaBinomialSf,
  describe as summarise,
  disruptionMeanCheck,
  exceedancePrior,
  mannWhitneyExactGreater,
  mannWhitneyU,
  percentile,
} from '../src/analysis/stats/index.ts';
import { snapshotSchema } from '../src/snapshot/schema.ts';
import { analysisInput, runRecord } from './support/run-records.ts';
import { AS_OF_MS, DAY, UPGRADE_JOB } from './support/constants.ts';

const WORSE = 'kube-api-new-connections';
const SAME = 'openshift-api-new-connections';
const EXCLUDED = 'host-to-host-new-connections';

/** Seconds of run i: SAME repeats one pattern everywhere; WORSE jumps in the current window. */
function seconds(backend: string, i: number, current: boolean): number {
  const base = [0, 0, 1, 0, 2, 0, 0, 3, 0, 1][i % 10]!;
  return backend === WORSE && current ? base + 6 + (i % 4) : base;
}

function runs(): RunRecord[] {
  const out: RunRecord[] = [];
  for (let i = 0; i < 60; i++) {
    const t = AS_OF_MS - 14 * DAY + i * ((14 * DAY) / 60) + 1000;
    const current = t >= AS_OF_MS - 7 * DAY;
    const buildId = String(1_700_000_000_000_000_000n + BigInt(i));
    out.push(
      runRecord(UPGRADE_JOB, buildId, t, {
        disruption: [WORSE, SAME, EXCLUDED].map((backend) => ({ backend, seconds: seconds(backend, i, current) })),
      }),
    );
  }
  return out;
}

const RECORDS = runs();
const split = AS_OF_MS - 7 * DAY;
const valuesOf = (backend: string, current: boolean) =>
  RECORDS.filter((r) => Date.parse(r.started!) >= split === current).map((r) => r.disruption.find((d) => d.backend === backend)!.seconds);

async function snapshotWith(extra: Parameters<typeof analysisInput>[1] = {}) {
  return analyze(analysisInput(RECORDS, extra));
}

describe('disruption per backend × variant group', () => {
  it('summarises seconds per run in each window', async () => {
    const s = await snapshotWith();
    expect(() => snapshotSchema.parse(s)).not.toThrow();
    const cell = s.disruption!.find((c) => c.backend === SAME)!;
    const current = valuesOf(SAME, true);
    const d = summarise(current);
    expect(cell.current).toMatchObject({ runs: current.length, mean: d.mean, sd: d.sd, p50: d.p50, p75: d.p75, p95: d.p95, p99: d.p99, max: d.max });
    expect(cell.current!.shareAboveZero).toBe(current.filter((v) => v > 0).length / current.length);
    expect(cell.basis!.runs).toBe(valuesOf(SAME, false).length);
    expect(cell.jobs).toEqual([UPGRADE_JOB]);
  });

  it("flags a rise in both modes: the aggregator's checks fail and Mann–Whitney is significant", async () => {
    const s = await snapshotWith();
    const cell = s.disruption!.find((c) => c.backend === WORSE)!;
    const sample = valuesOf(WORSE, true);
    const basis = valuesOf(WORSE, false);
    const b = summarise(basis);
    expect(cell.basisKind).toBe('window');
    expect(cell.checks.map((k) => k.name)).toEqual(['mean', 'P70', 'P85']);
    expect(cell.checks[0]!.verdict).toBe(disruptionMeanCheck(sample, { mean: b.mean, sd: b.sd, p95: b.p95 }).verdict);
    expect(cell.checks[1]!.threshold).toBe(percentile(basis, 70));
    // Exact under permutation (ties included) for samples this small.
    expect(cell.test).toMatchObject({ method: 'mann-whitney', p: mannWhitneyExactGreater(sample, basis)!.p, u: mannWhitneyU(sample, basis).u });
    expect(cell.ratchet).toBe('regressed');
    expect(cell.compatible).toBe('regressed');
    const flagged = s.regressions!.disruption.filter((r) => r.backend === WORSE);
    expect(flagged.map((r) => r.mode).sort()).toEqual(['compatible', 'ratchet']);
    expect(flagged.every((r) => r.status === 'new')).toBe(true);
  });

  it('leaves an unchanged backend alone', async () => {
    const s = await snapshotWith();
    const cell = s.disruption!.find((c) => c.backend === SAME)!;
    expect(cell.ratchet).toBe('ok');
    expect(cell.compatible).toBe('ok');
    expect(s.regressions!.disruption.some((r) => r.backend === SAME)).toBe(false);
  });

  it('summarises but never checks the backends the aggregator excludes', async () => {
    const s = await snapshotWith();
    const cell = s.disruption!.find((c) => c.backend === EXCLUDED)!;
    expect(cell).toMatchObject({ excluded: true, checks: [], test: null, ratchet: 'not-checked', compatible: 'not-checked' });
    expect(cell.current).not.toBeNull();
  });

  it('takes the basis from a matching historical record when one is configured', async () => {
    // Shaped like origin's query_results.json (values as strings); matches the job's variants.
    const records = parseHistoricalDisruption(
      [
        {
          BackendName: WORSE,
          Release: '4.22',
          FromRelease: '4.22',
          Platform: 'aws',
          Architecture: 'amd64',
          Network: 'ovn',
          Topology: 'ha',
          MasterNodesUpdated: 'Y',
          JobRuns: 376,
          P95: '3.0',
          P99: '5.5',
          P75: '1.0',
          P50: '0.0',
        },
        {
          BackendName: WORSE,
          Release: '4.22',
          FromRelease: '4.22',
          Platform: 'aws',
          Architecture: 'amd64',
          Network: 'ovn',
          Topology: 'ha',
          MasterNodesUpdated: 'N',
          JobRuns: 12,
          P95: '90',
          P99: '99',
          P75: '50',
          P50: '20',
        },
      ],
      'query_results.json',
    );
    const s = await snapshotWith({ disruptionHistory: { records, file: 'query_results.json' } });
    const cell = s.disruption!.find((c) => c.backend === WORSE)!;
    expect(cell.basisKind).toBe('historical');
    expect(cell.historical).toMatchObject({ jobRuns: 376, p75: 1, p95: 3, masterNodesUpdated: 'Y' });
    expect(cell.checks.map((k) => k.name)).toEqual(['P75', 'P95']);
    // Runs above the record's P75 and P95, against the beta-binomial of percentiles estimated from its 376 runs.
    const sample = valuesOf(WORSE, true);
    expect(cell.test).toMatchObject({ method: 'exceedance', p: exceedanceP(sample, 1, 3, 376), u: null, window: '7d' });
    expect(cell.ratchet).toBe('regressed');
    // A backend without a matching record keeps the basis window.
    expect(s.disruption!.find((c) => c.backend === SAME)!.basisKind).toBe('window');
  });

  it('computes the exceedance p-value as a Bonferroni pair of beta-binomial tails', () => {
    expect(exceedanceP([0, 0, 0, 0], 1, 2, 100)).toBe(1);
    // Above the P95 of 100 runs: the share above it is Beta(6, 95), so 4 of 4 runs above it is
    // B(4 + 6, 95)/B(6, 95), far likelier than 0.05⁴ would say.
    const { a, b } = exceedancePrior(95, 100);
    expect([a, b]).toEqual([6, 95]);
    expect(exceedanceP([5, 5, 5, 5], 1, 2, 100)).toBeCloseTo(2 * betaBinomialSf(3, 4, a, b), 15);
    expect(exceedanceP([5, 5, 5, 5], 1, 2, 100)).toBeGreaterThan(2 * 0.05 ** 4);
    // With a long record the predictive distribution approaches the binomial.
    expect(exceedanceP([5, 5, 5, 5], 1, 2, 1_000_000) / (2 * 0.05 ** 4)).toBeCloseTo(1, 2);
  });

  it('rejects a historical file that is not in the format, naming file, record and field', () => {
    expect(() => parseHistoricalDisruption({ rows: [] }, 'h.json')).toThrow(/h\.json: expected a JSON array/);
    expect(() =>
      parseHistoricalDisruption(
        [
          {
            BackendName: 'x',
            Release: '4.22',
            FromRelease: '',
            Platform: 'aws',
            Architecture: 'amd64',
            Network: 'ovn',
            Topology: 'ha',
            JobRuns: 3,
            P50: 'lots',
            P75: '1',
            P95: '2',
            P99: '3',
          },
        ],
        'h.json',
      ),
    ).toThrow(/h\.json: record 0: P50: expected a number of seconds/);
  });

  it('does not check a backend with too few basis runs', async () => {
    const s = await snapshotWith({ config: { disruption: { minBasisRuns: 100 } } });
    expect(s.disruption!.every((c) => c.basisKind === 'none' && c.ratchet === 'not-checked')).toBe(true);
  });
});
