/**
 * Mann–Whitney U test (Wilcoxon rank-sum): do values in x tend to be larger than in y?
 * Used for durations and disruption seconds, which are skewed and heavy-tailed, so a rank test
 * is safer than comparing means.
 *
 * U = R₁ − n₁(n₁+1)/2, where R₁ is the rank sum of x in the pooled sample (ties get mid-ranks);
 * U counts pairs with x > y, plus ½ per tie. Conventions follow scipy.stats.mannwhitneyu:
 *   greater: P(U ≥ U₁); less: P(U ≥ U₂) with U₂ = n₁n₂ − U₁; two-sided: 2·P(U ≥ max(U₁, U₂)), capped at 1.
 * Exact p-values come from the null distribution of U (all C(n₁+n₂, n₁) orderings equally
 * likely), valid only without ties. Otherwise the normal approximation with tie-corrected variance
 *   σ² = n₁n₂/12 · ((n + 1) − Σ(t³ − t) / (n(n − 1)))
 * and continuity correction z = (U − n₁n₂/2 − ½)/σ.
 */

import { normalSf } from './normal.ts';

type Alternative = 'two-sided' | 'greater' | 'less';

export interface MannWhitneyOptions {
  alternative?: Alternative;
  /** 'auto' (default): exact without ties when n₁·n₂ ≤ EXACT_AUTO_MAX_PRODUCT, else asymptotic. */
  method?: 'auto' | 'exact' | 'asymptotic';
  /** Continuity correction for the asymptotic method (default true). */
  continuity?: boolean;
}

export interface MannWhitneyResult {
  /** U statistic of the first sample: pairs with x > y plus half the tied pairs. */
  u: number;
  p: number;
  method: 'exact' | 'asymptotic';
}

/** 'auto' uses the exact distribution up to this n₁·n₂ (e.g. 100 × 100, about a millisecond). */
const EXACT_AUTO_MAX_PRODUCT = 10_000;
/** Forcing 'exact' beyond this n₁·n₂ (e.g. 500 × 500) would take seconds; use 'asymptotic' there. */
const EXACT_MAX_PRODUCT = 250_000;

function checkSample(name: string, values: readonly number[]): void {
  if (values.length === 0) throw new RangeError(`mannWhitneyU: ${name} is empty; both samples need at least one value.`);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) throw new RangeError(`mannWhitneyU: ${name}[${i}] is NaN; drop missing values first.`);
  }
}

/**
 * P(U ≤ k) under the null for sample sizes m ≤ n. The counts of orderings by U are the coefficients
 * of the Gaussian binomial [m+n choose m](q) = Π_{i=1..m} (1 − q^(n+i)) / (1 − q^i). We build
 * [n+i choose i] for i = 1..m, each step multiplying by (1 − q^(n+i)), dividing by (1 − q^i) (a
 * running sum with stride i) and scaling by i/(n+i) so the coefficients stay probabilities.
 * Coefficients up to k depend only on lower ones, so arrays stop at k: cost O(m·k).
 * Checked against exact integer counts: relative error ≤ 2e-14 over whole tails up to 100 × 100.
 */
function exactCdf(k: number, m: number, n: number): number {
  if (k < 0) return 0;
  if (k >= m * n) return 1;
  let previous = new Float64Array(1);
  previous[0] = 1; // [n choose 0] = 1
  for (let i = 1; i <= m; i++) {
    const length = Math.min(i * n, k) + 1;
    const next = new Float64Array(length);
    const stride = n + i;
    for (let u = 0; u < length; u++) {
      let v = u < previous.length ? previous[u]! : 0;
      const back = u - stride;
      if (back >= 0 && back < previous.length) v -= previous[back]!;
      if (u >= i) v += next[u - i]!;
      next[u] = v;
    }
    const scale = i / stride;
    for (let u = 0; u < length; u++) next[u] = next[u]! * scale;
    previous = next;
  }
  let total = 0;
  for (let u = 0; u < previous.length && u <= k; u++) total += previous[u]!;
  return Math.min(1, total);
}

