/**
 * The regression rules on hand-made cells: compatible mode follows sippy's Component Readiness step
 * by step; ratchet mode adjusts with Benjamini–Hochberg across its family, needs the minimum
 * effect, and holds open regressions with the looser thresholds.
 */
import { describe, expect, it } from 'vitest';
import { regressionsConfigSchema } from '../src/config/config-schema.ts';
import { evaluateCells, minimumFisherP, type RegressionCell } from '../src/analysis/regressions.ts';
import { benjaminiHochberg, binomialCdf, fisherGreater } from '../src/analysis/stats/index.ts';

const rules = regressionsConfigSchema.parse({});

function cell(sampleRuns: number, sampleWorking: number, basisRuns: number, basisWorking: number, open: Partial<Pick<RegressionCell, 'openRatchet' | 'openCompatible'>> = {}): RegressionCell {
  return {
    sample: { runs: sampleRuns, working: sampleWorking },
    basis: { runs: basisRuns, working: basisWorking },
    sampleHardFailures: sampleRuns - sampleWorking,
    openRatchet: open.openRatchet ?? false,
    openCompatible: open.openCompatible ?? false,
  };
}

const compatible = (c: RegressionCell) => evaluateCells([c], rules).verdicts[0]?.compatible;

describe('compatible mode (sippy Component Readiness)', () => {
  it('needs at least 3 sample failures', () => {
    // 2 of 10 failing against a perfect basis: a 20-point drop, but only two failures.
    expect(compatible(cell(10, 8, 100, 100))).toBeUndefined();
    expect(compatible(cell(10, 7, 100, 100))?.regressed).toBe(true);
  });

  it('ignores drops within the pity factor of 5 points', () => {
    // 95 % → 91 %: 4 points, not tested however many runs.
    const c = cell(1000, 910, 1000, 950);
    expect(fisherGreater(90, 910, 50, 950)).toBeLessThan(0.05);
    expect(compatible(c)).toBeUndefined();
  });

  it('flags exactly when the one-sided Fisher p is below 1 − confidence', () => {
    for (let working = 30; working >= 20; working--) {
      const c = cell(40, working, 200, 196);
      const drop = 196 / 200 - working / 40;
      const p = fisherGreater(40 - working, working, 4, 196);
      const expected = 40 - working >= 3 && drop > 0.05 && p < 0.05;
      expect(Boolean(compatible(c)?.regressed)).toBe(expected);
      if (expected) expect(compatible(c)!.p).toBe(p);
    }
  });

  it('calls a drop of more than 15 points extreme', () => {
    expect(compatible(cell(20, 16, 200, 200))?.severity).toBe('extreme'); // 20 points
    expect(compatible(cell(50, 44, 500, 500))?.severity).toBe('significant'); // 12 points
  });

  it('applies the new-test rule without basis: 95 % required, 6 runs, 3 failures; extreme below 90 %', () => {
    expect(compatible(cell(5, 2, 0, 0))).toBeUndefined(); // too few runs
    expect(compatible(cell(20, 18, 0, 0))).toBeUndefined(); // 2 failures
    expect(compatible(cell(40, 37, 0, 0))).toMatchObject({ regressed: true, rule: 'new-test', severity: 'significant' }); // 92.5 %
    expect(compatible(cell(20, 17, 0, 0))).toMatchObject({ regressed: true, severity: 'extreme' }); // 85 %
  });

  /** The first cell (sample n, working w; basis 200 runs, b working) that satisfies `wanted`. */
  function search(wanted: (drop: number, p: number, failures: number) => boolean): RegressionCell {
    for (let n = 20; n <= 200; n += 5) {
      for (let b = 200; b >= 150; b--) {
        for (let w = n - 3; w >= 0; w--) {
          const drop = b / 200 - w / n;
          if (wanted(drop, fisherGreater(n - w, w, 200 - b, b), n - w)) return cell(n, w, 200, b);
        }
      }
    }
    throw new Error('no such cell in the search range');
  }

  it('relaxes confidence to 90 for a regression already open', () => {
    const c = search((drop, p) => drop > 0.05 && p >= 0.05 && p < 0.1);
    expect(compatible(c)).toBeUndefined();
    expect(compatible({ ...c, openCompatible: true })).toMatchObject({ regressed: true, heldByHysteresis: true });
  });

  it('relaxes the pity factor to 3 points for a regression already open', () => {
    const c = search((drop, p) => drop > 0.03 && drop <= 0.05 && p < 0.1);
    expect(compatible(c)).toBeUndefined();
    expect(compatible({ ...c, openCompatible: true })).toMatchObject({ regressed: true, heldByHysteresis: true });
  });
});

