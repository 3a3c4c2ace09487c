/**
 * What the runs allow on the simulation's detection targets, whatever the rules: two figures printed
 * beside each measured time to first flag.
 *
 * - **A bound for any rule** (Neyman–Pearson). Take a rule whose false alarms on a stable cell average at
 *   most λ a week, spread evenly over time, so that it raises one in any t hours with probability at most
 *   λ·t/168. Whether it flags a change in the t hours after its onset is then a test, at that level, of "no
 *   change" against "changed at the onset", on the runs it can see. With independent runs, those before the
 *   onset have the same law under both, so no test beats the most powerful one on the failures among the runs
 *   since the onset that are shown by t (Neyman–Pearson lemma, randomised jointly over the run and snapshot
 *   phases). Its power bounds the expected share of such drops flagged by t, for every rule held to λ on such
 *   cells, one that knows both rates included. (A false alarm still shown from before the onset adds at most
 *   the chance that a stable cell is displayed, about λ.) The timing is idealised: evenly spaced runs and a
 *   uniform snapshot phase; the simulation's ±25 % jitter and onsets at :17 move the figures by a point or so.
 * - **A reference detector**: a CUSUM that knows the cell's rate before (p0) and after (p1) the change,
 *   its threshold set for λ. CUSUM minimises the worst-case mean delay at a given false-alarm rate
 *   (Lorden 1971, Moustakides 1986), which is not the median the targets are stated in: a reference, not
 *   a bound. Its statistic S ← max(0, S + log-likelihood ratio of the run) is propagated exactly on a
 *   lattice (the two ratios rounded to multiples of `step` nats), from the null's quasi-stationary state
 *   (a cell judged for weeks without an alarm).
 *
 * λ is a budget per cell: the "1 false alarm per 10,000 stable cells a week" spent evenly is 10⁻⁴.
 * A rule may spend more on some cells and less on others; docs/statistics.md says what a larger share buys.
 */
import { logChoose } from '../../src/analysis/stats/index.ts';

export interface CusumChain {
  /** States 0 … size − 1 are S = k·step; S ≥ size·step is an alarm. */
  size: number;
  /** Lattice steps a failing run adds, and a working run takes away. */
  up: number;
  down: number;
}

/** The lattice of a CUSUM for failure rate p0 → p1 (p1 > p0) with threshold h nats. */
export function cusumChain(p0: number, p1: number, h: number, step = 0.004): CusumChain {
  if (!(p0 > 0 && p1 > p0 && p1 < 1)) throw new RangeError(`cusumChain: expected 0 < p0 < p1 < 1, got ${p0} and ${p1}`);
  return {
    size: Math.max(1, Math.ceil(h / step)),
    up: Math.max(1, Math.round(Math.log(p1 / p0) / step)),
    down: Math.max(1, Math.round(-Math.log((1 - p1) / (1 - p0)) / step)),
  };
}

/** One run with failure probability `fail`: the new distribution (in place into `out`) and the mass that alarms. */
function advance(chain: CusumChain, dist: Float64Array, fail: number, out: Float64Array): number {
  const { size, up, down } = chain;
  out.fill(0);
  const pass = 1 - fail;
  let alarm = 0;
  for (let k = 0; k < size; k++) {
    const mass = dist[k]!;
    if (mass === 0) continue;
    out[Math.max(0, k - down)]! += pass * mass;
    if (k + up >= size) alarm += fail * mass;
    else out[k + up]! += fail * mass;
  }
  return alarm;
}

/** The null's quasi-stationary distribution: `warmup` runs at p0 from S = 0, renormalised after each alarm-free run. */
function quasiStationary(chain: CusumChain, p0: number, warmup: number): Float64Array<ArrayBuffer> {
  let dist = new Float64Array(chain.size);
  let next = new Float64Array(chain.size);
  dist[0] = 1;
  for (let r = 0; r < warmup; r++) {
    const alarm = advance(chain, dist, p0, next);
    for (let k = 0; k < chain.size; k++) next[k]! /= 1 - alarm;
    [dist, next] = [next, dist];
  }
  return dist;
}