/** P(U ≥ u) under the null, using the symmetry P(U ≥ u) = P(U ≤ mn − u). */
function exactSf(u: number, m: number, n: number): number {
  const k = m * n - u;
  // Sum whichever side is shorter; the complement is then ≥ ½ and loses nothing.
  if (k <= (m * n) / 2) return exactCdf(k, Math.min(m, n), Math.max(m, n));
  return 1 - exactCdf(u - 1, Math.min(m, n), Math.max(m, n));
}

interface Ranked {
  rankSumX: number;
  tieTerm: number; // Σ (t³ − t) over groups of tied values
}

function rankSum(x: readonly number[], y: readonly number[]): Ranked {
  const pooled: { v: number; fromX: boolean }[] = [];
  for (const v of x) pooled.push({ v, fromX: true });
  for (const v of y) pooled.push({ v, fromX: false });
  pooled.sort((p, q) => p.v - q.v);
  let rankSumX = 0;
  let tieTerm = 0;
  let i = 0;
  while (i < pooled.length) {
    let j = i + 1;
    while (j < pooled.length && pooled[j]!.v === pooled[i]!.v) j++;
    const t = j - i;
    const midRank = (i + 1 + j) / 2; // mean of ranks i+1..j
    for (let k = i; k < j; k++) if (pooled[k]!.fromX) rankSumX += midRank;
    if (t > 1) tieTerm += t * t * t - t;
    i = j;
  }
  return { rankSumX, tieTerm };
}

/**
 * Mann–Whitney U test of x against y.
 * @throws RangeError on an empty sample or NaN, on method 'exact' with ties, or when 'exact' is
 *   forced for n₁·n₂ > EXACT_MAX_PRODUCT.
 */
export function mannWhitneyU(x: readonly number[], y: readonly number[], options: MannWhitneyOptions = {}): MannWhitneyResult {
  const alternative = options.alternative ?? 'two-sided';
  const requested = options.method ?? 'auto';
  const continuity = options.continuity ?? true;
  checkSample('x', x);
  checkSample('y', y);
  const n1 = x.length;
  const n2 = y.length;
  const { rankSumX, tieTerm } = rankSum(x, y);
  const u1 = rankSumX - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const hasTies = tieTerm > 0;

  if (requested === 'exact' && hasTies) {
    throw new RangeError("mannWhitneyU: the exact distribution assumes no ties, but the samples tie; use method 'asymptotic'.");
  }
  if (requested === 'exact' && n1 * n2 > EXACT_MAX_PRODUCT) {
    throw new RangeError(`mannWhitneyU: exact p-values for n₁·n₂ = ${n1 * n2} > ${EXACT_MAX_PRODUCT} are too slow; use method 'asymptotic'.`);
  }
  const method: 'exact' | 'asymptotic' =
    requested === 'exact' || (requested === 'auto' && !hasTies && n1 * n2 <= EXACT_AUTO_MAX_PRODUCT) ? 'exact' : 'asymptotic';

  const statistic = alternative === 'greater' ? u1 : alternative === 'less' ? u2 : Math.max(u1, u2);
  const factor = alternative === 'two-sided' ? 2 : 1;
  let p: number;
  if (method === 'exact') {
    p = exactSf(statistic, n1, n2);
  } else {
    const n = n1 + n2;
    const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
    if (!(variance > 0)) {
      p = 1; // every value tied: no evidence either way
    } else {
      const numerator = statistic - (n1 * n2) / 2 - (continuity ? 0.5 : 0);
      p = normalSf(numerator / Math.sqrt(variance));
    }
  }
  return { u: u1, p: Math.min(1, Math.max(0, p * factor)), method };
}

