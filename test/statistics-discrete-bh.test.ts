/**
 * The discrete Benjamini–Hochberg procedure (step-down, Döhler, Durand & Roquain 2018) and the
 * null supports it needs: against its definition evaluated the slow way, against the closed form
 * for continuous p-values, and by Monte Carlo on independent Fisher tests, where the false
 * discovery rate it promises must hold.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  benjaminiHochberg,
  binomialCdf,
  binomialCdfSupport,
  discreteBenjaminiHochberg,
  fisherGreater,
  fisherGreaterSupport,
} from '../src/analysis/stats/index.ts';
import { mulberry32 as createRng } from '../src/util/mulberry32.ts';

function drawBinomial(rng: () => number, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (rng() < p) k++;
  return k;
}

/** q₍ₖ₎ = min(1, max over j ≤ k of ξ(p₍ⱼ₎)/j), ξ(t) = Σ F_i(t)/(1 − F_i(t)), F_i(t) = max support value ≤ t: O(m² · support). */
function reference(p: number[], supports: number[][]): number[] {
  const F = (support: number[], t: number): number => support.filter((s) => s <= t).reduce((x, y) => Math.max(x, y), 0);
  const xi = (t: number): number => supports.reduce((sum, s, i) => (Number.isNaN(p[i]!) ? sum : sum + F(s, t) / (1 - F(s, t))), 0);
  const order = p
    .map((_, i) => i)
    .filter((i) => !Number.isNaN(p[i]!))
    .sort((a, b) => p[a]! - p[b]! || a - b);
  const q = p.map(() => NaN);
  let running = 0;
  order.forEach((i, j) => {
    running = p[i]! >= 1 ? 1 : Math.max(running, Math.min(1, xi(p[i]!) / (j + 1)));
    q[i] = running;
  });
  return q;
}

describe('discreteBenjaminiHochberg', () => {
  it('matches its definition evaluated directly', () => {
    const hypothesis = fc.uniqueArray(fc.double({ min: 1e-6, max: 0.999, noNaN: true }), { minLength: 1, maxLength: 8 }).chain((values) => {
      const support = [...values].sort((a, b) => a - b);
      return fc.record({ support: fc.constant(support), observed: fc.integer({ min: 0, max: support.length - 1 }), missing: fc.boolean() });
    });
    fc.assert(
      fc.property(fc.array(hypothesis, { minLength: 1, maxLength: 25 }), (hs) => {
        const p = hs.map((h) => (h.missing ? NaN : h.support[h.observed]!));
        const supports = hs.map((h) => h.support);
        const q = discreteBenjaminiHochberg(p, supports);
        const expected = reference(p, supports);
        expected.forEach((e, i) => {
          if (Number.isNaN(e)) expect(q[i]).toBeNaN();
          else expect(Math.abs(q[i]! - e)).toBeLessThanOrEqual(1e-12 * Math.max(1, e));
        });
      }),
      { numRuns: 300, seed: 20261128 },
    );
  });

  it('reduces to m·t/(1 − t) for p-values that can take every value', () => {
    const grid = Array.from({ length: 10_000 }, (_, k) => (k + 1) / 10_000);
    const p = [0.0002, 0.0005, 0.003, 0.02, 0.4, 0.9];
    const q = discreteBenjaminiHochberg(
      p,
      p.map(() => grid),
    );
    const m = p.length;
    let running = 0;
    p.forEach((x, j) => {
      running = Math.max(running, Math.min(1, (m * x) / (1 - x) / (j + 1)));
      expect(q[j]).toBeCloseTo(running, 12);
    });
  });

  it('gives no weight to hypotheses that cannot reach a threshold (Tarone)', () => {
    // Nine hypotheses whose smallest attainable p-value is 0.2, one at 1e-4: the small one is judged as if alone.
    const p = [1e-4, ...Array.from({ length: 9 }, () => 0.2)];
    const supports = [[1e-4, 0.5, 1], ...Array.from({ length: 9 }, () => [0.2, 1])];
    const q = discreteBenjaminiHochberg(p, supports);
    expect(q[0]).toBeCloseTo(1e-4 / (1 - 1e-4), 15);
  });

  it('controls the false discovery rate on independent Fisher tests (Monte Carlo)', () => {
    // 60 cells of 20 + 20 runs, 6 of them with a real drop (98 % → 60 %), stable rates 90–100 %:
    // many cells with few failures, whose p-values are coarse, as in CI data.
    const rng = createRng(7);
    const alpha = 0.1;
    const reports = 1500;
    let fdpSum = 0;
    let found = 0;
    let foundByBh = 0;
    for (let r = 0; r < reports; r++) {
      const p: number[] = [];
      const supports: Float64Array[] = [];
      const real: boolean[] = [];
      for (let i = 0; i < 60; i++) {
        const isReal = i < 6;
        const base = isReal ? 0.98 : 0.9 + 0.1 * rng();
        const a = 20 - drawBinomial(rng, 20, isReal ? 0.6 : base);
        const c = 20 - drawBinomial(rng, 20, base);
        const support = fisherGreaterSupport(20, 20, a + c, 0);
        p.push(support[Math.min(20, a + c) - a]!);
        supports.push(support);
        real.push(isReal);
      }
      const q = discreteBenjaminiHochberg(p, supports);
      let rejected = 0;
      let falseOnes = 0;
      q.forEach((x, i) => {
        if (x <= alpha) {
          rejected++;
          if (!real[i]) falseOnes++;
        }
      });
      if (rejected) fdpSum += falseOnes / rejected;
      found += rejected - falseOnes;
      benjaminiHochberg(p).forEach((x, i) => {
        if (x <= alpha && real[i]) foundByBh++;
      });
    }
    const fdr = fdpSum / reports;
    // The FDP of one report is in [0, 1]; 1,500 reports put the mean within ±0.015 (2 SE) of the FDR.
    expect(fdr).toBeLessThan(alpha);
    // And it finds more of the real drops than plain BH on the same p-values.
    expect(found).toBeGreaterThan(foundByBh * 1.2);
  });
});

