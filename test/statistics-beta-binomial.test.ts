/**
 * The beta-binomial distribution (src/analysis/stats/beta-binomial.ts) and why disruption needs it: a
 * percentile estimated from h historical runs is itself random, so the number of new runs above it is
 * beta-binomial, not binomial. Checked against closed forms, against the exact count of orderings of
 * h + n exchangeable values, and by simulation: with a 20-run history, treating its P75 as exact
 * rejects a week of runs under the null about a quarter of the time (the issue measured 26 %), while
 * the beta-binomial exceedance test stays at or below 5 %.
 */
import { describe, expect, it } from 'vitest';
import { exceedanceP } from '../src/analysis/disruption.ts';
import { betaBinomialPmf } from '../src/analysis/stats/beta-binomial.ts';
import {
  betaBinomialCdf,
  betaBinomialMixtureUpperSupport,
  betaBinomialSf,
  binomialMixtureUpperSupport,
  binomialSf,
  exceedancePrior,
  percentile,
} from '../src/analysis/stats/index.ts';
import { mulberry32 } from '../src/util/mulberry32.ts';

/** C(n, k) as a float, exactly for the small arguments used here. */
function choose(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

/** `tails` lists P(X ≥ x) for x = n down to `from`: each within 1e-9 (relative) of sf(x − 1) = P(X > x − 1). */
function expectUpperTails(tails: Float64Array, n: number, from: number, sf: (k: number) => number): void {
  expect(tails).toHaveLength(n - from + 1);
  for (let x = from; x <= n; x++) {
    const want = sf(x - 1);
    expect(Math.abs(tails[n - x]! - want)).toBeLessThanOrEqual(want * 1e-9 + 1e-300);
  }
}

describe('a mixture of beta-binomials', () => {
  it('has, for one component, the tails of the beta-binomial, and for several their weighted sum', () => {
    for (const [n, a, b] of [
      [12, 0.8, 40],
      [84, 2, 19],
      [6, 0.5, 300],
    ] as const) {
      expectUpperTails(betaBinomialMixtureUpperSupport(n, [{ a, b, w: 1 }], 0), n, 0, (k) => betaBinomialSf(k, n, a, b));
    }
    const parts = [
      { a: 0.5, b: 200, w: 0.7 },
      { a: 3, b: 9, w: 0.3 },
    ];
    const mixed = betaBinomialMixtureUpperSupport(20, parts, 3);
    expect(mixed).toHaveLength(18);
    for (let x = 3; x <= 20; x++) {
      const want = 0.7 * betaBinomialSf(x - 1, 20, 0.5, 200) + 0.3 * betaBinomialSf(x - 1, 20, 3, 9);
      expect(mixed[20 - x]! / want).toBeCloseTo(1, 9);
    }
  });
});

describe('a mixture of binomials (a rate on a grid)', () => {
  it('has, for one rate, the binomial tails, for several their weighted sum, and rates of 0 and 1 as atoms', () => {
    for (const [n, p, from] of [
      [12, 0.3, 0],
      [84, 0.004, 2],
      [200, 0.999, 190],
      [300, 1e-7, 1],
    ] as const) {
      expectUpperTails(binomialMixtureUpperSupport(n, [p], [1], from), n, from, (k) => binomialSf(k, n, p));
    }
    const mixed = binomialMixtureUpperSupport(20, [0.01, 0.4, 1, 0], [0.5, 0.3, 0.15, 0.05], 0);
    for (let x = 0; x <= 20; x++) {
      const want = 0.5 * binomialSf(x - 1, 20, 0.01) + 0.3 * binomialSf(x - 1, 20, 0.4) + 0.15 + (x === 0 ? 0.05 : 0);
      expect(mixed[20 - x]! / want).toBeCloseTo(1, 9);
    }
    // A rate whose mode (388) lies below the range asked for starts at the range's lower end, not at the mode.
    expect(binomialMixtureUpperSupport(400, [0.97], [1], 395)[0]! / binomialSf(399, 400, 0.97)).toBeCloseTo(1, 9);
  });
});

describe('the beta-binomial distribution', () => {
  it('has a pmf that sums to 1', () => {
    for (const [n, a, b] of [
      [0, 1, 1],
      [1, 0.5, 0.5],
      [10, 6, 15],
      [84, 2, 19],
      [500, 0.3, 7],
    ] as const) {
      let sum = 0;
      for (let x = 0; x <= n; x++) sum += betaBinomialPmf(x, n, a, b);
      expect(sum, `n ${n}, a ${a}, b ${b}`).toBeCloseTo(1, 10);
    }
    expect(betaBinomialPmf(-1, 5, 1, 1)).toBe(0);
    expect(betaBinomialPmf(6, 5, 1, 1)).toBe(0);
    expect(betaBinomialPmf(2.5, 5, 1, 1)).toBe(0);
  });

  it('has the closed forms for one and two runs', () => {
    for (const [a, b] of [
      [1, 1],
      [6, 15],
      [0.5, 2.5],
      [3.2, 0.7],
    ] as const) {
      // n = 1: a Bernoulli with the mean of θ ~ Beta(a, b).
      expect(betaBinomialPmf(1, 1, a, b)).toBeCloseTo(a / (a + b), 12);
      expect(betaBinomialPmf(0, 1, a, b)).toBeCloseTo(b / (a + b), 12);
      // n = 2: E[θ²], 2·E[θ(1 − θ)], E[(1 − θ)²].
      const d = (a + b) * (a + b + 1);
      expect(betaBinomialPmf(2, 2, a, b)).toBeCloseTo((a * (a + 1)) / d, 12);
      expect(betaBinomialPmf(1, 2, a, b)).toBeCloseTo((2 * a * b) / d, 12);
      expect(betaBinomialPmf(0, 2, a, b)).toBeCloseTo((b * (b + 1)) / d, 12);
    }
  });

  it('has a cdf and survival function that add up to 1 and end where they must', () => {
    const [n, a, b] = [30, 6, 15];
    for (let k = -1; k <= n; k++) expect(betaBinomialCdf(k, n, a, b) + betaBinomialSf(k, n, a, b)).toBeCloseTo(1, 10);
    expect(betaBinomialSf(-1, n, a, b)).toBe(1);
    expect(betaBinomialSf(n, n, a, b)).toBe(0);
    expect(betaBinomialCdf(n, n, a, b)).toBe(1);
    expect(betaBinomialCdf(-1, n, a, b)).toBe(0);
    // The upper tail is summed from the top, so a tail far below 1e-16 keeps its accuracy.
    expect(betaBinomialSf(n - 1, n, a, b)).toBeCloseTo(betaBinomialPmf(n, n, a, b), 20);
    expect(betaBinomialSf(n - 1, n, a, b) / betaBinomialPmf(n, n, a, b)).toBeCloseTo(1, 10);
  });

  it('rejects parameters where it is undefined, saying which', () => {
    expect(() => betaBinomialPmf(0, -1, 1, 1)).toThrow(/n must be a whole number/);
    expect(() => betaBinomialSf(0, 2.5, 1, 1)).toThrow(/n must be a whole number/);
    expect(() => betaBinomialCdf(0, 5, 0, 1)).toThrow(/a and b must be positive/);
  });
});

describe('the predictive distribution of runs above a historical percentile', () => {
  it('gives a new run (h − j + 1)/(h + 1) to exceed the j-th smallest of h values', () => {
    // Of h + 1 exchangeable values the new one is equally likely at each rank; it exceeds the j-th
    // smallest of the others when its rank is j + 1 … h + 1.
    for (const h of [2, 10, 20, 100]) {
      for (const k of [50, 75, 95]) {
        const { a, b } = exceedancePrior(k, h);
        const j = b;
        expect(a).toBe(h - j + 1);
        // The type-7 P_k sits at order statistic 1 + (k/100)(h − 1), rounded down: no higher, so conservative.
        expect(j).toBe(Math.floor(1 + (k / 100) * (h - 1)));
        expect(betaBinomialPmf(1, 1, a, b)).toBeCloseTo((h - j + 1) / (h + 1), 12);
      }
    }
    // By simulation: 20 historical values, the 15th smallest (P75's lower order statistic).
    const rng = mulberry32(11);
    const trials = 40_000;
    let above = 0;
    for (let t = 0; t < trials; t++) {
      const history = Array.from({ length: 20 }, rng).sort((x, y) => x - y);
      if (rng() > history[14]!) above++;
    }
    expect(Math.abs(above / trials - 6 / 21)).toBeLessThan(4 * Math.sqrt(((6 / 21) * (15 / 21)) / trials));
  });

  it('gives n new runs the beta-binomial count, as the orderings of h + n exchangeable values do', () => {
    // x of n new values above the j-th smallest of h old ones: the j − 1 old and n − x new values below
    // it and the h − j old and x new above it may interleave in any order, all C(h + n, n) equally likely.
    const h = 20;
    const n = 10;
    const { a, b } = exceedancePrior(75, h);
    const j = b;
    for (let x = 0; x <= n; x++) {
      const orderings = (choose(j - 1 + n - x, n - x) * choose(h - j + x, x)) / choose(h + n, n);
      expect(betaBinomialPmf(x, n, a, b), `x = ${x}`).toBeCloseTo(orderings, 12);
    }
  });

  it('keeps its level where treating a 20-run P75 as exact does not (a week of runs under the null)', () => {
    // History and sample from the same distribution (uniform: only ranks matter). 84 runs is a week at
    // 12 a day. Treating P75 as exact, runs above it are Binomial(84, 0.25); in truth the share above
    // a 20-run P75 is itself spread over roughly Beta(6, 15), so that test rejects far too often.
    const rng = mulberry32(20261126);
    const trials = 20_000;
    const h = 20;
    const n = 84;
    const { a, b } = exceedancePrior(75, h);
    let naive = 0;
    let predictive = 0;
    let exceedance = 0;
    for (let t = 0; t < trials; t++) {
      const history = Array.from({ length: h }, rng).sort((x, y) => x - y);
      const p75 = percentile(history, 75);
      const p95 = percentile(history, 95);
      const sample = Array.from({ length: n }, rng);
      const above = sample.filter((v) => v > p75).length;
      if (above > 0 && binomialSf(above - 1, n, 0.25) <= 0.05) naive++;
      if (above > 0 && betaBinomialSf(above - 1, n, a, b) <= 0.05) predictive++;
      // What disruption runs: P75 and P95 against their predictive distributions, Bonferroni-combined.
      if (exceedanceP(sample, p75, p95, h) <= 0.05) exceedance++;
    }
    const se = Math.sqrt((0.05 * 0.95) / trials); // 0.15 points
    expect(naive / trials).toBeGreaterThan(0.2); // measured 25.6 %
    expect(predictive / trials).toBeLessThanOrEqual(0.05 + 3 * se); // measured 3.4 %
    expect(exceedance / trials).toBeLessThanOrEqual(0.05 + 3 * se); // measured 3.3 %
  });
});
