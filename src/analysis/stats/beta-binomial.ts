/**
 * The beta-binomial distribution: X ~ Binomial(n, θ) with θ ~ Beta(a, b). It is the predictive
 * distribution of how many of n new runs exceed a percentile that was itself estimated from a finite
 * history: the share of the population above the history's j-th smallest of h values is
 * Beta(h − j + 1, j), not exactly 1 − j/h, so a test that treats the historical percentile as exact
 * rejects far too often on short histories (with 20 runs, P(p ≤ 0.05) is 26 % instead of 5 %).
 *
 *   P(X = x) = C(n, x) · B(x + a, n − x + b) / B(a, b)
 */
import { logChoose, logGamma } from './log-gamma.ts';

function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

function check(name: string, n: number, a: number, b: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name}: n must be a whole number ≥ 0, got ${n}.`);
  if (!(a > 0) || !(b > 0)) throw new RangeError(`${name}: a and b must be positive, got ${a} and ${b}.`);
}

/** P(X = x) for X ~ BetaBinomial(n, a, b). */
export function betaBinomialPmf(x: number, n: number, a: number, b: number): number {
  check('betaBinomialPmf', n, a, b);
  if (!Number.isInteger(x) || x < 0 || x > n) return 0;
  return Math.exp(logChoose(n, x) + logBeta(x + a, n - x + b) - logBeta(a, b));
}

/** P(X > k) for X ~ BetaBinomial(n, a, b), summed over the upper tail so small tails keep their accuracy. */
export function betaBinomialSf(k: number, n: number, a: number, b: number): number {
  check('betaBinomialSf', n, a, b);
  const from = Math.floor(k) + 1;
  if (from <= 0) return 1;
  if (from > n) return 0;
  let sum = 0;
  for (let x = n; x >= from; x--) sum += betaBinomialPmf(x, n, a, b);
  return Math.min(1, sum);
}

/** One component of a mixture of beta-binomials: weight w (the weights sum to 1). */
export interface BetaBinomialComponent {
  a: number;
  b: number;
  w: number;
}

/**
 * The upper tails P(X ≥ x) for x = n, n − 1, …, from (ascending values: the support of a one-sided test that rejects on many failures, as the
 * discrete Benjamini–Hochberg procedure needs it) of X ~ Σ w·BetaBinomial(n, a, b).
 * Each component's terms come from the one before by the ratio of successive probabilities, in logs, so a tail of a
 * mixture of dozens costs about what one term by log-gamma does per component.
 */
export function betaBinomialMixtureUpperSupport(n: number, components: readonly BetaBinomialComponent[], from: number): Float64Array {
  const lo = Math.max(0, Math.ceil(from));
  const out = new Float64Array(Math.max(0, n - lo + 1));
  for (const { a, b, w } of components) {
    check('betaBinomialMixtureUpperSupport', n, a, b);
    // log P(X = n) = log B(n + a, b) − log B(a, b); then log P(X = x − 1) − log P(X = x) = log(x(n − x + b)) − log((n − x + 1)(x − 1 + a)).
    let log = logBeta(n + a, b) - logBeta(a, b);
    let sum = 0;
    for (let x = n, i = 0; x >= lo; x--, i++) {
      sum += Math.exp(log);
      out[i]! += w * sum;
      if (x > 0) log += Math.log((x * (n - x + b)) / ((n - x + 1) * (x - 1 + a)));
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, out[i]!);
  return out;
}

/** P(X ≤ k) for X ~ BetaBinomial(n, a, b), summed over the lower tail. */
export function betaBinomialCdf(k: number, n: number, a: number, b: number): number {
  check('betaBinomialCdf', n, a, b);
  const to = Math.floor(k);
  if (to < 0) return 0;
  if (to >= n) return 1;
  let sum = 0;
  for (let x = 0; x <= to; x++) sum += betaBinomialPmf(x, n, a, b);
  return Math.min(1, sum);
}

/**
 * The predictive distribution's parameters for runs above the historical P_k of `h` runs: the type-7
 * percentile sits at order statistic j = 1 + (k/100)(h − 1) (interpolated; rounded down, which makes
 * the threshold no higher and the test conservative), and the share above it is Beta(h − j + 1, j).
 */
export function exceedancePrior(k: number, h: number): { a: number; b: number } {
  const j = Math.max(1, Math.min(h, Math.floor(1 + (k / 100) * (h - 1))));
  return { a: h - j + 1, b: j };
}
