/**
 * ln Γ(x), ln n! and ln C(n, k) for exact tests on counts.
 *
 * Exact tests multiply and divide huge factorials; in log space they become sums whose absolute
 * error (not relative) sets the relative error of every probability built from them. So the goal
 * here is absolute accuracy of a few ulps of the result, for arguments into the millions.
 */

const HALF_LOG_2PI = 0.9189385332046727; // ½·ln(2π)

/** Below this argument ln Γ is reached by shifting up with Γ(x+1) = x·Γ(x); above, Stirling is exact to < 1e-17. */
const STIRLING_MIN = 10;

/** Largest n whose ln n! is kept in the table (8 MiB); beyond it Stirling's series is used directly. */
const TABLE_MAX = 1 << 20;

/**
 * Stirling's series for ln Γ(x), x ≥ 10: (x − ½)ln x − x + ½ln 2π + Σ B₂ₖ / (2k(2k−1) x^(2k−1)).
 * Eight Bernoulli terms leave a truncation error below 1e-17 at x = 10.
 */
function stirlingLogGamma(x: number): number {
  const z = 1 / x;
  const z2 = z * z;
  const series =
    z * (1 / 12 + z2 * (-1 / 360 + z2 * (1 / 1260 + z2 * (-1 / 1680 + z2 * (1 / 1188 + z2 * (-691 / 360360 + z2 * (1 / 156 + z2 * (-3617 / 122400))))))));
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + series;
}

/**
 * ln Γ(x) for real x > 0.
 * @throws RangeError when x is not a positive number (Γ has poles at 0, −1, …; callers here never need x ≤ 0).
 */
export function logGamma(x: number): number {
  if (!(x > 0)) {
    throw new RangeError(`logGamma: x must be a positive number, got ${x}. Pass counts + 1 (ln n! = logGamma(n + 1)).`);
  }
  if (x === Infinity) return Infinity;
  if (Number.isInteger(x) && x - 1 < TABLE_MAX) return logFactorial(x - 1);
  if (x >= STIRLING_MIN) return stirlingLogGamma(x);
  // Shift into Stirling's range: ln Γ(x) = ln Γ(x + k) − ln(x(x+1)…(x+k−1)).
  let product = 1;
  let shifted = x;
  while (shifted < STIRLING_MIN) {
    product *= shifted;
    shifted += 1;
  }
  return stirlingLogGamma(shifted) - Math.log(product);
}

// Table of ln n!, grown on demand. Built as a running sum of Math.log(i) carried in double-double
// (hi + lo) so that rounding does not pile up over a million additions.
let table = new Float64Array(0);
let runningHi = 0;
let runningLo = 0;

function growTable(minLength: number): void {
  const length = Math.min(TABLE_MAX + 1, Math.max(minLength, 2 * table.length, 1024));
  const next = new Float64Array(length);
  next.set(table);
  let hi = runningHi;
  let lo = runningLo;
  for (let i = table.length; i < length; i++) {
    if (i >= 2) {
      const v = Math.log(i);
      const s = hi + v;
      const bv = s - hi;
      lo += hi - (s - bv) + (v - bv); // exact rounding error of hi + v (Knuth's two-sum)
      hi = s;
    }
    next[i] = hi + lo;
  }
  table = next;
  runningHi = hi;
  runningLo = lo;
}

/**
 * ln n! for a non-negative integer n. Table lookup up to 2^20, Stirling's series above.
 * @throws RangeError when n is not a non-negative integer.
 */
export function logFactorial(n: number): number {
  if (n < table.length) {
    const v = table[n];
    if (v !== undefined) return v; // only integer indices in range hit the table
  }
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`logFactorial: n must be a non-negative integer, got ${n}. Use logGamma(x + 1) for non-integers.`);
  }
  if (n <= TABLE_MAX) {
    growTable(n + 1);
    return table[n]!;
  }
  return stirlingLogGamma(n + 1);
}

/**
 * ln C(n, k) for integers 0 ≤ k ≤ n; −Infinity when k is outside 0..n (the coefficient is 0).
 * @throws RangeError when n or k is not an integer or n is negative.
 */
export function logChoose(n: number, k: number): number {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(k)) {
    throw new RangeError(`logChoose: n must be a non-negative integer and k an integer, got n=${n}, k=${k}.`);
  }
  if (k < 0 || k > n) return -Infinity;
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}