/** Bound on (n₁ + 1) · (largest doubled rank sum) · transitions up to which mannWhitneyExactGreater runs. */
const EXACT_TIES_MAX_WORK = 200_000_000;

/**
 * Exact one-sided p-value P(U ≥ U₁) of x against y under the permutation distribution given the
 * pooled values, ties included: every way of choosing which n₁ of the pooled values are x is
 * equally likely. This is the test the asymptotic method approximates; with heavy ties (disruption
 * seconds, mostly zeros) the normal approximation can be off by a factor of two.
 *
 * Counted by dynamic programming over the groups of tied values: choosing j of a group of t values
 * with mid-rank r adds j·r to the rank sum in C(t, j) ways. Counts are kept as doubles (all terms
 * positive, so the sum keeps its relative precision) and divided by C(n₁+n₂, n₁) at the end.
 * Returns null when the work would exceed EXACT_TIES_MAX_WORK; use mannWhitneyU then.
 * @throws RangeError on an empty sample or NaN.
 */
export function mannWhitneyExactGreater(x: readonly number[], y: readonly number[]): { u: number; p: number } | null {
  checkSample('x', x);
  checkSample('y', y);
  const n1 = x.length;
  const n = n1 + y.length;
  const pooled = [...x, ...y].sort((a, b) => a - b);
  // Tie groups as (size, twice the mid-rank): twice, so half ranks stay integers.
  const sizes: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && pooled[j] === pooled[i]) j++;
    sizes.push(j - i);
    weights.push(i + 1 + j); // 2 · (i + 1 + j) / 2
    i = j;
  }
  const maxSum = n1 * (2 * n - n1 + 1); // twice the largest possible rank sum
  if ((n1 + 1) * (maxSum + 1) * Math.min(n, sizes.length * n1) > EXACT_TIES_MAX_WORK) return null;
  // dp[k][s]: ways to pick k values so far with doubled rank sum s.
  const dp: Float64Array[] = Array.from({ length: n1 + 1 }, () => new Float64Array(maxSum + 1));
  // The range of sums reached so far for each k: the loops touch nothing else.
  const lo = new Int32Array(n1 + 1).fill(maxSum + 1);
  const hi = new Int32Array(n1 + 1).fill(-1);
  dp[0]![0] = 1;
  lo[0] = 0;
  hi[0] = 0;
  let picked = 0;
  for (let g = 0; g < sizes.length; g++) {
    const t = sizes[g]!;
    const w = weights[g]!;
    // Descending k, so each dp[k] is read before this group adds to it (as in a 0/1 knapsack).
    for (let k = Math.min(picked, n1); k >= 0; k--) {
      if (hi[k]! < 0) continue;
      const from = dp[k]!;
      const a = lo[k]!;
      const b = hi[k]!;
      let choose = 1;
      for (let j = 1; j <= t && k + j <= n1; j++) {
        choose = (choose * (t - j + 1)) / j;
        const to = dp[k + j]!;
        const shift = j * w;
        for (let s = a; s <= b; s++) {
          const v = from[s]!;
          if (v !== 0) to[s + shift]! += v * choose;
        }
        if (a + shift < lo[k + j]!) lo[k + j] = a + shift;
        if (b + shift > hi[k + j]!) hi[k + j] = b + shift;
      }
    }
    picked += t;
  }
  let rankSumX2 = 0;
  const midRank = new Map<number, number>();
  for (let g = 0, start = 0; g < sizes.length; start += sizes[g]!, g++) midRank.set(pooled[start]!, weights[g]!);
  for (const v of x) rankSumX2 += midRank.get(v)!;
  const last = dp[n1]!;
  let tail = 0;
  let total = 0;
  for (let s = 0; s <= maxSum; s++) {
    total += last[s]!;
    if (s >= rankSumX2) tail += last[s]!;
  }
  return { u: rankSumX2 / 2 - (n1 * (n1 + 1)) / 2, p: Math.min(1, tail / total) };
}
