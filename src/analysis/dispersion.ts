/**
 * Clustered failures. CI does not fail like independent coin flips: a bad day, a broken payload or an
 * outage makes many runs of a cell fail together, so a window's failures vary more than the binomial
 * distribution allows, and an exact test that assumes independence finds "regressions" in noise.
 *
 * Model: a cell's failure probability in cluster c (a UTC day, or a payload) is p·G_c, where the G_c
 * have mean 1 and coefficient of variation cv. Then a cluster of m runs has
 *
 *   Var(failures) = m·p(1 − p) · [1 + (m − 1)·ρ],   ρ = cv²·p / (1 − p)
 *
 * and a window whose runs fall in clusters of sizes m_c has the design effect
 *
 *   D = 1 + (m̄ − 1)·ρ,   m̄ = Σ m_c² / Σ m_c       (Kish; Rao & Scott 1992)
 *
 * cv² is estimated once per report, pooled over every cell's basis window by the method of moments
 * (estimateRelativeVariance): one cell's clusters say little, thousands of cells say it well, and a
 * real regression, being in the sample and rare, hardly moves it. Each count is then divided by its
 * window's D before the exact test (Rao–Scott): the test keeps its size on clustered data, at the cost
 * of a little power where failures really are independent (D ≈ 1 there).
 */
import type { BetaBinomialComponent } from './stats/beta-binomial.ts';
import { logGamma } from './stats/log-gamma.ts';

/** Pooled method-of-moments estimate of cv² across cells; add every cell, then read `estimate`. */
export class RelativeVarianceEstimator {
  #excess = 0;
  #scale = 0;
  #cells = 0;

  /**
   * One cell's clusters: `runs[c]` runs of which `failures[c]` failed, for c < k. Cells that never
   * or always failed, or have a single cluster, carry no information and are skipped.
   */
  add(runs: ArrayLike<number>, failures: ArrayLike<number>, k: number): void {
    let n = 0;
    let f = 0;
    let s2 = 0;
    let clusters = 0;
    for (let c = 0; c < k; c++) {
      const m = runs[c]!;
      if (m === 0) continue;
      n += m;
      f += failures[c]!;
      s2 += m * m;
      clusters++;
    }
    if (clusters < 2 || f === 0 || f === n || n < 2) return;
    const p = f / n;
    let x = 0;
    let pairs = 0;
    for (let c = 0; c < k; c++) {
      const m = runs[c]!;
      if (m === 0) continue;
      const d = failures[c]! - m * p;
      x += d * d;
      pairs += m * (m - 1) * (1 - (2 * m) / n);
    }
    // E[x] without clustering is p(1−p)(n − s2/n), up to the n/(n−1) of estimating p; the excess over it
    // is cv²·p²·[Σ m(m−1)(1 − 2m/n) + (s2/n²)(s2 − n)]. p² is estimated by f(f−1)/(n(n−1)), unbiased:
    // the plug-in (f/n)² exceeds p² by Var(f/n) ≈ p/n, which halves cv² on cells with a few failures.
    this.#excess += x - (p * (1 - p) * (n - s2 / n) * n) / (n - 1);
    this.#scale += ((f * (f - 1)) / (n * (n - 1))) * (pairs + (s2 / (n * n)) * (s2 - n));
    this.#cells++;
  }

