/**
 * The job-run-aggregator's decisions as shared/reference/statistics.md states them: required passes,
 * the pity factor, the per-test verdict and the two disruption checks.
 */
import { describe, expect, it } from 'vitest';
import {
  aggregatedTestVerdict,
  applyPity,
  binomialCdf,
  disruptionMeanCheck,
  disruptionPercentileCheck,
  DISRUPTION_GRACE_SECONDS,
  requiredPasses,
  roundHalfToEven,
} from '../src/analysis/stats/index.ts';

describe('required passes', () => {
  it('needs 7 of 10 passes at 95 % history (statistics.md)', () => {
    expect(requiredPasses(10, 95)).toBe(7);
  });

  it('uses the hand-set values for one and two runs: one pass from 96 % (N = 1) and 79 % (N = 2)', () => {
    expect(requiredPasses(1, 95)).toBe(0);
    expect(requiredPasses(1, 96)).toBe(1);
    expect(requiredPasses(1, 100)).toBe(1);
    expect(requiredPasses(2, 78)).toBe(0);
    expect(requiredPasses(2, 79)).toBe(1);
    expect(requiredPasses(2, 100)).toBe(1);
    expect(requiredPasses(0, 100)).toBe(0);
  });

  it('extends beyond the published table and demands less at a stricter alpha', () => {
    for (let pct = 0; pct <= 100; pct += 10) {
      expect(requiredPasses(20, pct)).toBeGreaterThanOrEqual(requiredPasses(12, pct));
      expect(requiredPasses(10, pct, { alpha: 0.01 })).toBeLessThanOrEqual(requiredPasses(10, pct));
    }
  });

  it('rounds the historic pass count half to even, like Python', () => {
    expect(roundHalfToEven(2.5)).toBe(2); // 250 × 1 %
    expect(roundHalfToEven(7.5)).toBe(8); // 250 × 3 %
    expect(roundHalfToEven(82.5)).toBe(82); // 250 × 33 %
    expect(roundHalfToEven(247.5)).toBe(248); // 250 × 99 %
    expect(roundHalfToEven(2.4)).toBe(2);
    expect(roundHalfToEven(2.6)).toBe(3);
  });

  it('rejects a fractional percentage or run count', () => {
    expect(() => requiredPasses(10, 95.5)).toThrow(/truncate/);
    expect(() => requiredPasses(10, 101)).toThrow(RangeError);
    expect(() => requiredPasses(-1, 50)).toThrow(RangeError);
  });

  it('has the error rates statistics.md quotes for N = 10 at 95 %: 0.1 % false alarms, 12 % power at 80 %', () => {
    const required = requiredPasses(10, 95);
    // Exact: P(X ≤ 6) for Binomial(10, 0.95) = 0.001028497937890625, for Binomial(10, 0.8) = 0.1208738816.
    expect(binomialCdf(required - 1, 10, 0.95)).toBeCloseTo(0.001028497937890625, 14);
    expect(binomialCdf(required - 1, 10, 0.8)).toBeCloseTo(0.1208738816, 12);
  });
});

describe('pity factor', () => {
  it('caps the requirement at N − 2 and never below 0', () => {
    expect(applyPity(9, 10)).toBe(8);
    expect(applyPity(7, 10)).toBe(7);
    expect(applyPity(2, 3)).toBe(1);
    expect(applyPity(1, 1)).toBe(0);
  });
});

