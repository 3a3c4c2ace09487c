/**
 * Exact binomial distribution function, accurate in both tails.
 *
 * Terms are summed from the requested point away from the mode, so each sum consists of
 * decreasing positive terms (no cancellation, no truncation of tiny tails, unlike
 * simple-statistics' binomialDistribution); the side holding the mode is taken as a complement,
 * which is then at least about ½.
 */

import { logChoose } from './log-gamma.ts';

const NEGLIGIBLE = 1e-18;

function checkArguments(name: string, n: number, p: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`${name}: n must be a non-negative integer number of trials, got ${n}.`);
  }
  if (!(p >= 0 && p <= 1)) {
    throw new RangeError(`${name}: p must be a probability in [0, 1], got ${p}.`);
  }
}

/** ln P(X = k) for X ~ Binomial(n, p), 0 < p < 1. */
function logPmf(k: number, n: number, p: number): number {
  return logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p);
}

/** Σ_{x=0..k} P(X = x), for k below the mode. */
function lowerTail(k: number, n: number, p: number): number {
  const odds = (1 - p) / p;
  let term = 1;
  let sum = 1;
  for (let x = k; x > 0; x--) {
    term *= (x / (n - x + 1)) * odds; // P(x − 1) / P(x)
    sum += term;
    if (term < sum * NEGLIGIBLE) break;
  }
  return Math.exp(logPmf(k, n, p)) * sum;
}

/** Σ_{x=k..n} P(X = x), for k above the mode. */
function upperTail(k: number, n: number, p: number): number {
  const odds = p / (1 - p);
  let term = 1;
  let sum = 1;
  for (let x = k; x < n; x++) {
    term *= ((n - x) / (x + 1)) * odds; // P(x + 1) / P(x)
    sum += term;
    if (term < sum * NEGLIGIBLE) break;
  }
  return Math.exp(logPmf(k, n, p)) * sum;
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

/**
 * P(X ≤ k) for X ~ Binomial(n, p). Non-integer k is floored, as in SciPy.
 * @throws RangeError when n is not a non-negative integer or p is outside [0, 1].
 */
export function binomialCdf(k: number, n: number, p: number): number {
  checkArguments('binomialCdf', n, p);
  if (Number.isNaN(k)) throw new RangeError('binomialCdf: k must be a number, got NaN.');
  const x = Math.floor(k);
  if (x < 0) return 0;
  if (x >= n) return 1;
  if (p === 0) return 1;
  if (p === 1) return 0;
  const mode = Math.floor((n + 1) * p);
  return clamp01(x < mode ? lowerTail(x, n, p) : 1 - upperTail(x + 1, n, p));
}

/**
 * P(X > k) = 1 − P(X ≤ k) for X ~ Binomial(n, p), computed directly so small upper tails keep their
 * relative accuracy.
 * @throws RangeError when n is not a non-negative integer or p is outside [0, 1].
 */
export function binomialSf(k: number, n: number, p: number): number {
  checkArguments('binomialSf', n, p);
  if (Number.isNaN(k)) throw new RangeError('binomialSf: k must be a number, got NaN.');
  const x = Math.floor(k);
  if (x < 0) return 1;
  if (x >= n) return 0;
  if (p === 0) return 0;
  if (p === 1) return 1;
  const mode = Math.floor((n + 1) * p);
  return clamp01(x + 1 > mode ? upperTail(x + 1, n, p) : 1 - lowerTail(x, n, p));
}

/**
 * Every value P(X ≤ w) can take for w = 0 … upTo, X ~ Binomial(n, p), smallest first: the support
 * of the left-tailed exact test's p-value under its null, for the discrete Benjamini–Hochberg
 * procedure (discrete-bh.ts). Summed once from w = 0 upward (O(upTo)); terms too small for a
 * double are 0.
 */
export function binomialCdfSupport(n: number, p: number, upTo: number): Float64Array {
  checkArguments('binomialCdfSupport', n, p);
  const last = Math.min(n, Math.floor(upTo));
  if (last < 0) return new Float64Array(0);
  const out = new Float64Array(last + 1);
  if (p === 0 || p === 1) {
    out.fill(p === 0 ? 1 : 0);
    if (p === 1 && last === n) out[n] = 1;
    return out;
  }
  const odds = p / (1 - p);
  let sum = 0;
  let started = false;
  let term = 0;
  for (let w = 0; w <= last; w++) {
    if (!started) {
      const log = logPmf(w, n, p);
      if (log >= -700) {
        started = true;
        term = Math.exp(log);
      }
    }
    if (started) {
      sum += term;
      term *= ((n - w) / (w + 1)) * odds; // P(w + 1) / P(w)
    }
    out[w] = clamp01(sum);
  }
  return out;
}

/**
 * The upper tails P(X ≥ x) for x = n, n − 1, …, from (ascending values, as betaBinomialMixtureUpperSupport gives
 * them) of X ~ Σ_k weights[k]·Binomial(n, rates[k]): a binomial whose rate is itself random, on a grid
 * (dispersion.ts, predictiveGrid). Each rate's terms start at its mode (or the nearest end of the range, from log
 * factorials) and go outwards by the ratio of neighbours, so they shrink and nothing underflows that matters;
 * O(n − from) a rate.
 */
export function binomialMixtureUpperSupport(n: number, rates: ArrayLike<number>, weights: ArrayLike<number>, from: number): Float64Array {
  checkArguments('binomialMixtureUpperSupport', n, 0);
  const lo = Math.max(0, Math.ceil(from));
  const out = new Float64Array(Math.max(0, n - lo + 1));
  if (out.length === 0) return out;
  const pmf = new Float64Array(out.length);
  for (let k = 0; k < rates.length; k++) {
    const w = weights[k]!;
    const p = rates[k]!;
    if (!(w > 0)) continue;
    checkArguments('binomialMixtureUpperSupport', n, p);
    if (p >= 1) {
      // Every run fails: P(X ≥ x) = 1 for every x.
      for (let i = 0; i < out.length; i++) out[i]! += w;
      continue;
    }
    if (p <= 0) {
      if (lo === 0) out[n]! += w;
      continue;
    }
    const start = Math.min(n, Math.max(lo, Math.floor((n + 1) * p)));
    const odds = p / (1 - p);
    let term = Math.exp(logPmf(start, n, p));
    pmf[start - lo] = term;
    for (let x = start; x < n; x++) pmf[x + 1 - lo] = term *= ((n - x) / (x + 1)) * odds;
    term = pmf[start - lo]!;
    for (let x = start; x > lo; x--) pmf[x - 1 - lo] = term *= x / ((n - x + 1) * odds);
    let sum = 0;
    for (let x = n, i = 0; x >= lo; x--, i++) {
      sum += pmf[x - lo]!;
      out[i]! += w * sum;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, out[i]!);
  return out;
}
