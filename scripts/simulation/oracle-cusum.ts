/**
 * The best any detector could do on the simulation's detection targets: a CUSUM that knows the cell's
 * failure rate before (p0) and after (p1) the change, with its threshold set so that a stable cell raises
 * `falseAlarmsPerWeek` alarms a week (the 1 per 10,000 cells). For a known change CUSUM is optimal
 * (Lorden 1971, Moustakides 1986): no rule with that false-alarm rate detects sooner on average, and the
 * report's rules, which must estimate p0 from a basis and do not know p1, can only be slower. It is the
 * bound the simulation prints beside each measured time to first flag.
 *
 * Exact, not sampled: the CUSUM statistic S ← max(0, S + log-likelihood ratio of the run) moves on a lattice
 * (the two ratios rounded to multiples of `step` nats), so its distribution is propagated run by run. The
 * statistic at the onset is the null's quasi-stationary one (a cell judged for weeks without an alarm).
 */

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

/** The threshold (nats) at which a stable cell of `runsPerWeek` runs alarms `falseAlarmsPerWeek` times a week. */
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
 * (U + r − 1)·gap + runHours + V·cadence. Returns P(shown by t) for a given t.
 */
export function shownBy(cdf: Float64Array, gapHours: number, runHours: number, cadenceHours: number, t: number, grid = 64): number {
  let p = 0;
  let before = 0;
  for (let r = 1; r <= cdf.length; r++) {
    const pr = cdf[r - 1]! - before;
    before = cdf[r - 1]!;
    if (pr <= 0) continue;
    let inside = 0;
    for (let i = 0; i < grid; i++) {
      const u = (i + 0.5) / grid;
      for (let j = 0; j < grid; j++) if ((u + r - 1) * gapHours + runHours + ((j + 0.5) / grid) * cadenceHours <= t) inside++;
    }
    p += (pr * inside) / (grid * grid);
  }
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

export interface OracleBound {
  /** The CUSUM threshold in nats. */
  threshold: number;
  medianHours: number | null;
  /** P(shown within 7 days of the onset). */
  byWeek: number;
}

/** The oracle's figures for a drop from working rate `from` to `to` on a cell of `runsPerDay` runs. */
export function oracleBound(options: {
  from: number;
  to: number;
  runsPerDay: number;
  falseAlarmsPerWeek: number;
  runHours?: number;
  cadenceHours?: number;
}): OracleBound {
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
    medianHours: medianShownHours(cdf, gap, runHours, cadence, 14 * 24),
    byWeek: shownBy(cdf, gap, runHours, cadence, 7 * 24),
  };
}