describe('aggregated test verdict', () => {
  it('fails with fewer than 6 attempts: "not enough runs"', () => {
    const v = aggregatedTestVerdict({ attempts: 5, passes: 5, failures: 0, skips: 5, historicalWorkingPercent: 99 });
    expect(v.verdict).toBe('fail');
    expect(v.rule).toBe('not-enough-runs');
    expect(v.reason).toMatch(/Not enough runs/);
    expect(v.required).toBeNull();
  });

  it('passes a test with zero passes and more skips than failures, even with few attempts', () => {
    const v = aggregatedTestVerdict({ attempts: 2, passes: 0, failures: 2, skips: 8 });
    expect(v.verdict).toBe('pass');
    expect(v.rule).toBe('probably-intended-skip');
  });

  it('passes a test that did not run at all', () => {
    expect(aggregatedTestVerdict({ attempts: 0, passes: 0, failures: 0, skips: 0 }).rule).toBe('did-not-run');
  });

  it('fails on 6 of 10 passes and passes on 7 of 10 at 95 % history', () => {
    const failing = aggregatedTestVerdict({ attempts: 10, passes: 6, failures: 4, skips: 0, historicalWorkingPercent: 95 });
    expect(failing).toMatchObject({ verdict: 'fail', rule: 'too-few-passes', required: 7, tableRequired: 7, workingPercent: 95 });
    const passing = aggregatedTestVerdict({ attempts: 10, passes: 7, failures: 3, skips: 0, historicalWorkingPercent: 95 });
    expect(passing).toMatchObject({ verdict: 'pass', rule: 'enough-passes', required: 7 });
    expect(passing.reason).toBe('Passed 7 of 10 runs; historical pass rate 95% requires 7.');
  });

  it('truncates the historical percentage: 97.99 % uses the 97 % row, 98 % the next', () => {
    // table[10][97] = 7 and table[10][98] = 8 (aggregator-table.json).
    expect(aggregatedTestVerdict({ attempts: 10, passes: 7, failures: 3, skips: 0, historicalWorkingPercent: 97.99 })).toMatchObject({
      verdict: 'pass',
      workingPercent: 97,
      required: 7,
    });
    expect(aggregatedTestVerdict({ attempts: 10, passes: 7, failures: 3, skips: 0, historicalWorkingPercent: 98 })).toMatchObject({
      verdict: 'fail',
      workingPercent: 98,
      required: 8,
    });
  });

  it('assumes 70 % without history: table[10][70] = 3 passes', () => {
    const v = aggregatedTestVerdict({ attempts: 10, passes: 2, failures: 8, skips: 0 });
    expect(v).toMatchObject({ verdict: 'fail', workingPercent: 70, historyMissing: true, required: 3 });
    expect(v.reason).toMatch(/no history \(assumed 70%\)/);
    expect(aggregatedTestVerdict({ attempts: 10, passes: 3, failures: 7, skips: 0 }).verdict).toBe('pass');
  });

  it('applies the pity factor: at 100 % history 8 of 10 passes suffice although the table says 9', () => {
    const v = aggregatedTestVerdict({ attempts: 10, passes: 8, failures: 2, skips: 0, historicalWorkingPercent: 100 });
    expect(v).toMatchObject({ verdict: 'pass', tableRequired: 9, required: 8 });
  });

  it('fails zero passes even where the table requires none (low history)', () => {
    const v = aggregatedTestVerdict({ attempts: 10, passes: 0, failures: 10, skips: 0, historicalWorkingPercent: 20 });
    expect(v).toMatchObject({ verdict: 'fail', rule: 'no-passes' });
  });

  it('rejects inconsistent counts with a message saying what was wrong', () => {
    expect(() => aggregatedTestVerdict({ attempts: 5, passes: 6, failures: 0, skips: 0 })).toThrow(/cannot exceed attempts/);
    expect(() => aggregatedTestVerdict({ attempts: -1, passes: 0, failures: 0, skips: 0 })).toThrow(RangeError);
    expect(() => aggregatedTestVerdict({ attempts: 10, passes: 9, failures: 1, skips: 0, historicalWorkingPercent: 120 })).toThrow(/0\.\.100/);
  });
});