  /** cv² (0 when the cells show no more variation than independent runs would), and the cells it rests on. */
  estimate(): { cv2: number; cells: number } {
    return { cv2: this.#scale > 0 ? Math.max(0, this.#excess / this.#scale) : 0, cells: this.#cells };
  }
}

/** The intra-cluster correlation of a cell failing at rate p, under relative variance cv² (at most 1). */
export function intraClusterCorrelation(p: number, cv2: number): number {
  if (!(cv2 > 0) || !(p > 0)) return 0;
  if (p >= 1) return 1;
  return Math.min(1, (cv2 * p) / (1 - p));
}

/** Kish's design effect of a window whose runs fall in clusters of mean size m̄ = Σm²/Σm. */
export function designEffect(meanClusterSize: number, rho: number): number {
  if (!(meanClusterSize > 1) || !(rho > 0)) return 1;
  return 1 + (meanClusterSize - 1) * rho;
}

/** Counts divided by the design effect and rounded (Rao–Scott), so the exact test sees the information the runs carry. */
export function effectiveCounts(runs: number, failures: number, design: number): { runs: number; failures: number } {
  if (!(design > 1)) return { runs, failures };
  const n = Math.max(1, Math.round(runs / design));
  return { runs: n, failures: Math.min(n, Math.round(failures / design)) };
}

/**
 * The distribution of a window's failure rate when its runs cluster, for the predictive test: the
 * basis rate θ is uncertain (Jeffreys posterior Beta(f + ½, n − f + ½) on the basis's design-adjusted
 * counts), and the window's runs share cluster effects whose mean Ḡ has relative variance `windowCv2`
 * (cv²·m̄/n: cv² of one cluster, m̄ = Σm²/Σm over the window's n runs). The window's rate θ·Ḡ has mean
 * E[θ] and variance Var(θ) + E[θ²]·windowCv2; the Beta with those two moments stands for it. Its tail
 * is what the design effect misses: k failures of one cluster are E[Ḡᵏ] times likelier than
 * independent runs make them (6× for three with cv² = 1), not D times. With `elevation` above 1 (runs on days
 * their job fails more than usual, not yet judged: bad-days.ts) the rate is that many times higher.
 */
export function predictiveRate(basisFailures: number, basisRuns: number, windowCv2: number, elevation = 1): { a: number; b: number } {
  const a0 = basisFailures + 0.5;
  const b0 = basisRuns - basisFailures + 0.5;
  const mean = a0 / (a0 + b0);
  const varPosterior = (mean * (1 - mean)) / (a0 + b0 + 1);
  const variance = varPosterior + (varPosterior + mean * mean) * Math.max(0, windowCv2);
  if (!(elevation > 1)) return betaByMoments(mean, variance);
  // Runs on an elevated day fail `elevation` times as often on average: the rate, and its spread, scale with it.
  const m = Math.min(elevation, 0.999 / mean);
  return betaByMoments(mean * m, variance * m * m);
}

/** Below this relative variance of a window's rate, predictiveRate's one Beta is the predictive distribution. */
const MIXTURE_MIN_CV2 = 1e-3;
/**
 * From this many basis failures (plus ½) the posterior of θ is nearly normal, the one Beta is within about 1 % of
 * the mixture, and 24 points on log θ would be too coarse for so narrow a posterior: the one Beta it is.
 */
const MIXTURE_MAX_A0 = 50;
/** Grid points for the basis rate: within a few percent of 256 on the tails a report's family reaches. */
const MIXTURE_NODES = 24;

/**
 * The predictive distribution of a window's failures as a mixture of beta-binomials, for the predictive test where
 * the window's cluster effect is narrow (predictiveGrid takes the wide ones): the basis rate θ on a grid of log θ
 * under its posterior (as predictiveRate: Jeffreys on the design-adjusted counts), and for each θ the window's rate
 * θ·Ḡ as clusteredRate gives it. One Beta of θ·Ḡ's two moments (predictiveRate) thins the tail where θ's posterior is
 * skewed (a basis with few failures). Windows whose relative variance is below 10⁻³ (independent runs), and bases
 * with 50 failures or more (a near-normal posterior), get predictiveRate's Beta alone. Known limit: 24 points are
 * coarse when the window holds several times the runs of the design-adjusted basis and its variance is small (up to
 * 3× off at p ≈ 10⁻⁴ in a probe with 12 basis runs against 1,000); predictiveGrid shares the 24 points.
 */
export function predictiveMixture(basisFailures: number, basisRuns: number, windowCv2: number, elevation = 1): BetaBinomialComponent[] {
  const a0 = basisFailures + 0.5;
  if (!(windowCv2 >= MIXTURE_MIN_CV2) || a0 >= MIXTURE_MAX_A0) return [{ ...predictiveRate(basisFailures, basisRuns, windowCv2, elevation), w: 1 }];
  const { theta, weights } = basisRateGrid(basisFailures, basisRuns);
  return theta.map((t, j) => ({ ...clusteredRate(t * Math.min(Math.max(1, elevation), 0.999 / t), windowCv2), w: weights[j]! }));
}

/**
 * The basis rate θ on MIXTURE_NODES points of log θ under its posterior (Jeffreys on the design-adjusted counts),
 * with weights summing to 1: from far below the mean (where a window's tail is nil) to far above it (where the
 * posterior is).
 */
function basisRateGrid(basisFailures: number, basisRuns: number): { theta: number[]; weights: number[] } {
  const a0 = basisFailures + 0.5;
  const b0 = basisRuns - basisFailures + 0.5;
  const mean = a0 / (a0 + b0);
  const hi = Math.min(0.999, (a0 + 12 + 7 * Math.sqrt(a0 + 12)) / (a0 + b0));
  const lo = Math.min(hi / 2, a0 >= 1 ? mean * Math.exp(-7 / Math.sqrt(a0 + 0.5)) : mean * 1e-4);
  const theta: number[] = [];
  const logWeights: number[] = [];
  for (let j = 0; j < MIXTURE_NODES; j++) {
    const t = Math.exp(Math.log(lo) + ((j + 0.5) / MIXTURE_NODES) * (Math.log(hi) - Math.log(lo)));
    theta.push(t);
    // The posterior density per unit of log θ, up to a constant (taken out below, before exp, so nothing underflows).
    logWeights.push(a0 * Math.log(t) + (b0 - 1) * Math.log1p(-t));
  }
  const top = Math.max(...logWeights);
  const weights = logWeights.map((l) => Math.exp(l - top));
  const total = weights.reduce((sum, w) => sum + w, 0);
  return { theta, weights: weights.map((w) => w / total) };
}

/** From this relative variance of a window's cluster effect on, predictiveGrid gives the window's rate (see there). */
const GAMMA_MIN_CV2 = 0.02;

/** A window's failure rate as a distribution on a grid: rates[k] with probability weights[k] (summing to 1). */
export interface RateGrid {
  rates: Float64Array;
  weights: Float64Array;
}

/**
 * The predictive distribution of a window's failure rate as the model has it: the basis rate θ (on basisRateGrid)
 * times the mean cluster effect Ḡ of the window's runs, a gamma of mean 1 and relative variance `windowCv2`
 * (exactly so for clusters of equal size with gamma effects), capped at 1 (a cluster where every run fails), times
 * `elevation` for runs on elevated days. For a window of n runs.
 *
 * Why not a Beta of θ·Ḡ (clusteredRate): it matches two moments, but its upper tail falls as (1 − p)^b, where the
 * rate θ·Ḡ falls as e^(−p/(θ·cv²)): for a test failing 10 % of runs on a day of cv² = 1, the Beta makes a day at 70 %
 * failing 20 times rarer than the gamma does, and the report's family works in exactly that tail: every false alarm
 * traced under per-cell day effects of CV 1.0 was a flaky test's bad day. Undefined below GAMMA_MIN_CV2, where the
 * gamma is narrow, the step would have to shrink with it, and predictiveMixture's Betas serve (they still fall short
 * in the deepest tails of flaky cells there: docs/statistics.md).
 *
 * How: the density of u = ln(rate) is the θ grid's weights convolved with the density of ln Ḡ,
 * s^s/Γ(s)·exp(s·u − s·eᵘ) with s = 1/windowCv2, taken at the midpoints of cells of width h (small enough for the
 * binomial's tails: h ≤ 0.25/√(n + s)). The grid starts at a rate of 10⁻³/n, below which no tail of a failure or more
 * gets much, and the mass below it is put on its lowest point (too much in the upper tail, never too little); it ends
 * where Ḡ's density is nil, and every point at a rate of 1 or more is one point at 1. It depends on n, not on the
 * failures asked about, so a window's p-value and its support come from one distribution.
 */
export function predictiveGrid(basisFailures: number, basisRuns: number, windowCv2: number, elevation: number, n: number): RateGrid | undefined {
  if (!(windowCv2 >= GAMMA_MIN_CV2 && Number.isFinite(windowCv2))) return undefined;
  const s = 1 / windowCv2;
  const { theta, weights: thetaWeights } = basisRateGrid(basisFailures, basisRuns);
  const lift = Number.isNaN(elevation) ? 1 : Math.max(1, elevation);
  const shift = theta.map((t) => Math.log(t * lift));
  const inverse = theta.map((t) => 1 / (t * lift));
  const c = s * Math.log(s) - logGamma(s);
  const runs = Math.max(1, n);
  const h = Math.min(0.1, 0.25 / Math.sqrt(runs + s));
  // Cells of ln(rate), anchored at 0 (a rate of 1): of width h from `start` up, finer within 20/n of 0, where a tail
  // of nearly every run failing moves as rateⁿ = e^(n·u); above 0, cells whose mass is the atom at 1.
  const start = Math.log(1e-3 / runs);
  const end = shift[shift.length - 1]! + Math.log(1 + 10 / Math.sqrt(s) + 40 / s);
  const near = Math.min(20 / runs, -start);
  const fine = Math.min(h, 0.5 / runs);
  const density = (u: number): number => {
    const eu = Math.exp(u);
    let d = 0;
    for (let j = 0; j < theta.length; j++) {
      // s·g − s·e^g at g = u − ln(θ_j·lift): −s at the gamma's peak; past 60 below it, nothing.
      const x = s * (u - shift[j]!) - s * eu * inverse[j]!;
      if (x > -s - 60) d += thetaWeights[j]! * Math.exp(c + x);
    }
    return d;
  };
  const rates: number[] = [];
  const weights: number[] = [];
  let total = 0;
  const cell = (u: number, width: number): void => {
    if (u > end) return;
    const w = density(u) * width;
    total += w;
    rates.push(Math.exp(u));
    weights.push(w);
  };
  // From the top down, so that the last point is the lowest.
  let atOne = 0;
  for (let k = 0; (k + 0.5) * h <= end; k++) {
    const w = density((k + 0.5) * h) * h;
    atOne += w;
    total += w;
  }
  for (let k = 0; (k + 1) * fine <= near + 1e-12; k++) cell(-(k + 0.5) * fine, fine);
  const below = -Math.floor(near / fine + 1e-9) * fine;
  for (let k = 0; below - (k + 1) * h >= start - h; k++) cell(below - (k + 0.5) * h, h);
  if (rates.length === 0) {
    rates.push(Math.exp(Math.min(end, start)));
    weights.push(0);
  }
  if (atOne > 0) {
    rates.push(1);
    weights.push(atOne);
  }
  // The mass below the grid, on its lowest point; then weights that sum to 1 exactly.
  const lowest = rates.length - (atOne > 0 ? 2 : 1);
  if (total < 1) weights[lowest]! += 1 - total;
  const sum = weights.reduce((a, w) => a + w, 0);
  return { rates: Float64Array.from(rates), weights: Float64Array.from(weights, (w) => w / sum) };
}

/**
 * The failure rate of a window of clustered runs when its cell fails at `rate`: the rate times the mean effect of
 * the window's clusters, of relative variance `windowCv2` (cv²·m̄/n), as a Beta of the same two moments. The
 * recovery rules judge an open regression's recent runs against it ("still failing at its regressed rate?").
 */
export function clusteredRate(rate: number, windowCv2: number): { a: number; b: number } {
  return betaByMoments(rate, rate * rate * Math.max(0, windowCv2));
}

/** Beta(a, b) with this mean (in (0, 1)) and variance; the variance of a rate is below mean·(1 − mean), keep it so. */
function betaByMoments(mean: number, variance: number): { a: number; b: number } {
  const size = Math.max(1e-6, (mean * (1 - mean)) / Math.min(variance, mean * (1 - mean) * 0.999999) - 1);
  return { a: mean * size, b: (1 - mean) * size };
}
