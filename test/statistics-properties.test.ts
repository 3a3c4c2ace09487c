/**
 * Properties the statistics must have for every input, checked with fast-check, and agreement with
 * brute-force enumeration in exact integer (BigInt) arithmetic on small inputs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  benjaminiHochberg,
  binomialCdf,
  binomialSf,
  fisherExact,
  fisherGreater,
  fisherLess,
  mannWhitneyU,
  normalCdf,
  normalQuantile,
  percentile,
  requiredPasses,
  wilsonInterval,
} from '../src/analysis/stats/index.ts';

const RUNS = { numRuns: 300 };

function relativeError(actual: number, expected: number): number {
  return expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
}

function bigChoose(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let result = 1n;
  for (let i = 1; i <= k; i++) result = (result * BigInt(n - k + i)) / BigInt(i);
  return result;
}

/** numerator/denominator as a double with a 64-bit quotient, so tiny ratios keep full precision. */
function ratio(numerator: bigint, denominator: bigint): number {
  if (numerator === 0n) return 0;
  let shift = Math.max(0, denominator.toString(2).length - numerator.toString(2).length + 64);
  let value = Number((numerator << BigInt(shift)) / denominator);
  while (shift > 0) {
    const step = Math.min(shift, 1000);
    value /= 2 ** step;
    shift -= step;
  }
  return value;
}

const count = (max: number) => fc.integer({ min: 0, max });
const table = fc.tuple(count(40), count(40), count(300), count(300));

describe('Fisher exact test properties', () => {
  it('gives p-values in [0, 1] for every table', () => {
    fc.assert(
      fc.property(table, ([a, b, c, d]) => {
        const r = fisherExact(a, b, c, d);
        for (const p of [r.greater, r.less, r.twoSided]) {
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(1);
        }
      }),
      RUNS,
    );
  });

  it('has tail symmetry: greater on [[a,b],[c,d]] equals less on the rows swapped', () => {
    fc.assert(
      fc.property(table, ([a, b, c, d]) => {
        expect(relativeError(fisherGreater(a, b, c, d), fisherLess(c, d, a, b))).toBeLessThanOrEqual(1e-9);
        expect(relativeError(fisherExact(a, b, c, d).twoSided, fisherExact(c, d, a, b).twoSided)).toBeLessThanOrEqual(1e-9);
      }),
      RUNS,
    );
  });

  it('gives a non-increasing right-tail p as a grows with both row sums fixed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), count(300), count(300), (rowOne, c, d) => {
        let previous = Infinity;
        for (let a = 0; a <= rowOne; a++) {
          const p = fisherGreater(a, rowOne - a, c, d);
          expect(p).toBeLessThanOrEqual(previous * (1 + 1e-12));
          previous = p;
        }
      }),
      { numRuns: 100 },
    );
  });

  it('agrees with brute-force enumeration in exact integer arithmetic on small tables', () => {
    fc.assert(
      fc.property(count(15), count(15), count(15), count(15), (a, b, c, d) => {
        const r1 = a + b;
        const r2 = c + d;
        const c1 = a + c;
        if (r1 === 0 || r2 === 0 || c1 === 0 || b + d === 0) return;
        const total = bigChoose(r1 + r2, c1);
        const weight = (x: number) => bigChoose(r1, x) * bigChoose(r2, c1 - x);
        const observed = weight(a);
        let greater = 0n;
        let less = 0n;
        let twoSided = 0n;
        for (let x = Math.max(0, c1 - r2); x <= Math.min(r1, c1); x++) {
          const w = weight(x);
          if (x >= a) greater += w;
          if (x <= a) less += w;
          if (w <= observed) twoSided += w; // exact integers: ties are exact
        }
        const result = fisherExact(a, b, c, d);
        expect(relativeError(result.greater, ratio(greater, total))).toBeLessThanOrEqual(1e-12);
        expect(relativeError(result.less, ratio(less, total))).toBeLessThanOrEqual(1e-12);
        expect(relativeError(result.twoSided, ratio(twoSided, total))).toBeLessThanOrEqual(1e-12);
      }),
      RUNS,
    );
  });
});

