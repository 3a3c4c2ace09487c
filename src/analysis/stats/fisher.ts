/**
 * Fisher's exact test on a 2×2 table [[a, b], [c, d]].
 *
 * With all margins fixed, the top-left cell X is hypergeometric: drawing a + c items from
 * a population of N = a + b + c + d of which a + b are "row 1". Then
 *   greater  = P(X ≥ a)   (row 1 has larger odds of column 1 than row 2, odds ratio > 1)
 *   less     = P(X ≤ a)
 *   twoSided = Σ P(X = x) over all x with P(X = x) ≤ P(X = a)·(1 + 1e-7)
 * the same conventions as scipy.stats.fisher_exact and R's fisher.test.
 *
 * Speed: one ln-factorial evaluation for P(X = a) (table lookups), then the tail is summed with the
 * ratio P(X = x + 1)/P(X = x), always from the far side of the mode outward so that terms shrink
 * and no cancellation occurs; the tail holding the mode comes from the complement, which is then
 * at least about ½ and so loses nothing.
 */

import { logFactorial } from './log-gamma.ts';

export interface FisherResult {
  /** P(X ≥ a): evidence that row 1 has higher odds of column 1 (e.g. more failures) than row 2. */
  greater: number;
  /** P(X ≤ a): evidence that row 1 has lower odds of column 1 than row 2. */
  less: number;
  /** Two-sided p-value: total probability of tables no more likely than the observed one. */
  twoSided: number;
  /** Sample odds ratio a·d / (b·c): Infinity when b·c = 0, NaN when a row or column is empty. */
  oddsRatio: number;
}

/**
 * Relative tolerance when comparing table probabilities for the two-sided p-value. R uses 1e-7;
 * SciPy uses 1e-14. We take R's: probabilities that are mathematically equal (symmetric tables)
 * can differ by ~1e-11 relative after log-factorial arithmetic on large tables, and a 1e-14
 * tolerance would then drop one of them.
 */
const TWO_SIDED_RELATIVE_TOLERANCE = 1e-7;
const LOG_TIE = Math.log1p(TWO_SIDED_RELATIVE_TOLERANCE);

/** Stop summing once a term is this small relative to the running sum: beyond the mode terms fall at least geometrically. */
const NEGLIGIBLE = 1e-18;

function checkCounts(a: number, b: number, c: number, d: number): void {
  if (!(Number.isInteger(a) && a >= 0) || !(Number.isInteger(b) && b >= 0) || !(Number.isInteger(c) && c >= 0) || !(Number.isInteger(d) && d >= 0)) {
    throw new RangeError(
      `fisherExact: cells must be non-negative integer counts, got [[${a}, ${b}], [${c}, ${d}]]. ` +
        'Pass run counts (e.g. [[sampleFailures, samplePasses], [basisFailures, basisPasses]]), not rates.',
    );
  }
}

/**
 * One table's hypergeometric parameters. Row 1 total r1, row 2 total r2, column 1 total c1;
 * X = top-left cell ranges over lo..hi.
 */
interface Margins {
  r1: number;
  r2: number;
  c1: number;
  lo: number;
  hi: number;
  mode: number;
  logDenominator: number; // ln C(N, c1)
}

function margins(a: number, b: number, c: number, d: number): Margins {
  const r1 = a + b;
  const r2 = c + d;
  const c1 = a + c;
  const n = r1 + r2;
  return {
    r1,
    r2,
    c1,
    lo: Math.max(0, c1 - r2),
    hi: Math.min(r1, c1),
    mode: Math.floor(((c1 + 1) * (r1 + 1)) / (n + 2)),
    logDenominator: logFactorial(n) - logFactorial(c1) - logFactorial(n - c1),
  };
}

/** ln P(X = x). */
function logPmf(m: Margins, x: number): number {
  return (
    logFactorial(m.r1) -
    logFactorial(x) -
    logFactorial(m.r1 - x) +
    logFactorial(m.r2) -
    logFactorial(m.c1 - x) -
    logFactorial(m.r2 - m.c1 + x) -
    m.logDenominator
  );
}