describe('ratchet mode', () => {
  it('reports Benjamini–Hochberg q-values over the family of cells that can reach significance', () => {
    const cells = [cell(20, 10, 20, 20), cell(20, 17, 20, 19), cell(20, 20, 20, 20), cell(20, 12, 20, 19), cell(20, 19, 20, 18)];
    const minimum = cells.map((c) => minimumFisherP(c.sample.runs, c.basis.runs, c.sample.runs - c.sample.working + c.basis.runs - c.basis.working, rules.minFailures, rules.ratchet.minDrop));
    const family = cells.map((c, i) => (minimum[i]! <= rules.ratchet.fdr ? fisherGreater(c.sample.runs - c.sample.working, c.sample.working, c.basis.runs - c.basis.working, c.basis.working) : NaN));
    const q = benjaminiHochberg(family);
    const { verdicts, tested } = evaluateCells(cells, rules);
    expect(tested).toBe(family.filter((p) => !Number.isNaN(p)).length);
    cells.forEach((_, i) => {
      const v = verdicts[i]?.ratchet;
      const expected = !Number.isNaN(q[i]!) && q[i]! <= 0.05;
      expect(Boolean(v?.regressed)).toBe(expected);
      if (v) expect(v.q).toBe(q[i]);
    });
    expect(verdicts[0]?.ratchet?.regressed).toBe(true);
  });

  it('keeps cells that could never be flagged out of the family', () => {
    // No failures at all, or too few to ever reach 3 in the sample: not tested, not counted in m.
    const { tested } = evaluateCells([cell(20, 20, 20, 20), cell(20, 19, 20, 19), cell(20, 10, 20, 20)], rules);
    expect(tested).toBe(1);
  });

  it('reports the effect: drop in points with a Newcombe interval that contains it', () => {
    const v = evaluateCells([cell(30, 18, 30, 30)], rules).verdicts[0]!.ratchet!;
    expect(v.drop).toBeCloseTo(40, 10);
    expect(v.dropInterval[0]).toBeLessThan(40);
    expect(v.dropInterval[1]).toBeGreaterThan(40);
    expect(v.dropInterval[0]).toBeGreaterThan(0);
    expect(v.reason).toMatch(/Fisher p = .*q = /);
  });

  it('holds an open regression while p ≤ 0.05 even when q is above 0.05', () => {
    // A family where this cell alone would not survive the adjustment: many noisy cells around it.
    const noise = Array.from({ length: 200 }, (_, i) => cell(20, 15 + (i % 4), 20, 16 + (i % 4)));
    const target = cell(20, 14, 20, 19);
    const p = fisherGreater(6, 14, 1, 19);
    expect(p).toBeLessThan(0.05);
    const fresh = evaluateCells([...noise, target], rules).verdicts[200]?.ratchet;
    expect(fresh?.regressed ?? false).toBe(false);
    const open = evaluateCells([...noise, { ...target, openRatchet: true }], rules).verdicts[200]?.ratchet;
    expect(open).toMatchObject({ regressed: true, heldByHysteresis: true });
  });

  it('resolves an open regression once the test works again, and says why', () => {
    const v = evaluateCells([cell(20, 20, 20, 19, { openRatchet: true })], rules).verdicts[0]?.ratchet;
    expect(v?.regressed).toBe(false);
    expect(v?.reason).toMatch(/Not regressed any more/);
  });

  it('tests a new test against the required rate with an exact binomial p-value', () => {
    const v = evaluateCells([cell(30, 20, 0, 0)], rules).verdicts[0]!.ratchet!;
    expect(v.rule).toBe('new-test');
    expect(v.p).toBe(binomialCdf(20, 30, 0.95));
    expect(v.regressed).toBe(true);
  });
});
