/**
 * The regression rules on hand-made cells: compatible mode follows sippy's Component Readiness step
 * by step; ratchet mode adjusts with the discrete Benjamini–Hochberg procedure across its family
 * (recomputed here from its definition), needs the minimum effect, tests the recent window in the
 * same family, and holds open regressions with the looser thresholds.
 */
import { describe, expect, it } from 'vitest';
import { regressionsConfigSchema } from '../src/config/config-schema.ts';
import { dropFloor, dropPoints, evaluateCells, minimumFisherP, type CellSide, type RegressionCell } from '../src/analysis/verdict-rules.ts';
import { binomialCdf, fisherGreater } from '../src/analysis/stats/index.ts';

const rules = regressionsConfigSchema.parse({});

function cell(
  sampleRuns: number,
  sampleWorking: number,
  basisRuns: number,
  basisWorking: number,
  open: Partial<Pick<RegressionCell, 'openRatchet' | 'openCompatible'>> = {},
): RegressionCell {
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
  /**
   * The discrete Benjamini–Hochberg q-values of drop hypotheses, from the definition: each
   * member's attainable p-values (every split of its failures that passes the minimum failures and
   * drop, each p-value from fisherGreater), F_i(t) the largest of them ≤ t, ξ(t) = Σ F_i/(1 − F_i),
   * q₍ₖ₎ = min(1, max over j ≤ k of ξ(p₍ⱼ₎)/j).
   */
  function referenceQ(hypotheses: Array<{ sample: CellSide; basis: CellSide }>): number[] {
    const r = rules.ratchet;
    const members = hypotheses.map((h) => {
      const f = h.sample.runs - h.sample.working + h.basis.runs - h.basis.working;
      if (minimumFisherP(h.sample.runs, h.basis.runs, f, rules.minFailures, r.minDrop, r.stableMinDrop) > r.fdr) return undefined;
      const support: number[] = [];
      for (let a = Math.min(h.sample.runs, f); a >= Math.max(0, f - h.basis.runs, rules.minFailures); a--) {
        const bw = h.basis.runs - f + a;
        if (dropPoints(h.sample.runs - a, h.sample.runs, bw, h.basis.runs) < dropFloor(bw, h.basis.runs, r.minDrop, r.stableMinDrop)) break;
        support.push(fisherGreater(a, h.sample.runs - a, f - a, bw));
      }
      const a = h.sample.runs - h.sample.working;
      const passes =
        a >= rules.minFailures &&
        dropPoints(h.sample.working, h.sample.runs, h.basis.working, h.basis.runs) >= dropFloor(h.basis.working, h.basis.runs, r.minDrop, r.stableMinDrop);
      return { support, p: passes ? fisherGreater(a, h.sample.working, h.basis.runs - h.basis.working, h.basis.working) : 1 };
    });
    const F = (support: number[], t: number): number => support.filter((s) => s <= t * (1 + 1e-9)).reduce((x, y) => Math.max(x, y), 0);
    const xi = (t: number): number => members.reduce((sum, m) => (m ? sum + F(m.support, t) / (1 - F(m.support, t)) : sum), 0);
    const order = members
      .map((_m, i) => i)
      .filter((i) => members[i])
      .sort((x, y) => members[x]!.p - members[y]!.p);
    const q = new Array<number>(hypotheses.length).fill(NaN);
    let running = 0;
    order.forEach((i, j) => {
      const p = members[i]!.p;
      running = p >= 1 ? 1 : Math.max(running, Math.min(1, xi(p) / (j + 1)));
      q[i] = running;
    });
    return q;
  }

  it('reports discrete Benjamini–Hochberg q-values over the family of cells that can reach significance', () => {
    const cells = [
      cell(20, 10, 20, 20),
      cell(20, 17, 20, 19),
      cell(20, 20, 20, 20),
      cell(20, 12, 20, 19),
      cell(20, 19, 20, 18),
      cell(30, 24, 40, 38),
      cell(12, 7, 60, 59),
    ];
    const q = referenceQ(cells);
    const { verdicts, tested } = evaluateCells(cells, rules);
    expect(tested).toBe(q.filter((x) => !Number.isNaN(x)).length);
    cells.forEach((_, i) => {
      const v = verdicts[i]?.ratchet;
      const expected = !Number.isNaN(q[i]!) && q[i]! <= 0.05;
      expect(Boolean(v?.regressed), `cell ${i}`).toBe(expected);
      if (v?.q != null) expect(v.q).toBeCloseTo(q[i]!, 10);
    });
    expect(verdicts[0]?.ratchet?.regressed).toBe(true);
  });

  it('flags what plain Benjamini–Hochberg over the same family misses when few cells could reach the threshold', () => {
    // One real drop among cells that failed a little in both windows: their few failures can only
    // give coarse p-values, which BH counts as full hypotheses and the discrete procedure does not.
    const noise = Array.from({ length: 40 }, (_, i) => cell(30, 27 + (i % 3), 30, 27 + ((i + 1) % 3)));
    const target = cell(30, 23, 30, 30);
    const all = [...noise, target];
    const discrete = evaluateCells(all, rules).verdicts[40]?.ratchet;
    const plain = evaluateCells(all, rules, { procedure: 'bh' }).verdicts[40]?.ratchet;
    expect(discrete?.regressed).toBe(true);
    expect(plain?.regressed ?? false).toBe(false);
    expect(discrete!.q!).toBeLessThan(plain?.q ?? 1);
  });

  it('tests the recent window in the same family and says which window flagged the cell', () => {
    // 30 runs in the current window, the last 9 of them recent and failing 6 times; the basis and
    // the older 21 current runs never failed. Against the whole current window the drop is diluted.
    const c: RegressionCell = { ...cell(30, 24, 30, 30), recent: { sample: { runs: 9, working: 3 }, basis: { runs: 51, working: 51 } } };
    const v = evaluateCells([c], rules).verdicts[0]!.ratchet!;
    expect(v.regressed).toBe(true);
    expect(v.window).toBe('recent');
    expect(v.counts.sample).toEqual({ runs: 9, working: 3 });
    expect(v.p).toBe(fisherGreater(6, 3, 0, 51));
    expect(v.q).toBeCloseTo(referenceQ([c, c.recent!])[1]!, 10);
    expect(v.reason).toMatch(/recent window/);
    // Both hypotheses are members of the family.
    expect(evaluateCells([c], rules).tested).toBe(2);
    // A recent window holding every sample run would repeat the current hypothesis: not tested twice.
    expect(evaluateCells([{ ...cell(10, 4, 30, 30), recent: { sample: { runs: 10, working: 4 }, basis: { runs: 30, working: 30 } } }], rules).tested).toBe(1);
  });

  it('counts a drop that triples the failure rate of a test that almost never failed, however small', () => {
    // 99.9 % → 97.6 % over 1,000 runs: 2.3 points, under minDrop but far over the stable floor.
    expect(dropFloor(999, 1000, 5, 1)).toBe(1);
    expect(dropFloor(990, 1000, 5, 1)).toBeCloseTo(2, 10);
    expect(dropFloor(900, 1000, 5, 1)).toBe(5);
    const v = evaluateCells([cell(1000, 976, 1000, 999)], rules).verdicts[0]!.ratchet!;
    expect(v.regressed).toBe(true);
    const strictOld = evaluateCells([cell(1000, 976, 1000, 999)], { ...rules, ratchet: { ...rules.ratchet, stableMinDrop: 5 } }).verdicts[0]?.ratchet;
    expect(strictOld?.regressed ?? false).toBe(false);
    // A flaky test losing as much is not flagged: its floor stays at minDrop.
    expect(evaluateCells([cell(1000, 877, 1000, 900)], rules).verdicts[0]?.ratchet?.regressed ?? false).toBe(false);
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

  it('holds an open regression while p ≤ 0.01 even when q is above 0.05', () => {
    // A family where this cell alone would not survive the adjustment: many noisy cells around it.
    const noise = Array.from({ length: 200 }, (_, i) => cell(20, 15 + (i % 4), 20, 16 + (i % 4)));
    const target = cell(20, 13, 20, 20);
    const p = fisherGreater(7, 13, 0, 20);
    expect(p).toBeLessThan(rules.ratchet.openP);
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
