/**
 * The statistics reproduce published reference values: SciPy 1.17 (test/fixtures/reference), SciPy's
 * own test suite, exact rational arithmetic, and Python's C-library special functions.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  benjaminiHochberg,
  binomialCdf,
  binomialSf,
  describe as describeValues,
  erfc,
  fisherExact,
  fisherGreater,
  fisherLess,
  logChoose,
  logFactorial,
  logGamma,
  normalCdf,
  normalQuantile,
  percentile,
  requiredPasses,
  wilsonInterval,
} from '../src/analysis/stats/index.ts';

interface FisherVector {
  table: [[number, number], [number, number]];
  greater: number;
  less: number;
  two_sided: number;
}
interface StatVectors {
  fisher: FisherVector[];
  wilson95: { passes: number; runs: number; interval: [number, number] }[];
  binom_cdf: { k: number; n: number; p: number; cdf: number }[];
  percentile_type7: { values: number[]; p: Record<string, number>; sample_std: number; mean: number };
  bh: { p: number[]; adjusted: number[] };
}
interface AggregatorTable {
  rows: Record<string, number[]>;
}

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/reference/${name}`, import.meta.url), 'utf8')) as T;
}

const vectors = fixture<StatVectors>('stat-vectors.json');
const aggregatorTable = fixture<AggregatorTable>('aggregator-table.json');

/** |actual − expected| ≤ tolerance·|expected|; exact match required when expected is 0. */
function expectRelative(actual: number, expected: number, tolerance: number): void {
  if (expected === 0) {
    expect(actual).toBe(0);
    return;
  }
  const error = Math.abs(actual - expected) / Math.abs(expected);
  expect(error, `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance);
}

function expectAbsolute(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance);
}

const P_TOLERANCE = 1e-9;

describe('Fisher exact test matches SciPy 1.17 (stat-vectors.json)', () => {
  it.each(vectors.fisher.map((v) => [JSON.stringify(v.table), v] as const))('%s', (_name, v) => {
    const [[a, b], [c, d]] = v.table;
    const result = fisherExact(a, b, c, d);
    expectRelative(result.greater, v.greater, P_TOLERANCE);
    expectRelative(result.less, v.less, P_TOLERANCE);
    expectRelative(result.twoSided, v.two_sided, P_TOLERANCE);
    expectRelative(fisherGreater(a, b, c, d), v.greater, P_TOLERANCE);
    expectRelative(fisherLess(a, b, c, d), v.less, P_TOLERANCE);
  });
});

describe('Fisher exact test matches other references', () => {
  // SciPy's test suite, test_gh4130 (scipy/stats/tests/test_stats.py): two-sided p-values.
  it.each([
    [[6, 37, 108, 200], 0.005092697748126],
    [[22, 0, 0, 102], 7.175066786244549e-25],
    [[94, 48, 3577, 16988], 2.069356340993818e-37],
  ] as const)('SciPy regression table %j', (t, twoSided) => {
    expectRelative(fisherExact(t[0], t[1], t[2], t[3]).twoSided, twoSided, P_TOLERANCE);
  });

  // Exact hypergeometric sums in rational arithmetic: Python fractions.Fraction over math.comb,
  // two-sided summing every table with probability ≤ the observed one.
  it.each([
    [[176, 2634, 43, 6837], 3.5850801438955997e-57, 1.0, 3.5850801438955997e-57],
    [[8, 2811, 299, 6536], 1.0, 2.631395779868398e-35, 4.464787632343344e-35],
    [[5, 45, 2, 298], 0.0008312120961966816, 0.9999595009832232, 0.0008312120961966816],
    [[40, 10, 30, 270], 2.972055608740783e-24, 1.0, 2.972055608740783e-24],
    [[0, 30, 12, 88], 1.0, 0.03644792967305644, 0.06720804801760233],
    [[300, 9700, 150, 9850], 3.774441806416274e-13, 0.9999999999998165, 7.548883612832548e-13],
    [[3, 3, 3, 3], 0.7164502164502164, 0.7164502164502164, 1.0],
    [[2, 8, 8, 2], 0.9994533330446643, 0.011507068782610578, 0.023014137565221155],
  ] as const)('exact rational table %j', (t, greater, less, twoSided) => {
    const result = fisherExact(t[0], t[1], t[2], t[3]);
    expectRelative(result.greater, greater, P_TOLERANCE);
    expectRelative(result.less, less, P_TOLERANCE);
    expectRelative(result.twoSided, twoSided, P_TOLERANCE);
  });

  it('reports the sample odds ratio a·d/(b·c), Infinity when b·c = 0 and NaN for an empty margin', () => {
    expect(fisherExact(3, 7, 1, 99).oddsRatio).toBeCloseTo((3 * 99) / 7, 12);
    expect(fisherExact(1, 0, 0, 1).oddsRatio).toBe(Infinity);
    expect(fisherExact(0, 0, 3, 4).oddsRatio).toBeNaN();
    expect(fisherExact(0, 0, 3, 4).twoSided).toBe(1);
  });

  it('rejects negative or fractional counts with a RangeError', () => {
    expect(() => fisherExact(-1, 2, 3, 4)).toThrow(RangeError);
    expect(() => fisherGreater(1.5, 2, 3, 4)).toThrow(/non-negative integer/);
  });
});

describe('log-gamma matches the C library lgamma (Python math.lgamma)', () => {
  it.each([
    [0.5, 0.5723649429247004],
    [1.5, -0.12078223763524543],
    [3.7, 1.4280723266653883],
    [10.5, 13.940625219403763],
    [100.25, 360.2845596377643],
    [12345.678, 103959.91990554606],
    [1e7 + 0.3, 151180954.20490262],
  ] as const)('lnΓ(%d)', (x, expected) => {
    expectAbsolute(logGamma(x), expected, 1e-14 * Math.max(1, Math.abs(expected)) + 5e-15);
  });

  it('gives ln n! exactly for small n and consistently with lnΓ(n + 1) beyond the table', () => {
    expect(logFactorial(0)).toBe(0);
    expect(logFactorial(1)).toBe(0);
    // 20! = 2432902008176640000 (exact integer).
    expectRelative(logFactorial(20), Math.log(2432902008176640000), 1e-15);
    // Past the 2^20 table the Stirling series takes over: ln(n!) − ln((n−1)!) = ln n.
    const n = (1 << 20) + 5;
    expectAbsolute(logFactorial(n) - logFactorial(n - 1), Math.log(n), 1e-8);
    // C(52, 5) = 2598960 poker hands.
    expectRelative(Math.exp(logChoose(52, 5)), 2598960, 1e-13);
    expect(logChoose(5, 6)).toBe(-Infinity);
  });

  it('rejects arguments where the function is undefined', () => {
    expect(() => logGamma(0)).toThrow(RangeError);
    expect(() => logFactorial(-1)).toThrow(RangeError);
    expect(() => logFactorial(2.5)).toThrow(RangeError);
  });
});

describe('normal distribution matches the C library (Python math.erfc, statistics.NormalDist)', () => {
  it.each([
    [-3, 1.9999779095030015],
    [-1, 1.842700792949715],
    [0.2, 0.7772974107895215],
    [0.5, 0.4795001221869535],
    [1, 0.15729920705028513],
    [2, 0.004677734981047265],
    [4.1, 6.700027654084918e-9],
    [6, 2.1519736712498916e-17],
    [10, 2.088487583762545e-45],
    [20, 5.3958656116079005e-176],
  ] as const)('erfc(%d)', (x, expected) => {
    expectRelative(erfc(x), expected, 1e-14);
  });

  it.each([
    [-37, 5.725571222525139e-300],
    [-20, 2.7536241186063314e-89],
    [-10, 7.619853024160593e-24],
    [-3, 0.0013498980316300957],
    [0, 0.5],
    [1, 0.8413447460685429],
    [5, 0.9999997133484281],
  ] as const)('Φ(%d)', (x, expected) => {
    expectRelative(normalCdf(x), expected, 1e-13);
  });

  it.each([
    [1e-300, -37.0470962993612],
    [1e-20, -9.262340089798405],
    [1e-10, -6.361340902404056],
    [0.001, -3.090232306167813],
    [0.025, -1.9599639845400538],
    [0.3, -0.5244005127080407],
    [0.5, 0],
    [0.7, 0.5244005127080407],
    [0.975, 1.9599639845400536],
    [0.999, 3.090232306167813],
  ] as const)('Φ⁻¹(%d)', (p, expected) => {
    expectAbsolute(normalQuantile(p), expected, 1e-14 * Math.max(1, Math.abs(expected)));
  });

  it('gives the two-sided 95 % critical value z = 1.959963984540054 and ±Infinity at 0 and 1', () => {
    expectAbsolute(normalQuantile(0.975), 1.959963984540054, 1e-15);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(() => normalQuantile(1.5)).toThrow(RangeError);
  });
});

describe('Wilson 95 % intervals match SciPy 1.17 (stat-vectors.json)', () => {
  it.each(vectors.wilson95.map((v) => [`${v.passes}/${v.runs}`, v] as const))('%s', (_name, v) => {
    const [lo, hi] = wilsonInterval(v.passes, v.runs);
    expectAbsolute(lo, v.interval[0], 1e-12);
    expectAbsolute(hi, v.interval[1], 1e-12);
  });

  it('is [0, 1] without trials and rejects impossible counts', () => {
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
    expect(() => wilsonInterval(5, 4)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 4)).toThrow(RangeError);
    expect(() => wilsonInterval(1, 4, 1)).toThrow(RangeError);
  });
});

describe('binomial CDF matches SciPy 1.17 (stat-vectors.json) and exact tails', () => {
  it.each(vectors.binom_cdf.map((v) => [`P(X ≤ ${v.k}; n=${v.n}, p=${v.p})`, v] as const))('%s', (_name, v) => {
    expectRelative(binomialCdf(v.k, v.n, v.p), v.cdf, P_TOLERANCE);
  });

  // Hand-derivable: P(X = 0; 1000, ½) = 2^−1000; P(X ≤ 1; 100, ½) = 101/2^100; P(X > 99; 100, ½) = 2^−100.
  it('keeps full relative accuracy in tails far below 1e-16', () => {
    expectRelative(binomialCdf(0, 1000, 0.5), 2 ** -1000, 1e-12);
    expectRelative(binomialCdf(1, 100, 0.5), 101 * 2 ** -100, 1e-12);
    expectRelative(binomialSf(99, 100, 0.5), 2 ** -100, 1e-12);
  });

  // Exact sums in rational arithmetic (Python fractions.Fraction, math.comb).
  it.each([
    ['cdf', 5, 1000, 0.01, 0.06613951160725197],
    ['cdf', 20, 1000, 0.01, 0.9985035184522908],
    ['cdf', 950, 1000, 0.99, 8.30637143538877e-20],
    ['cdf', 10, 200, 0.5, 1.4738538021484267e-44],
    ['cdf', 0, 500, 0.1, 1.3220708194808067e-23],
    ['sf', 20, 1000, 0.01, 0.0014964815477092432],
    ['sf', 40, 1000, 0.01, 1.100642853048845e-13],
    ['sf', 190, 200, 0.5, 7.672437396526704e-46],
  ] as const)('%s(%d; n=%d, p=%d)', (kind, k, n, p, expected) => {
    expectRelative(kind === 'cdf' ? binomialCdf(k, n, p) : binomialSf(k, n, p), expected, P_TOLERANCE);
  });
});

describe('type-7 percentiles and summary match SciPy/NumPy (stat-vectors.json)', () => {
  const { values, p, sample_std, mean } = vectors.percentile_type7;
  it.each(Object.entries(p))('P%s', (pct, expected) => {
    expectAbsolute(percentile(values, Number(pct)), expected, 1e-12);
    // Order of the input must not matter.
    expectAbsolute(percentile([...values].reverse(), Number(pct)), expected, 1e-12);
  });

  it('describe() gives count, mean, sample sd, P50–P99, min and max', () => {
    const d = describeValues([...values].reverse());
    expect(d.count).toBe(values.length);
    expectAbsolute(d.mean, mean, 1e-12);
    expectAbsolute(d.sd, sample_std, 1e-12);
    expectAbsolute(d.p50, p['50']!, 1e-12);
    expectAbsolute(d.p75, p['75']!, 1e-12);
    expectAbsolute(d.p95, p['95']!, 1e-12);
    expectAbsolute(d.p99, p['99']!, 1e-12);
    expect(d.min).toBe(0);
    expect(d.max).toBe(34);
  });

  it('handles empty and single-value inputs and rejects bad ones', () => {
    expect(describeValues([]).count).toBe(0);
    expect(describeValues([]).mean).toBeNaN();
    expect(describeValues([4]).sd).toBeNaN();
    expect(describeValues([4]).p99).toBe(4);
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1, NaN], 50)).toThrow(/finite/);
    expect(() => percentile([1, 2], 101)).toThrow(RangeError);
  });
});

describe('Benjamini–Hochberg matches SciPy 1.17 (stat-vectors.json)', () => {
  it('adjusts every p-value', () => {
    const adjusted = benjaminiHochberg(vectors.bh.p);
    expect(adjusted).toHaveLength(vectors.bh.adjusted.length);
    for (const [i, value] of adjusted.entries()) expectAbsolute(value, vectors.bh.adjusted[i]!, 1e-12);
  });

  it('keeps the input order, leaves NaN out of m, and handles an empty list', () => {
    // Reversed input, plus a NaN: the adjusted values follow their p-values and m stays 10.
    const reversed = [...vectors.bh.p].reverse();
    const adjusted = benjaminiHochberg([NaN, ...reversed]);
    expect(adjusted[0]).toBeNaN();
    for (const [i, value] of adjusted.slice(1).entries()) expectAbsolute(value, [...vectors.bh.adjusted].reverse()[i]!, 1e-12);
    expect(benjaminiHochberg([])).toEqual([]);
    expect(() => benjaminiHochberg([0.5, 1.2])).toThrow(RangeError);
  });
});

describe('required passes reproduce the aggregator table (aggregator-table.json)', () => {
  for (const [n, row] of Object.entries(aggregatorTable.rows)) {
    it(`N = ${n}, every percentage 0..100`, () => {
      expect(row).toHaveLength(101);
      const computed = row.map((_, pct) => requiredPasses(Number(n), pct));
      expect(computed).toEqual(row);
    });
  }
});
