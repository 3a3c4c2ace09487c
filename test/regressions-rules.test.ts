/**
 * The regression rules on hand-made cells: compatible mode follows sippy's Component Readiness step
 * by step; ratchet mode adjusts with the weighted discrete Benjamini–Hochberg procedure across its
 * family of new verdicts (recomputed here from its definition), needs the minimum effect, tests every
 * scan window, divides clustered counts by their design effect, and holds an open regression to its
 * frozen basis until a window since its onset shows it recovered.
 */
import { describe, expect, it } from 'vitest';
import { regressionsConfigSchema } from '../src/config/config-schema.ts';
import {
  dropFloor,
  dropPoints,
  evaluateCells,
  fmtP,
  minimumFisherP,
  type CellSide,
  type RatchetLine,
  type RegressionCell,
} from '../src/analysis/verdict-rules.ts';
import { binomialCdf, binomialSf, fisherGreater } from '../src/analysis/stats/index.ts';
import { logGamma } from '../src/analysis/stats/log-gamma.ts';

const logBeta = (a: number, b: number): number => logGamma(a) + logGamma(b) - logGamma(a + b);

const rules = regressionsConfigSchema.parse({});

/** A cell with one scan window (the current week) unless `windows` gives several, shortest first. */
function cell(
  sampleRuns: number,
  sampleWorking: number,
  basisRuns: number,
  basisWorking: number,
  extra: { openCompatible?: boolean; line?: RatchetLine; windows?: Array<[number, number]>; design?: number; dayCv2?: number } = {},
): RegressionCell {
  const design = extra.design ?? 1;
  // Clustered by day (days of 12 runs): a window's mean day effect has relative variance cv²·12/n.
  const windows = (extra.windows ?? [[sampleRuns, sampleWorking]]).map(([runs, working]) => ({
    runs,
    working,
    design,
    ...(extra.dayCv2 ? { tailCv2: (extra.dayCv2 * Math.min(12, runs)) / runs } : {}),
  }));
  return {
    windows,
    basis: { runs: basisRuns, working: basisWorking, design: 1 },
    sampleHardFailures: sampleRuns - sampleWorking,
    openCompatible: extra.openCompatible ?? false,
    ...(extra.line ? { line: extra.line } : {}),
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
   * The weighted discrete Benjamini–Hochberg q-values of drop hypotheses, from the definition: each
   * member's attainable p-values (every split of its failures that passes the minimum failures and
   * drop, each p-value from fisherGreater), F_i(t) the largest of them ≤ w_i·t, ξ(t) = Σ F_i/(1 − F_i),
   * hypotheses ordered by p/w, q₍ₖ₎ = min(1, max over j ≤ k of ξ(p₍ⱼ₎/w₍ⱼ₎)/j).
   */
  function referenceQ(hypotheses: Array<{ sample: CellSide; basis: CellSide; weight?: number }>): number[] {
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
      return { support, p: passes ? fisherGreater(a, h.sample.working, h.basis.runs - h.basis.working, h.basis.working) : 1, w: h.weight ?? 1 };
    });
    const present = members.filter((m) => m !== undefined);
    const mean = present.reduce((sum, m) => sum + m.w, 0) / Math.max(1, present.length);
    const F = (support: number[], t: number): number => support.filter((s) => s <= t * (1 + 1e-9)).reduce((x, y) => Math.max(x, y), 0);
    const xi = (t: number): number => present.reduce((sum, m) => sum + F(m.support, (m.w / mean) * t) / (1 - F(m.support, (m.w / mean) * t)), 0);
    const order = members
      .map((_m, i) => i)
      .filter((i) => members[i])
      .sort((x, y) => members[x]!.p / (members[x]!.w / mean) - members[y]!.p / (members[y]!.w / mean));
    const q = new Array<number>(hypotheses.length).fill(NaN);
    let running = 0;
    order.forEach((i, j) => {
      const m = members[i]!;
      running = m.p >= 1 ? 1 : Math.max(running, Math.min(1, xi(m.p / (m.w / mean)) / (j + 1)));
      q[i] = running;
    });
    return q;
  }

  const single = (c: RegressionCell) => ({ sample: c.windows[0]!, basis: c.basis });

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
    const q = referenceQ(cells.map(single));
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

  it('tests every scan window in one family and says which window flagged the cell', () => {
    // 84 runs in the week, the last 6 of them failing 4 times; the basis and the older runs never failed.
    const c = cell(84, 80, 360, 360, {
      windows: [
        [3, 1],
        [6, 2],
        [12, 8],
        [36, 32],
        [84, 80],
      ],
    });
    const { verdicts, tested } = evaluateCells([c], rules, { windowLabels: ['6h', '12h', '24h', '3d', '7d'] });
    const v = verdicts[0]!.ratchet!;
    expect(v.regressed).toBe(true);
    expect(v.window).toBe('12h');
    expect(v.counts.sample).toMatchObject({ runs: 6, working: 2 });
    expect(v.p).toBe(fisherGreater(4, 2, 0, 360));
    expect(v.reason).toMatch(/^The last 12h: /);
    // The 6h window has 2 failures of 3, under the minimum of 3: it cannot be flagged and is no member.
    expect(tested).toBe(4);
    // A window holding exactly the runs of the next longer one would repeat it: tested once.
    expect(
      evaluateCells(
        [
          cell(10, 4, 30, 30, {
            windows: [
              [10, 4],
              [10, 4],
            ],
          }),
        ],
        rules,
      ).tested,
    ).toBe(1);
  });

  it('weighs each window by its length, so a short window needs stronger evidence', () => {
    // The same counts in a short and a long window of two cells, against the same basis.
    const short = cell(12, 8, 360, 358, {
      windows: [
        [12, 8],
        [84, 80],
      ],
    });
    const long = cell(84, 80, 360, 358, {
      windows: [
        [3, 3],
        [12, 8],
      ],
    });
    const weights = [6, 168];
    const { verdicts } = evaluateCells([short, long], rules, { windowWeights: weights });
    const reference = referenceQ([
      { sample: short.windows[0]!, basis: short.basis, weight: 6 },
      { sample: short.windows[1]!, basis: short.basis, weight: 168 },
      { sample: long.windows[1]!, basis: long.basis, weight: 168 },
    ]);
    expect(verdicts[1]?.ratchet?.q).toBeCloseTo(reference[2]!, 10);
    // The cell whose 12-run sample sits in the short window gets a larger q for the same counts.
    const unweighted = evaluateCells([short, long], rules);
    expect(unweighted.verdicts[0]?.ratchet?.q ?? 1).toBeLessThan(verdicts[0]?.ratchet?.q ?? 1);
  });

  it('divides clustered counts by their design effect before the exact test', () => {
    const independent = evaluateCells([cell(40, 30, 200, 198)], rules).verdicts[0]!.ratchet!;
    const clustered = evaluateCells([cell(40, 30, 200, 198, { design: 2 })], rules).verdicts[0];
    expect(independent.p).toBe(fisherGreater(10, 30, 2, 198));
    // 10 of 40 failing at a design effect of 2 carries the information of 5 of 20.
    expect(clustered?.ratchet?.p ?? fisherGreater(5, 15, 2, 198)).toBe(fisherGreater(5, 15, 2, 198));
    expect(fisherGreater(5, 15, 2, 198)).toBeGreaterThan(independent.p!);
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

  it('freezes the basis of a new regression in its line, with the rate it fell to', () => {
    const v = evaluateCells([cell(30, 18, 300, 299)], rules).verdicts[0]!.ratchet!;
    expect(v.line).toEqual({ basis: { runs: 300, working: 299, design: 1 }, fellTo: 18 / 30 });
  });

  /** A line frozen at 99.5 % (1,000 basis runs) for a regression that fell to at most `fellTo`. */
  const line = (fellTo: number, recentWindows?: number): RatchetLine => ({
    basis: { runs: 1000, working: 995, design: 1 },
    fellTo,
    ...(recentWindows !== undefined ? { recentWindows } : {}),
  });

  it('judges an open regression against its frozen line, outside the family of new verdicts', () => {
    // The current basis window has absorbed the drop (it fails as often as the sample); the line has not.
    const open = cell(84, 64, 360, 280, { line: line(0.8) });
    const { verdicts, tested } = evaluateCells([open], rules);
    expect(tested).toBe(0);
    const v = verdicts[0]!.ratchet!;
    expect(v.regressed).toBe(true);
    expect(v.q).toBeNull();
    expect(v.counts.basis).toEqual({ runs: 1000, working: 995, design: 1 });
    expect(v.p).toBe(fisherGreater(20, 64, 5, 995));
    expect(v.reason).toMatch(/frozen/);
    // Without its line the same cell is no regression at all: the sliding basis hides it.
    expect(evaluateCells([cell(84, 64, 360, 280)], rules).verdicts[0]?.ratchet).toBeUndefined();
  });

  it('never resolves a regression that stays below the halfway line, however long', () => {
    // Fell to 80 %; halfway to the 99.5 % basis is 89.75 %. A week at 85 % is no recovery.
    const v = evaluateCells(
      [
        cell(84, 71, 360, 300, {
          line: line(0.8),
          windows: [
            [12, 10],
            [36, 31],
            [84, 71],
          ],
        }),
      ],
      rules,
    ).verdicts[0]!.ratchet!;
    expect(v.regressed).toBe(true);
    expect(v.heldByHysteresis).toBe(false);
    expect(v.reason).toMatch(/not recovered: .*halfway line 89\.8 %/);
  });

  it('resolves it when a window since the onset is significantly above the halfway line, and says why', () => {
    // A week of runs all working against a halfway line of 89.75 %: p = 0.8975⁸⁴, under 0.05 / 3;
    // three days of them would not do (0.8975³⁶ ≈ 0.02).
    const fixed = cell(84, 84, 360, 300, {
      line: line(0.8),
      windows: [
        [12, 12],
        [36, 36],
        [84, 84],
      ],
    });
    const v = evaluateCells([fixed], rules).verdicts[0]!.ratchet!;
    expect(binomialSf(83, 84, 0.8975)).toBeLessThan(0.05 / 3);
    expect(binomialSf(35, 36, 0.8975)).toBeGreaterThan(0.05 / 3);
    expect(v.regressed).toBe(false);
    expect(v.reason).toMatch(/^The last w2: .*Recovered: working rate 100\.0 % against the halfway line 89\.8 %/);
    // Only windows that start after the onset count: with the onset inside the last 12 runs the
    // longer windows mix in the runs from before the regression and cannot show a recovery.
    const early = evaluateCells([{ ...fixed, line: line(0.8, 1) }], rules).verdicts[0]!.ratchet!;
    expect(early.regressed).toBe(true);
  });

  it('resolves a small drop once the runs since its onset are back at the basis, which the halfway line alone would not allow in a week', () => {
    // 99.4 % fell to at most 92 %: the halfway line, 95.7 %, needs about 150 clean runs to clear with significance.
    const small: RatchetLine = { basis: { runs: 1000, working: 994, design: 1 }, fellTo: 0.92 };
    const back = evaluateCells(
      [
        cell(84, 84, 360, 300, {
          line: small,
          windows: [
            [12, 12],
            [36, 36],
            [84, 84],
          ],
        }),
      ],
      rules,
    ).verdicts[0]!.ratchet!;
    expect(binomialSf(83, 84, 0.957)).toBeGreaterThan(0.05 / 3);
    expect(back.regressed).toBe(false);
    expect(back.reason).toMatch(/back at the frozen basis 99\.4 %/);
    // Still at 92 %, or with too few runs to have shown it, it stays open.
    expect(
      evaluateCells(
        [
          cell(84, 77, 360, 300, {
            line: small,
            windows: [
              [12, 11],
              [36, 33],
              [84, 77],
            ],
          }),
        ],
        rules,
      ).verdicts[0]!.ratchet!.regressed,
    ).toBe(true);
    expect(
      evaluateCells(
        [
          cell(40, 40, 360, 300, {
            line: small,
            windows: [
              [12, 12],
              [40, 40],
            ],
          }),
        ],
        rules,
      ).verdicts[0]!.ratchet!.regressed,
    ).toBe(true);
    // Clustered runs (day effects of cv² 1, days of 12 runs): a clean week is what a regression at 92 % shows
    // once in a while (its mean day effect varies by cv²/7), more often than no failure in the 75 independent
    // runs that would have shown six: a few good days in a row are not a recovery.
    const clustered = cell(84, 84, 360, 300, {
      line: small,
      dayCv2: 1,
      windows: [
        [12, 12],
        [36, 36],
        [84, 84],
      ],
    });
    const v = evaluateCells([clustered], rules).verdicts[0]!.ratchet!;
    expect(v.regressed).toBe(true);
    expect(v.reason).toMatch(/beta-binomial \(clustered runs\)/);
  });

  it('lets only the windows that start after a resolution flag the cell anew', () => {
    // Resolved recently: the windows from the second on (with freshWindows 1) or the third (2) start before the
    // resolution and still hold the failures it was flagged for.
    const recent = (freshWindows?: number) =>
      evaluateCells(
        [
          {
            ...cell(84, 70, 360, 359, {
              windows: [
                [12, 12],
                [36, 30],
                [84, 70],
              ],
            }),
            ...(freshWindows !== undefined ? { freshWindows } : {}),
          },
        ],
        rules,
      ).verdicts[0]?.ratchet;
    expect(recent()?.regressed).toBe(true);
    expect(recent(1)).toBeUndefined();
    // A new failure streak inside the fresh windows is still found.
    expect(recent(2)?.regressed).toBe(true);
    expect(recent(2)?.window).toBe('w1');
    // A fresh window holding the same runs as the next, stale one is tested itself, not skipped as its repeat.
    const sparse = {
      ...cell(84, 78, 360, 359, {
        windows: [
          [12, 6],
          [12, 6],
          [84, 78],
        ],
      }),
      freshWindows: 1,
    };
    expect(evaluateCells([sparse], rules).verdicts[0]?.ratchet?.window).toBe('w0');
  });

  it('does not call a regression that fell to 0 % (a version 1 line) recovered on one clean run', () => {
    const zero: RatchetLine = { basis: { runs: 1000, working: 995, design: 1 }, fellTo: 0 };
    const judged = (runs: number) => evaluateCells([cell(runs, runs, 360, 358, { line: zero, windows: [[runs, runs]] })], rules).verdicts[0]!.ratchet!;
    // "Back at the basis" keeps its six-run minimum; the halfway line (49.75 %) is cleared at 5 runs: 0.5025⁵ ≤ 0.05.
    expect(judged(1).regressed).toBe(true);
    expect(judged(4).regressed).toBe(true);
    expect(judged(5).regressed).toBe(false);
    expect(judged(5).reason).toMatch(/halfway line 49\.8 %/);
  });

  it('resolves a fixed regression of clustered runs after a clean week, and holds one that still fails', () => {
    // 99.5 % fell to at most 80 %; day effects of cv² 1 (days of 12 runs). The halfway line is 89.75 %.
    const line: RatchetLine = { basis: { runs: 1000, working: 995, design: 1 }, fellTo: 0.8 };
    const windows = (w3: number, w7: number): Array<[number, number]> => [
      [12, 12],
      [36, w3],
      [84, w7],
    ];
    // A clean week: no failure in 84 runs when the rate is 10.25 % times a week's mean day effect (CV 1/√7),
    // a Beta of those moments: p = B(a, b + 84)/B(a, b), below α/3.
    const a = (1 - 0.1025) / (0.1025 / 7) - 1;
    const expected = Math.exp(logBeta(0.1025 * a, 0.8975 * a + 84) - logBeta(0.1025 * a, 0.8975 * a));
    expect(expected).toBeLessThan(0.05 / 3);
    const fixed = evaluateCells([cell(84, 84, 360, 358, { line, dayCv2: 1, windows: windows(36, 84) })], rules).verdicts[0]!.ratchet!;
    expect(fixed.regressed).toBe(false);
    expect(fixed.reason).toContain(`beta-binomial (clustered runs) p = ${fmtP(expected)}`);
    // Three clean days are not enough: the 3-day window's mean day effect varies by cv²/3.
    const threeDays = evaluateCells([cell(84, 73, 360, 358, { line, dayCv2: 1, windows: windows(36, 73) })], rules).verdicts[0]!.ratchet!;
    expect(threeDays.regressed).toBe(true);
    // Still failing a fifth of its runs, with two good days: open.
    const still = evaluateCells([cell(84, 68, 360, 358, { line, dayCv2: 1, windows: windows(34, 68) })], rules).verdicts[0]!.ratchet!;
    expect(still.regressed).toBe(true);
  });

  it('tests a new test against the required rate with an exact binomial p-value', () => {
    const v = evaluateCells([cell(30, 20, 0, 0)], rules).verdicts[0]!.ratchet!;
    expect(v.rule).toBe('new-test');
    expect(v.p).toBe(binomialCdf(20, 30, 0.95));
    expect(v.regressed).toBe(true);
  });
});