describe('Wilson interval properties', () => {
  const proportion = fc.integer({ min: 1, max: 500 }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n)));

  it('lies in [0, 1] and contains the point estimate', () => {
    fc.assert(
      fc.property(proportion, fc.double({ min: 0.5, max: 0.999, noNaN: true }), ([k, n], confidence) => {
        const [lo, hi] = wilsonInterval(k, n, confidence);
        expect(lo).toBeGreaterThanOrEqual(0);
        expect(hi).toBeLessThanOrEqual(1);
        expect(lo).toBeLessThanOrEqual(k / n);
        expect(hi).toBeGreaterThanOrEqual(k / n);
      }),
      RUNS,
    );
  });

  it('narrows as the runs grow at the same pass rate, and widens with confidence', () => {
    fc.assert(
      fc.property(proportion, fc.integer({ min: 2, max: 20 }), ([k, n], factor) => {
        const [lo, hi] = wilsonInterval(k, n);
        const [loMore, hiMore] = wilsonInterval(k * factor, n * factor);
        expect(hiMore - loMore).toBeLessThan(hi - lo);
        const [lo99, hi99] = wilsonInterval(k, n, 0.99);
        expect(hi99 - lo99).toBeGreaterThan(hi - lo);
      }),
      RUNS,
    );
  });
});

describe('Benjamini–Hochberg properties', () => {
  const pValues = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 60 });

  it('never lowers a p-value, never exceeds 1, and is monotone in the rank of the raw p-value', () => {
    fc.assert(
      fc.property(pValues, (ps) => {
        const adjusted = benjaminiHochberg(ps);
        expect(adjusted).toHaveLength(ps.length);
        ps.forEach((p, i) => {
          expect(adjusted[i]!).toBeGreaterThanOrEqual(p);
          expect(adjusted[i]!).toBeLessThanOrEqual(1);
        });
        const order = ps.map((_, i) => i).sort((x, y) => ps[x]! - ps[y]!);
        for (let r = 1; r < order.length; r++) {
          expect(adjusted[order[r]!]!).toBeGreaterThanOrEqual(adjusted[order[r - 1]!]!);
        }
      }),
      RUNS,
    );
  });
});

describe('binomial distribution properties', () => {
  const nAndP = fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 100 }));

  it('has a CDF non-decreasing in k that reaches 1 at k = n, and CDF + survival = 1', () => {
    fc.assert(
      fc.property(nAndP, ([n, percent]) => {
        const p = percent / 100;
        let previous = 0;
        for (let k = 0; k <= n; k++) {
          const cdf = binomialCdf(k, n, p);
          expect(cdf).toBeGreaterThanOrEqual(previous * (1 - 1e-12));
          expect(Math.abs(cdf + binomialSf(k, n, p) - 1)).toBeLessThanOrEqual(1e-12);
          previous = cdf;
        }
        expect(binomialCdf(n, n, p)).toBe(1);
        expect(binomialCdf(-1, n, p)).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  it('agrees with exact integer arithmetic, p = i/100', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120 }), fc.integer({ min: 1, max: 99 }), fc.nat(), (n, i, seed) => {
        const k = seed % (n + 1);
        let numerator = 0n;
        for (let x = 0; x <= k; x++) numerator += bigChoose(n, x) * BigInt(i) ** BigInt(x) * BigInt(100 - i) ** BigInt(n - x);
        const expected = ratio(numerator, 100n ** BigInt(n));
        expect(relativeError(binomialCdf(k, n, i / 100), expected)).toBeLessThanOrEqual(1e-10);
      }),
      RUNS,
    );
  });
});

