/**
 * A seeded simulation through the whole analysis: 3,000 stable tests with realistic working and
 * flake rates on two jobs, 50 runs per job per window, and twelve injected drops. At default
 * settings ratchet mode finds every injected drop and flags no stable test; compatible mode's
 * verdicts are exactly what sippy's rules give on the same counts, recomputed here from the runs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.ts';
import { measureErrorRates, simulateRuns, type RunSimulation } from '../src/analysis/simulate.ts';
import { regressionsConfigSchema } from '../src/config/config-schema.ts';
import { variantKey } from '../src/ingest/variants.ts';
import { fisherGreater } from '../src/analysis/stats/index.ts';
import { snapshotSchema, type Snapshot } from '../src/snapshot/schema.ts';

const AS_OF = new Date('2026-11-28T06:00:00Z');
const WEEK = 7 * 86_400_000;
const DROPS = Array.from({ length: 12 }, (_, k) => ({ test: 100 + k * 7, job: k % 2, from: 0.995, to: 0.6 }));

let sim: RunSimulation;
let snapshot: Snapshot;

beforeAll(async () => {
  sim = simulateRuns({ seed: 20261128, asOf: AS_OF, tests: 3000, jobs: 2, runsPerWindow: 50, drops: DROPS });
  snapshot = await analyze({
    runs: sim.records,
    asOf: AS_OF,
    windows: { currentMs: WEEK, previousMs: WEEK },
    thresholds: { passing: 0.8, failing: 0.5, flatDelta: 2, minTestRuns: 1 },
    source: 'simulation',
    bucket: 'test-platform-results',
  });
});

const flagged = (mode: 'ratchet' | 'compatible') => snapshot.regressions!.tests.filter((r) => r.mode === mode && r.status !== 'resolved');
const cellKey = (name: string, group: string) => `${name}\u0000${group}`;

describe('simulation at default settings', () => {
  it('produces a snapshot that matches the schema', () => {
    expect(() => snapshotSchema.parse(snapshot)).not.toThrow();
    expect(snapshot.regressions!.summary.testCells).toBe(6000);
  });

  it('ratchet mode finds every injected drop and flags no stable test', () => {
    const injected = new Set(DROPS.map((d) => cellKey(sim.testNames[d.test]!, variantKey(sim.records.find((r) => r.job === sim.jobNames[d.job])!.variants))));
    const found = flagged('ratchet').map((r) => cellKey(r.name, r.group));
    expect(new Set(found)).toEqual(injected);
    for (const r of flagged('ratchet')) {
      expect(r.q).toBeLessThanOrEqual(0.05);
      expect(r.sample.failures).toBeGreaterThanOrEqual(3);
      expect(r.failedRuns.length).toBeGreaterThan(0);
    }
  });

  it("compatible mode's verdicts are sippy's rules applied to the same counts", () => {
    // Count sample (current window) and basis (previous window) per test × variant group from the runs.
    const counts = new Map<string, { s: number; sw: number; b: number; bw: number }>();
    const split = AS_OF.getTime() - WEEK;
    for (const run of sim.records) {
      const group = variantKey(run.variants);
      const current = Date.parse(run.started!) >= split;
      for (const t of run.tests) {
        if (t.status === 'skip') continue;
        const key = cellKey(t.name, group);
        let c = counts.get(key);
        if (!c) counts.set(key, (c = { s: 0, sw: 0, b: 0, bw: 0 }));
        const working = t.status !== 'fail' ? 1 : 0;
        if (current) {
          c.s++;
          c.sw += working;
        } else {
          c.b++;
          c.bw += working;
        }
      }
    }
    const expected = new Set<string>();
    for (const [key, c] of counts) {
      const failures = c.s - c.sw;
      if (c.s === 0 || c.b === 0 || failures < 3) continue;
      const sampleRate = c.sw / c.s;
      const basisRate = c.bw / c.b;
      if (sampleRate >= basisRate || !(basisRate - sampleRate > 0.05)) continue;
      if (fisherGreater(failures, c.sw, c.b - c.bw, c.bw) < 0.05) expected.add(key);
    }
    const actual = new Set(flagged('compatible').map((r) => cellKey(r.name, r.group)));
    expect(actual).toEqual(expected);
    // Its known flaw: stable tests flagged at p < 0.05 without correction.
    expect(actual.size).toBeGreaterThan(DROPS.length);
  });
});

describe('measured error rates', () => {
  it('ratchet mode keeps false alarms near zero where compatible mode raises them with every extra run', () => {
    const rates = measureErrorRates({
      seed: 7,
      rules: regressionsConfigSchema.parse({}),
      sampleRuns: [20, 50],
      basisRuns: 250,
      drops: [{ from: 0.95, to: 0.8 }],
      stableCells: 3000,
      regressedCells: 15,
      reports: 4,
    });
    for (const row of rates.falseAlarms) {
      expect(row.ratchet).toBeLessThan(2); // per 10,000 stable cells
      expect(row.compatible).toBeGreaterThan(5 * Math.max(row.ratchet, 1));
    }
    const [at20, at50] = rates.detection;
    expect(at50!.ratchet).toBeGreaterThan(at20!.ratchet);
    expect(at50!.compatible).toBeGreaterThan(at20!.compatible);
  });
});