describe('weighted discreteBenjaminiHochberg', () => {
  /** ξ(t) = Σ F_i(w_i·t)/(1 − F_i(w_i·t)) from the definition, F_i(x) = 1 for x ≥ 1 (every p′ is at most 1). */
  function reference(p: number[], supports: number[][], w: number[]): number[] {
    const F = (i: number, x: number): number => (x >= 1 ? 1 : supports[i]!.filter((s) => s <= x * (1 + 1e-12)).reduce((a, b) => Math.max(a, b), 0));
    const xi = (t: number): number => p.reduce((sum, _p, i) => sum + F(i, w[i]! * t) / (1 - F(i, w[i]! * t)), 0);
    const order = p.map((_x, i) => i).sort((a, b) => p[a]! / w[a]! - p[b]! / w[b]! || a - b);
    const q = new Array<number>(p.length);
    let running = 0;
    order.forEach((i, j) => {
      running = p[i]! >= 1 ? 1 : Math.max(running, Math.min(1, xi(p[i]! / w[i]!) / (j + 1)));
      q[i] = running;
    });
    return q;
  }

  it('judges p/w with null distributions F(w·t), up to F = 1 at t = 1/w', () => {
    // Four strong hypotheses with a large weight and one with a small weight: at t = p₅/w₅ = 0.16 the large
    // weights put w·t above 1, where F = 1 and ξ is infinite, so the fifth cannot be rejected.
    const p = [0.001, 0.001, 0.001, 0.001, 0.04];
    const supports = p.map((x) => [x, 1]);
    const w = [7, 7, 7, 7, 0.25];
    const q = discreteBenjaminiHochberg(p, supports, w);
    const expected = reference(p, supports, w);
    for (const [i, x] of expected.entries()) expect(q[i]).toBeCloseTo(x, 12);
    expect(q[4]).toBe(1);
    expect(q[0]).toBeLessThan(0.05);
  });

  it('matches its definition on random discrete supports and weights', () => {
    const rng = createRng(31);
    for (let round = 0; round < 50; round++) {
      const m = 2 + Math.floor(rng() * 8);
      const supports = Array.from({ length: m }, () =>
        [...new Set(Array.from({ length: 1 + Math.floor(rng() * 5) }, () => Math.round(rng() ** 3 * 1000) / 1000))].filter((x) => x > 0).sort((a, b) => a - b),
      );
      for (const s of supports) if (s.length === 0 || s.at(-1) !== 1) s.push(1);
      const p = supports.map((s) => s[Math.floor(rng() * s.length)]!);
      const w = Array.from({ length: m }, () => 0.2 + rng() * 3);
      const q = discreteBenjaminiHochberg(p, supports, w);
      const expected = reference(p, supports, w);
      for (const [i, x] of expected.entries()) expect(q[i], `round ${round}, hypothesis ${i}`).toBeCloseTo(x, 10);
    }
  });
});

describe('null supports', () => {
  it('fisherGreaterSupport lists every attainable right-tail p-value, as fisherGreater gives them', () => {
    for (const [r1, r2, c1] of [
      [10, 10, 5],
      [50, 250, 12],
      [21, 18, 10],
      [3, 200, 150],
      [1000, 1000, 40],
      [500, 500, 900],
    ] as const) {
      const support = fisherGreaterSupport(r1, r2, c1, 0);
      const hi = Math.min(r1, c1);
      expect(support.length).toBe(hi - Math.max(0, c1 - r2) + 1);
      support.forEach((s, k) => {
        const a = hi - k;
        const f = fisherGreater(a, r1 - a, c1 - a, r2 - c1 + a);
        expect(Math.abs(s - f)).toBeLessThanOrEqual(1e-11 * f + 1e-300);
        if (k > 0) expect(s).toBeGreaterThanOrEqual(support[k - 1]!);
      });
    }
    // Starting at a given number of sample failures keeps only those splits.
    expect(Array.from(fisherGreaterSupport(20, 20, 8, 5))).toEqual(Array.from(fisherGreaterSupport(20, 20, 8, 0)).slice(0, 4));
  });

  it('binomialCdfSupport lists P(X ≤ w) for w = 0 … upTo', () => {
    for (const [n, p] of [
      [10, 0.95],
      [200, 0.95],
      [30, 0.5],
    ] as const) {
      const support = binomialCdfSupport(n, p, n - 3);
      expect(support.length).toBe(n - 2);
      for (const [w, s] of support.entries()) expect(Math.abs(s - binomialCdf(w, n, p))).toBeLessThanOrEqual(1e-11 * binomialCdf(w, n, p) + 1e-300);
    }
  });
});