describe('Mann–Whitney U properties', () => {
  /** P(U ≥ u) by enumerating every way to choose which pooled ranks belong to x (no ties). */
  function enumeratedSf(u: number, n1: number, n2: number): number {
    const n = n1 + n2;
    let atLeast = 0;
    let all = 0;
    const visit = (start: number, chosen: number[]) => {
      if (chosen.length === n1) {
        all++;
        const rankSum = chosen.reduce((s, r) => s + r + 1, 0);
        if (rankSum - (n1 * (n1 + 1)) / 2 >= u) atLeast++;
        return;
      }
      for (let r = start; r < n; r++) visit(r + 1, [...chosen, r]);
    };
    visit(0, []);
    return atLeast / all;
  }

  const distinctSamples = (max: number) =>
    fc
      .tuple(fc.integer({ min: 1, max }), fc.integer({ min: 1, max }))
      .chain(([n1, n2]) =>
        fc
          .uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: n1 + n2, maxLength: n1 + n2 })
          .map((values) => [values.slice(0, n1), values.slice(n1)] as const),
      );

  it('computes exact p-values equal to full enumeration of rank orderings', () => {
    fc.assert(
      fc.property(distinctSamples(6), ([x, y]) => {
        const greater = mannWhitneyU(x, y, { alternative: 'greater', method: 'exact' });
        expect(relativeError(greater.p, enumeratedSf(greater.u, x.length, y.length))).toBeLessThanOrEqual(1e-12);
        const less = mannWhitneyU(x, y, { alternative: 'less', method: 'exact' });
        expect(relativeError(less.p, enumeratedSf(x.length * y.length - less.u, x.length, y.length))).toBeLessThanOrEqual(1e-12);
      }),
      { numRuns: 150 },
    );
  });

  it('gives p in [0, 1] and U + U′ = n₁n₂ with ties', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 30 }),
        (x, y) => {
          for (const alternative of ['two-sided', 'greater', 'less'] as const) {
            const r = mannWhitneyU(x, y, { alternative });
            expect(r.p).toBeGreaterThanOrEqual(0);
            expect(r.p).toBeLessThanOrEqual(1);
          }
          expect(mannWhitneyU(x, y).u + mannWhitneyU(y, x).u).toBe(x.length * y.length);
        },
      ),
      RUNS,
    );
  });

  it('has exact and asymptotic p-values agreeing within 0.02 for 15–40 values per sample', () => {
    fc.assert(
      fc.property(
        distinctSamples(40).filter(([x, y]) => x.length >= 15 && y.length >= 15),
        ([x, y]) => {
          for (const alternative of ['two-sided', 'greater', 'less'] as const) {
            const exact = mannWhitneyU(x, y, { alternative, method: 'exact' });
            const asymptotic = mannWhitneyU(x, y, { alternative, method: 'asymptotic' });
            expect(exact.method).toBe('exact');
            expect(asymptotic.method).toBe('asymptotic');
            expect(Math.abs(exact.p - asymptotic.p)).toBeLessThanOrEqual(0.02);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('normal distribution and percentile properties', () => {
  // Lower half only: above 0, Φ(x) = 1 − tiny rounds away the digits the inverse would need.
  it('inverts: Φ⁻¹(Φ(x)) = x for x ≤ 0, down to Φ(x) ≈ 1e-300', () => {
    fc.assert(
      fc.property(fc.double({ min: -37, max: 0, noNaN: true }), (x) => {
        expect(Math.abs(normalQuantile(normalCdf(x)) - x)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(x)));
      }),
      RUNS,
    );
  });

  it('keeps percentiles between min and max and non-decreasing in p', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }), (values) => {
        let previous = -Infinity;
        for (let p = 0; p <= 100; p += 5) {
          const v = percentile(values, p);
          expect(v).toBeGreaterThanOrEqual(Math.min(...values));
          expect(v).toBeLessThanOrEqual(Math.max(...values));
          expect(v).toBeGreaterThanOrEqual(previous);
          previous = v;
        }
      }),
      RUNS,
    );
  });
});

describe('required passes properties', () => {
  it('is between 0 and N and non-decreasing in the historical percentage', () => {
    for (let n = 1; n <= 20; n++) {
      let previous = 0;
      for (let pct = 0; pct <= 100; pct++) {
        const required = requiredPasses(n, pct);
        expect(required).toBeGreaterThanOrEqual(previous);
        expect(required).toBeLessThanOrEqual(n);
        previous = required;
      }
    }
  });
});
