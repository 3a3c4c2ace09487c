/**
 * Wilson score interval for a binomial proportion (E. B. Wilson, JASA 1927).
 *
 * Unlike the textbook p̂ ± z·√(p̂(1−p̂)/n), it stays inside [0, 1], is not empty at 0 or n
 * successes and has close to nominal coverage for the small run counts CI produces:
 *   centre = (p̂ + z²/2n) / (1 + z²/n)
 *   half   = z·√(p̂(1−p̂)/n + z²/4n²) / (1 + z²/n)
 */

import { normalQuantile } from './normal.ts';

/** Two-sided critical value z for a confidence level, cached for the common 0.95. */
const Z_95 = normalQuantile(0.975);

/**
 * Wilson score interval [lo, hi] for `successes` out of `trials` at the given two-sided confidence.
 * No trials → [0, 1] (nothing is known).
 * @throws RangeError on negative or non-integer counts, successes > trials, or confidence outside (0, 1).
 */
export function wilsonInterval(successes: number, trials: number, confidence = 0.95): [number, number] {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0 || trials < 0) {
    throw new RangeError(`wilsonInterval: successes and trials must be non-negative integer counts, got ${successes}/${trials}.`);
  }
  if (successes > trials) {
    throw new RangeError(`wilsonInterval: successes (${successes}) cannot exceed trials (${trials}).`);
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`wilsonInterval: confidence must be in (0, 1), e.g. 0.95; got ${confidence}.`);
  }
  if (trials === 0) return [0, 1];
  const z = confidence === 0.95 ? Z_95 : normalQuantile(1 - (1 - confidence) / 2);
  const z2 = z * z;
  const n = trials;
  const p = successes / n;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  // At 0 or n successes the bound is mathematically exactly 0 or 1; do not let rounding move it.
  const lo = successes === 0 ? 0 : Math.max(0, centre - half);
  const hi = successes === trials ? 1 : Math.min(1, centre + half);
  return [lo, hi];
}