/** Σ_{x=from..hi} P(X = x) / P(X = from), for from ≥ mode (terms decrease). */
function upperSumRelative(m: Margins, from: number): number {
  const { r1, r2, c1, hi } = m;
  let term = 1;
  let sum = 1;
  for (let x = from; x < hi; x++) {
    term *= ((r1 - x) * (c1 - x)) / ((x + 1) * (r2 - c1 + x + 1));
    sum += term;
    if (term < sum * NEGLIGIBLE) break;
  }
  return sum;
}

/** Σ_{x=lo..from} P(X = x) / P(X = from), for from ≤ mode (terms decrease going down). */
function lowerSumRelative(m: Margins, from: number): number {
  const { r1, r2, c1, lo } = m;
  let term = 1;
  let sum = 1;
  for (let x = from; x > lo; x--) {
    term *= (x * (r2 - c1 + x)) / ((r1 - x + 1) * (c1 - x + 1));
    sum += term;
    if (term < sum * NEGLIGIBLE) break;
  }
  return sum;
}

function clamp01(p: number): number {
  return Math.min(1, Math.max(0, p));
}

/** An empty row or column leaves only one possible table: every p-value is 1 (as SciPy returns). */
function degenerate(a: number, b: number, c: number, d: number): boolean {
  return a + b === 0 || c + d === 0 || a + c === 0 || b + d === 0;
}

/**
 * One-sided p-value P(X ≥ a), the right tail. This is the test sippy's Component Readiness runs on
 * [[sampleFailures, samplePasses], [basisFailures, basisPasses]].
 */
export function fisherGreater(a: number, b: number, c: number, d: number): number {
  checkCounts(a, b, c, d);
  if (degenerate(a, b, c, d)) return 1;
  const m = margins(a, b, c, d);
  if (a === m.lo) return 1;
  if (a >= m.mode) return clamp01(Math.exp(logPmf(m, a)) * upperSumRelative(m, a));
  // The tail holds the mode: take the complement of P(X ≤ a − 1).
  const below = a - 1;
  return clamp01(1 - Math.exp(logPmf(m, below)) * lowerSumRelative(m, below));
}

/** One-sided p-value P(X ≤ a), the left tail. */
export function fisherLess(a: number, b: number, c: number, d: number): number {
  checkCounts(a, b, c, d);
  if (degenerate(a, b, c, d)) return 1;
  const m = margins(a, b, c, d);
  if (a === m.hi) return 1;
  if (a <= m.mode) return clamp01(Math.exp(logPmf(m, a)) * lowerSumRelative(m, a));
  const above = a + 1;
  return clamp01(1 - Math.exp(logPmf(m, above)) * upperSumRelative(m, above));
}

/**
 * Smallest x in (mode, hi] with ln P(X = x) ≤ logThreshold, or hi + 1 when there is none.
 * P is decreasing there, so binary search costs O(log(hi − mode)) pmf evaluations.
 */
function firstUpperAtOrBelow(m: Margins, logThreshold: number): number {
  if (logPmf(m, m.hi) > logThreshold) return m.hi + 1;
  let above = m.mode; // P(above) > threshold
  let atOrBelow = m.hi; // P(atOrBelow) ≤ threshold
  while (atOrBelow - above > 1) {
    const mid = (above + atOrBelow) >>> 1;
    if (logPmf(m, mid) <= logThreshold) atOrBelow = mid;
    else above = mid;
  }
  return atOrBelow;
}

/** Largest x in [lo, mode) with ln P(X = x) ≤ logThreshold, or lo − 1 when there is none. */
function lastLowerAtOrBelow(m: Margins, logThreshold: number): number {
  if (logPmf(m, m.lo) > logThreshold) return m.lo - 1;
  let atOrBelow = m.lo;
  let above = m.mode;
  while (above - atOrBelow > 1) {
    const mid = (above + atOrBelow) >>> 1;
    if (logPmf(m, mid) <= logThreshold) atOrBelow = mid;
    else above = mid;
  }
  return atOrBelow;
}

/**
 * Fisher's exact test on [[a, b], [c, d]]: both one-sided p-values, the two-sided p-value and the
 * sample odds ratio. Reproduces scipy.stats.fisher_exact to ~1e-11 relative.
 * @throws RangeError when a cell is not a non-negative integer.
 */