/** P(first alarm by run r) for r = 1 … runs, failure rate `fail` from the quasi-stationary state of p0. */
export function alarmByRun(chain: CusumChain, p0: number, fail: number, runs: number, warmup = 1500): Float64Array {
  let dist: Float64Array<ArrayBuffer> = quasiStationary(chain, p0, warmup);
  let next = new Float64Array(chain.size);
  const cdf = new Float64Array(runs);
  let total = 0;
  for (let r = 0; r < runs; r++) {
    total += advance(chain, dist, fail, next);
    cdf[r] = total;
    [dist, next] = [next, dist];
  }
  return cdf;
}

/**
 * The threshold (nats) at which a stable cell of `runsPerWeek` runs alarms at most `falseAlarmsPerWeek`
 * times a week. The rate reached is a step function of the threshold (a failure adds a fixed amount), so
 * it may be well under the rate asked for: `cusumFalseAlarms` says what it is.
 */
export function cusumThreshold(p0: number, p1: number, runsPerWeek: number, falseAlarmsPerWeek: number): number {
  let lo = 0.5;
  let hi = 60;
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    const chain = cusumChain(p0, p1, mid);
    const week = alarmByRun(chain, p0, p0, Math.round(runsPerWeek));
    if (week[week.length - 1]! > falseAlarmsPerWeek) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * From "alarm by the r-th run after the onset" to "shown by hour t": runs start every `gapHours` at a
 * phase U after the onset, take `runHours`, and are read by the next snapshot of a `cadenceHours`
 * schedule at phase V (U, V uniform, as the simulation's onsets are). The r-th run is shown at
 * (U + r − 1)·gap + runHours + V·cadence (the timing of shownRunsDistribution, which this averages over).
 * Returns P(shown by t) for a given t.
 */
export function shownBy(cdf: Float64Array, gapHours: number, runHours: number, cadenceHours: number, t: number, grid = 64): number {
  // The first alarm, at run r, is shown by t when the runs shown by t number r or more: E[cdf(N(t))].
  const runs = shownRunsDistribution(t, gapHours, runHours, cadenceHours, grid);
  let p = 0;
  for (let n = 1; n < runs.length; n++) p += runs[n]! * cdf[Math.min(n, cdf.length) - 1]!;
  return p;
}

/** The median hour by which the alarm is shown (bisection on shownBy); null when it is not within `horizon` hours. */
export function medianShownHours(cdf: Float64Array, gapHours: number, runHours: number, cadenceHours: number, horizon: number): number | null {
  if (shownBy(cdf, gapHours, runHours, cadenceHours, horizon) < 0.5) return null;
  let lo = 0;
  let hi = horizon;
  while (hi - lo > 0.05) {
    const mid = (lo + hi) / 2;
    if (shownBy(cdf, gapHours, runHours, cadenceHours, mid) >= 0.5) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Alarms a week of a stable cell (from the quasi-stationary state) at the CUSUM threshold h. */
export function cusumFalseAlarms(p0: number, p1: number, h: number, runsPerWeek: number): number {
  const week = alarmByRun(cusumChain(p0, p1, h), p0, p0, Math.round(runsPerWeek));
  return week[week.length - 1]!;
}

/** A drop from working rate `from` to `to` on a cell of `runsPerDay` runs, and the simulation's timing. */
export interface DropTiming {
  from: number;
  to: number;
  runsPerDay: number;
  falseAlarmsPerWeek: number;
  /** How long a run takes (the simulation: 90 minutes). */
  runHours?: number;
  /** Hours between snapshots (2). */
  cadenceHours?: number;
}

export interface CusumReference {
  /** The threshold in nats, and the false alarms a week it reaches (at most the budget). */
  threshold: number;
  falseAlarmsPerWeek: number;
  medianHours: number | null;
  /** P(shown within 7 days of the onset). */
  byWeek: number;
}

/** The reference CUSUM's figures for a drop. */
export function cusumReference(options: DropTiming): CusumReference {
  const p0 = 1 - options.from;
  const p1 = 1 - options.to;
  const threshold = cusumThreshold(p0, p1, 7 * options.runsPerDay, options.falseAlarmsPerWeek);
  const chain = cusumChain(p0, p1, threshold);
  const gap = 24 / options.runsPerDay;
  const runHours = options.runHours ?? 1.5;
  const cadence = options.cadenceHours ?? 2;
  const cdf = alarmByRun(chain, p0, p1, Math.ceil((14 * 24) / gap));
  return {
    threshold,
    falseAlarmsPerWeek: cusumFalseAlarms(p0, p1, threshold, 7 * options.runsPerDay),
    medianHours: medianShownHours(cdf, gap, runHours, cadence, 14 * 24),
    byWeek: Math.min(1, shownBy(cdf, gap, runHours, cadence, 7 * 24)),
  };
}

/**
 * P(n runs since the onset are shown by hour t), n = 0, 1, …: the k-th such run is shown at
 * (U + k − 1)·gap + runHours + V·cadence, U and V uniform (on a grid of `grid` points each).
 */
export function shownRunsDistribution(t: number, gapHours: number, runHours: number, cadenceHours: number, grid = 64): Float64Array {
  const counts: number[] = [];
  for (let i = 0; i < grid; i++) {
    const u = (i + 0.5) / grid;
    for (let j = 0; j < grid; j++) {
      const room = t - runHours - ((j + 0.5) / grid) * cadenceHours - u * gapHours;
      const n = room < 0 ? 0 : Math.floor(room / gapHours) + 1;
      counts[n] = (counts[n] ?? 0) + 1;
    }
  }
  return Float64Array.from(counts, (c) => (c ?? 0) / (grid * grid));
}

/**
 * The power of the most powerful level-α test of failure rate p0 against p1 when N runs are seen, N
 * distributed as `runs` under both (its index is n), and F of them fail: reject for the largest
 * likelihood ratios (p1/p0)^F·((1 − p1)/(1 − p0))^(N − F) until α is spent, the last outcome in part
 * (Neyman–Pearson, randomised).
 */
export function neymanPearsonPower(p0: number, p1: number, runs: ArrayLike<number>, alpha: number): number {
  if (alpha >= 1) return 1;
  const outcomes: Array<{ ratio: number; null0: number; alt: number }> = [];
  const up = Math.log(p1 / p0);
  const down = Math.log((1 - p1) / (1 - p0));
  for (let n = 0; n < runs.length; n++) {
    const pn = runs[n]!;
    if (pn === 0) continue;
    for (let f = 0; f <= n; f++) {
      const choose = logChoose(n, f);
      outcomes.push({
        ratio: f * up + (n - f) * down,
        null0: pn * Math.exp(choose + f * Math.log(p0) + (n - f) * Math.log1p(-p0)),
        alt: pn * Math.exp(choose + f * Math.log(p1) + (n - f) * Math.log1p(-p1)),
      });
    }
  }
  outcomes.sort((a, b) => b.ratio - a.ratio);
  let spent = 0;
  let power = 0;
  for (const o of outcomes) {
    if (spent + o.null0 >= alpha) return power + (o.null0 > 0 ? ((alpha - spent) / o.null0) * o.alt : 0);
    spent += o.null0;
    power += o.alt;
  }
  return power;
}

/** At most this share of such drops can be shown by hour t, by any rule held to the budget (Neyman–Pearson). */
export function anyRuleShownBy(options: DropTiming, t: number): number {
  const gap = 24 / options.runsPerDay;
  const runs = shownRunsDistribution(t, gap, options.runHours ?? 1.5, options.cadenceHours ?? 2);
  return Math.min(1, neymanPearsonPower(1 - options.from, 1 - options.to, runs, (options.falseAlarmsPerWeek * t) / 168));
}

/** No rule held to the budget shows half of such drops sooner than this (hours; null beyond `horizon`). */
export function anyRuleMedianHours(options: DropTiming, horizon = 14 * 24): number | null {
  if (anyRuleShownBy(options, horizon) < 0.5) return null;
  let lo = 0;
  let hi = horizon;
  while (hi - lo > 0.05) {
    const mid = (lo + hi) / 2;
    if (anyRuleShownBy(options, mid) >= 0.5) hi = mid;
    else lo = mid;
  }
  return lo;
}