describe('disruption mean check', () => {
  const history = { mean: 2, sd: 1, p95: 5 };

  it('drops the single worst run when it exceeds the historical P95, then compares with mean + 5σ', () => {
    const v = disruptionMeanCheck([1, 2, 3, 100], history);
    expect(v).toMatchObject({ verdict: 'pass', droppedSeconds: 100, runsUsed: 3, sampleMean: 2, threshold: 7 });
  });

  it('drops at most one run', () => {
    const v = disruptionMeanCheck([1, 2, 30, 100], history);
    expect(v).toMatchObject({ verdict: 'fail', droppedSeconds: 100, runsUsed: 3, sampleMean: 11 });
  });

  it('fails a sample whose mean exceeds mean + 5σ without outliers', () => {
    const v = disruptionMeanCheck([5, 5, 5, 5, 5, 5, 5, 5, 5, 20], { mean: 1, sd: 0.5, p95: 30 });
    expect(v).toMatchObject({ verdict: 'fail', droppedSeconds: null, sampleMean: 6.5, threshold: 3.5 });
    expect(v.reason).toMatch(/above the threshold 3\.50s/);
  });

  it('allows at least one second however quiet the history', () => {
    const v = disruptionMeanCheck([1, 1, 1], { mean: 0, sd: 0, p95: 1 });
    expect(v).toMatchObject({ verdict: 'pass', threshold: 1, sampleMean: 1 });
  });

  it('keeps a single run even above P95, and rejects negative seconds', () => {
    expect(disruptionMeanCheck([9], history)).toMatchObject({ droppedSeconds: null, sampleMean: 9, verdict: 'fail' });
    expect(() => disruptionMeanCheck([1, -2], history)).toThrow(/non-negative/);
    expect(() => disruptionMeanCheck([], history)).toThrow(RangeError);
  });
});

describe('disruption percentile check ("P70 should not be worse")', () => {
  it('requires table[N][70] − 1 runs at or below P70 when the pity factor does not bind (N = 10: 3 − 1 = 2)', () => {
    const sample = [1, 2, 9, 9, 9, 9, 9, 9, 9, 9];
    const v = disruptionPercentileCheck(sample, 2, DISRUPTION_GRACE_SECONDS[70], 70);
    expect(v).toMatchObject({ verdict: 'pass', tableRequired: 3, pityBound: false, required: 2, passes: 2, graceThreshold: null });
  });

  it('retries with 3 s of grace over P70 before failing', () => {
    const sample = [1, 4, 9, 9, 9, 9, 9, 9, 9, 9];
    const graced = disruptionPercentileCheck(sample, 2, 3, 70);
    expect(graced).toMatchObject({ verdict: 'pass', passes: 1, graceThreshold: 5, gracePasses: 2, passedWithGrace: true });
    const failed = disruptionPercentileCheck([1, 6, 9, 9, 9, 9, 9, 9, 9, 9], 2, 3, 70);
    expect(failed).toMatchObject({ verdict: 'fail', passes: 1, gracePasses: 1, passedWithGrace: false });
    expect(failed.reason).toMatch(/with 3s grace 1 at or below 5s: fails/);
  });

  it('uses the pity cap N − 2 without the extra one-less when it binds (N = 3 at P99: table 2, cap 1)', () => {
    const v = disruptionPercentileCheck([9, 9, 1], 2, 0, 99);
    expect(v).toMatchObject({ tableRequired: 2, pityBound: true, required: 1, verdict: 'pass' });
    expect(disruptionPercentileCheck([9, 9, 9], 2, 0, 99).verdict).toBe('fail');
  });

  it('uses 7 s of grace for P85 (table[10][85] = 5, so 4 runs are needed)', () => {
    expect(DISRUPTION_GRACE_SECONDS[85]).toBe(7);
    const sample = [1, 1, 1, 10, 20, 20, 20, 20, 20, 20];
    const v = disruptionPercentileCheck(sample, 4, DISRUPTION_GRACE_SECONDS[85], 85);
    expect(v).toMatchObject({ tableRequired: 5, required: 4, passes: 3, graceThreshold: 11, gracePasses: 4, verdict: 'pass' });
  });

  it('rejects a fractional percentile and negative grace', () => {
    expect(() => disruptionPercentileCheck([1], 2, 3, 70.5)).toThrow(RangeError);
    expect(() => disruptionPercentileCheck([1], 2, -3, 70)).toThrow(/graceSeconds/);
  });
});