export function fisherExact(a: number, b: number, c: number, d: number): FisherResult {
  checkCounts(a, b, c, d);
  if (degenerate(a, b, c, d)) return { greater: 1, less: 1, twoSided: 1, oddsRatio: NaN };
  const oddsRatio = (a * d) / (b * c); // b·c = 0 here implies a·d > 0, so this is +Infinity, as in SciPy
  const m = margins(a, b, c, d);
  const logObserved = logPmf(m, a);
  const observed = Math.exp(logObserved);

  let greater: number;
  let less: number;
  if (a >= m.mode) {
    greater = observed * upperSumRelative(m, a);
    less = a === m.hi ? 1 : 1 - greater + observed;
  } else {
    less = observed * lowerSumRelative(m, a);
    greater = a === m.lo ? 1 : 1 - less + observed;
  }

  let twoSided: number;
  const logThreshold = logObserved + LOG_TIE;
  if (logPmf(m, m.mode) <= logThreshold) {
    twoSided = 1; // the observed table is (tied with) the most likely one
  } else if (a < m.mode) {
    const y = firstUpperAtOrBelow(m, logThreshold);
    const upper = y > m.hi ? 0 : Math.exp(logPmf(m, y)) * upperSumRelative(m, y);
    twoSided = less + upper;
  } else {
    const y = lastLowerAtOrBelow(m, logThreshold);
    const lower = y < m.lo ? 0 : Math.exp(logPmf(m, y)) * lowerSumRelative(m, y);
    twoSided = greater + lower;
  }

  return { greater: clamp01(greater), less: clamp01(less), twoSided: clamp01(twoSided), oddsRatio };
}

/** Below e^-700 a probability is 0 to a double's exponent range (≈ 1e-304), near enough. */
const LOG_TINY = -700;

/**
 * Every p-value the right-tailed test can give with these margins, smallest first: P(X ≥ a) for
 * a = hi, hi − 1, …, down to `from` (entry k is a = hi − k), for a table with row totals r1
 * (the sample), r2 and first-column total c1. This is the support of the p-value's null
 * distribution, which the discrete Benjamini–Hochberg procedure needs (discrete-bh.ts).
 * Summed once from the far tail with the ratio of neighbouring terms, so it costs O(hi − from);
 * terms too small for a double are 0, as fisherGreater makes them. Matches fisherGreater to
 * about 1e-12 relative; where both matter, callers use these values for the procedure and
 * fisherGreater's for display.
 */
export function fisherGreaterSupport(r1: number, r2: number, c1: number, from: number): Float64Array {
  const n = r1 + r2;
  const hi = Math.min(r1, c1);
  const lo = Math.max(0, c1 - r2);
  const start = Math.max(from, lo);
  if (hi < start) return new Float64Array(0);
  const out = new Float64Array(hi - start + 1);
  if (r1 === 0 || r2 === 0 || c1 === 0 || c1 === n) {
    out.fill(1);
    return out;
  }
  const m: Margins = {
    r1,
    r2,
    c1,
    lo,
    hi,
    mode: Math.floor(((c1 + 1) * (r1 + 1)) / (n + 2)),
    logDenominator: logFactorial(n) - logFactorial(c1) - logFactorial(n - c1),
  };
  // The far tail can be smaller than a double holds: begin where the terms become representable.
  let first = hi;
  if (logPmf(m, hi) < LOG_TINY) {
    let below = Math.max(start, Math.min(m.mode, hi)); // ln P(below) ≥ LOG_TINY, unless the whole range is tiny
    if (logPmf(m, below) < LOG_TINY) return out; // all zeros
    let tiny = hi;
    while (tiny - below > 1) {
      const mid = (tiny + below) >>> 1;
      if (logPmf(m, mid) < LOG_TINY) tiny = mid;
      else below = mid;
    }
    first = below;
  }
  let term = Math.exp(logPmf(m, first));
  let sum = 0;
  for (let x = first; x >= start; x--) {
    sum += term;
    out[hi - x] = clamp01(sum);
    term *= (x * (r2 - c1 + x)) / ((r1 - x + 1) * (c1 - x + 1)); // P(x − 1) / P(x)
  }
  return out;
}
