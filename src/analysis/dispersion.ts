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
 * The predictive distribution of a window's failures as a mixture, for the predictive test: the basis rate θ on a
 * grid of log θ under its posterior (as predictiveRate: Jeffreys on the design-adjusted counts), and for each θ the
 * window's rate θ·Ḡ as clusteredRate gives it. One Beta of θ·Ḡ's two moments (predictiveRate) thins the tail where
 * θ's posterior is skewed (a basis with few failures) and Ḡ is wide: on one clustered day (cv² = 1) it rejected at
 * 3.6× its level at 10⁻⁴ over four seeds, the mixture at 1.65× (test/statistics-clustering.test.ts). Windows whose
 * relative variance is below 10⁻³ (independent runs), and bases with 50 failures or more (a near-normal posterior),
 * get predictiveRate's Beta alone. Known limit: 24 points are coarse when the window holds several times the runs of
 * the design-adjusted basis and its variance is small (up to 3× off at p ≈ 10⁻⁴ in a probe with 12 basis runs
 * against 1,000).
 */
export function predictiveMixture(basisFailures: number, basisRuns: number, windowCv2: number, elevation = 1): BetaBinomialComponent[] {
  const a0 = basisFailures + 0.5;
  if (!(windowCv2 >= MIXTURE_MIN_CV2) || a0 >= MIXTURE_MAX_A0) return [{ ...predictiveRate(basisFailures, basisRuns, windowCv2, elevation), w: 1 }];
  const b0 = basisRuns - basisFailures + 0.5;
  const mean = a0 / (a0 + b0);
  // From far below the mean (where the window's tail is nil) to far above it (where the posterior is).
  const hi = Math.min(0.999, (a0 + 12 + 7 * Math.sqrt(a0 + 12)) / (a0 + b0));
  const lo = Math.min(hi / 2, a0 >= 1 ? mean * Math.exp(-7 / Math.sqrt(a0 + 0.5)) : mean * 1e-4);
  const out: BetaBinomialComponent[] = [];
  const logWeights: number[] = [];
  for (let j = 0; j < MIXTURE_NODES; j++) {
    const theta = Math.exp(Math.log(lo) + ((j + 0.5) / MIXTURE_NODES) * (Math.log(hi) - Math.log(lo)));
    // The posterior density per unit of log θ, up to a constant (taken out below, before exp, so nothing underflows).
    logWeights.push(a0 * Math.log(theta) + (b0 - 1) * Math.log1p(-theta));
    const rate = theta * Math.min(Math.max(1, elevation), 0.999 / theta);
    out.push({ ...clusteredRate(rate, windowCv2), w: 0 });
  }
  const top = Math.max(...logWeights);
  let total = 0;
  out.forEach((c, j) => {
    c.w = Math.exp(logWeights[j]! - top);
    total += c.w;
  });
  for (const c of out) c.w /= total;
  return out;
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
