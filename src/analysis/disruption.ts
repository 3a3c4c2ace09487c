/**
 * Disruption per backend × variant group: seconds per run in the current window against the basis
 * window (or a historical record), with the job-run-aggregator's checks (compatible mode) and a
 * rank test with Benjamini–Hochberg control (ratchet mode). See docs/statistics.md, "Disruption".
 */
import type { DisruptionConfig } from '../config/config-schema.ts';
import type { RunRecord, Variants } from '../ingest/run-record.ts';
import type {
  DisruptionCell,
  DisruptionCheck,
  DisruptionRegression,
  DisruptionStats,
  HistoricalDisruption,
  RegressionMode,
  Snapshot,
} from '../snapshot/schema.ts';
import {
  benjaminiHochberg,
  binomialSf,
  describe,
  DISRUPTION_GRACE_SECONDS,
  disruptionMeanCheck,
  disruptionPercentileCheck,
  mannWhitneyExactGreater,
  mannWhitneyU,
  percentile,
} from './stats/index.ts';
import type { HistoricalIndex } from './disruption-history.ts';
import { compareRegressions, flagged, isOpen, previousRegressions, regressionId, resolved, stillListed } from './lifecycle.ts';
import { fmtP } from './verdict-rules.ts';
import { inBasis, type Slot, type Slots } from './slots.ts';

interface CellAcc {
  backend: string;
  key: string;
  variants: Variants;
  newest: number;
  jobs: Set<string>;
  values: [number[], number[], number[]];
}

export class DisruptionAccumulator {
  readonly #cells = new Map<string, CellAcc>();

  add(run: RunRecord, key: string, slot: Slot, time: number): void {
    if (run.disruption.length === 0) return;
    // A backend reported twice in one run is one run's disruption: sum it.
    const perRun = new Map<string, number>();
    for (const d of run.disruption) perRun.set(d.backend, (perRun.get(d.backend) ?? 0) + d.seconds);
    for (const [backend, seconds] of perRun) {
      const id = `${backend}\u0000${key}`;
      let c = this.#cells.get(id);
      if (!c) this.#cells.set(id, (c = { backend, key, variants: run.variants, newest: time, jobs: new Set(), values: [[], [], []] }));
      if (time > c.newest) {
        c.newest = time;
        c.variants = run.variants;
      }
      c.jobs.add(run.job);
      c.values[slot].push(seconds);
    }
  }

  cells(): CellAcc[] {
    return [...this.#cells.values()].sort((a, b) => cmp(a.backend, b.backend) || cmp(a.key, b.key));
  }
}

export interface DisruptionInput {
  accumulator: DisruptionAccumulator;
  slots: Slots;
  settings: DisruptionConfig;
  history?: { index: HistoricalIndex; file: string };
  /** Thresholds that keep an open ratchet regression open (regressions.ratchet.openFdr, openP). */
  open: { fdr: number; p: number };
  previous?: Snapshot | null;
  asOf: string;
  keepResolvedDays: number;
}

export interface DisruptionOutput {
  cells: DisruptionCell[];
  regressions: DisruptionRegression[];
  tested: number;
}

interface Work {
  cell: DisruptionCell;
  sample: number[];
  p: number;
}

export function analyzeDisruption(input: DisruptionInput): DisruptionOutput {
  const s = input.settings;
  const exclude = s.exclude.map((r) => new RegExp(r));
  const work: Work[] = [];
  for (const c of input.accumulator.cells()) {
    const sample = sorted(c.values[0]);
    const basis = sorted([...c.values[1], ...(inBasis(2, input.slots) ? c.values[2] : [])]);
    const excluded = exclude.some((r) => r.test(c.backend));
    const record = input.history?.index.find(c.backend, c.variants);
    const historical: HistoricalDisruption | null =
      record && input.history
        ? {
            file: input.history.file,
            jobRuns: record.jobRuns,
            p50: record.p50,
            p75: record.p75,
            p95: record.p95,
            p99: record.p99,
            release: record.release,
            fromRelease: record.fromRelease,
            masterNodesUpdated: record.masterNodesUpdated,
          }
        : null;
    const basisKind = historical && historical.jobRuns >= s.minBasisRuns ? 'historical' : basis.length >= s.minBasisRuns ? 'window' : 'none';
    const checkable = !excluded && sample.length >= s.minSampleRuns && basisKind !== 'none';
    const cell: DisruptionCell = {
      backend: c.backend,
      variantKey: c.key,
      variants: c.variants,
      jobs: [...c.jobs].sort(),
      current: stats(sample),
      basis: stats(basis),
      basisKind,
      historical,
      excluded,
      checks: [],
      test: null,
      q: null,
      increase: null,
      ratchet: 'not-checked',
      compatible: 'not-checked',
    };
    let p = NaN;
    if (checkable && basisKind === 'historical') {
      const h = historical!;
      cell.checks = [percentileCheck(sample, h.p75, DISRUPTION_GRACE_SECONDS[70], 75), percentileCheck(sample, h.p95, DISRUPTION_GRACE_SECONDS[85], 95)];
      p = exceedanceP(sample, h.p75, h.p95);
      cell.test = { method: 'exceedance', p, u: null };
      cell.increase = { p75: percentile(sample, 75) - h.p75, p95: percentile(sample, 95) - h.p95 };
    } else if (checkable) {
      const b = describe(basis);
      const mean = disruptionMeanCheck(sample, { mean: b.mean, sd: b.sd, p95: b.p95 });
      cell.checks = [
        { name: 'mean', verdict: mean.verdict, reason: mean.reason, threshold: mean.threshold },
        percentileCheck(sample, percentile(basis, 70), DISRUPTION_GRACE_SECONDS[70], 70),
        percentileCheck(sample, percentile(basis, 85), DISRUPTION_GRACE_SECONDS[85], 85),
      ];
      const mw = mannWhitneyTest(sample, basis);
      cell.test = { method: 'mann-whitney', p: mw.p, u: mw.u };
      // The family, as for tests, holds only cells that could reach p ≤ q with their pooled values
      // (e.g. not those whose runs are nearly all zero): that depends on the pooled values alone.
      if (minimumMannWhitneyP(sample.length, [...sample, ...basis]) <= s.fdr) p = mw.p;
      cell.increase = { p75: percentile(sample, 75) - b.p75, p95: percentile(sample, 95) - b.p95 };
    }
    if (checkable) cell.compatible = cell.checks.some((k) => k.verdict === 'fail') ? 'regressed' : 'ok';
    work.push({ cell, sample, p });
  }

  const q = benjaminiHochberg(work.map((w) => w.p));
  const previousOpen = previousRegressions(input.previous, 'disruption');
  const regressions: DisruptionRegression[] = [];
  const seen = new Set<string>();
  let tested = 0;
  for (let i = 0; i < work.length; i++) {
    const { cell, p } = work[i]!;
    if (!Number.isNaN(p)) {
      tested++;
      cell.q = q[i]!;
    }
    if (cell.increase) {
      const increase = Math.max(cell.increase.p75, cell.increase.p95);
      const idR = regressionId('ratchet', 'disruption', cell.backend, cell.variantKey);
      const openR = isOpen(previousOpen.get(idR));
      const strict = cell.q !== null && cell.q <= s.fdr && increase >= s.minIncreaseSeconds;
      const loose = openR && !Number.isNaN(p) && ((cell.q !== null && cell.q <= input.open.fdr) || p <= input.open.p) && increase >= s.minIncreaseSeconds;
      cell.ratchet = strict || loose ? 'regressed' : 'ok';
      if (strict || loose || openR) {
        seen.add(idR);
        regressions.push(entry(idR, 'ratchet', cell, strict || loose, loose && !strict, previousOpen.get(idR), input, ratchetReason(cell, s, strict, loose)));
      }
      const idC = regressionId('compatible', 'disruption', cell.backend, cell.variantKey);
      const openC = isOpen(previousOpen.get(idC));
      if (cell.compatible === 'regressed' || openC) {
        seen.add(idC);
        regressions.push(entry(idC, 'compatible', cell, cell.compatible === 'regressed', false, previousOpen.get(idC), input, compatibleReason(cell)));
      }
    }
  }
  // Open before but not evaluated now (no runs, or too few), and recently resolved ones.
  for (const [id, prev] of previousOpen) {
    if (seen.has(id)) continue;
    if (isOpen(prev))
      regressions.push({
        ...prev,
        ...resolved(prev, input.asOf),
        heldByHysteresis: false,
        reason: `Not checked in this snapshot (too few runs in the sample or basis); last evidence from ${prev.evidenceAsOf}. ${prev.reason}`,
      });
    else if (stillListed(prev, input.asOf, input.keepResolvedDays)) regressions.push(prev);
  }
  regressions.sort(compareRegressions);
  return { cells: work.map((w) => w.cell), regressions, tested };
}

function entry(
  id: string,
  mode: RegressionMode,
  cell: DisruptionCell,
  regressed: boolean,
  heldByHysteresis: boolean,
  previous: DisruptionRegression | undefined,
  input: DisruptionInput,
  reason: string,
): DisruptionRegression {
  const lifecycle = regressed ? flagged(previous, input.asOf) : resolved(previous!, input.asOf);
  const basisP95 = cell.basisKind === 'historical' ? cell.historical!.p95 : (cell.basis?.p95 ?? Infinity);
  return {
    id,
    mode,
    kind: 'disruption',
    ...lifecycle,
    severity: cell.current !== null && cell.current.p50 > basisP95 ? 'extreme' : 'significant',
    heldByHysteresis,
    evidenceAsOf: input.asOf,
    reason,
    backend: cell.backend,
    variantKey: cell.variantKey,
    current: cell.current,
    basis: cell.basis,
    historical: cell.basisKind === 'historical' ? cell.historical : null,
    p: cell.test?.p ?? null,
    q: cell.q,
    failedChecks: cell.checks.filter((k) => k.verdict === 'fail').map((k) => k.name),
  };
}

function ratchetReason(cell: DisruptionCell, s: DisruptionConfig, strict: boolean, loose: boolean): string {
  const inc = cell.increase!;
  const test = cell.test
    ? `${cell.test.method === 'mann-whitney' ? 'one-sided Mann–Whitney' : 'exceedance test against the historical P75 and P95'} p = ${fmtP(cell.test.p)}${cell.q === null ? '' : `, q = ${fmtP(cell.q)}`}`
    : 'no test (every value equal)';
  const shift = `P75 ${signed(inc.p75)} s, P95 ${signed(inc.p95)} s against the ${cell.basisKind === 'historical' ? 'historical record' : 'basis window'}`;
  const verdict = strict
    ? `q ≤ ${s.fdr} and a rise of at least ${s.minIncreaseSeconds} s: regressed.`
    : loose
      ? 'Already open: held open by the looser thresholds.'
      : 'Not regressed any more.';
  return `${shift}; ${test}. ${verdict}`;
}

function compatibleReason(cell: DisruptionCell): string {
  const failed = cell.checks.filter((k) => k.verdict === 'fail');
  if (failed.length === 0) return `Every aggregator check passes: ${cell.checks.map((k) => k.name).join(', ')}. Not regressed any more.`;
  return failed.map((k) => `${k.name}: ${k.reason}`).join(' ');
}

function percentileCheck(sample: number[], value: number, grace: number, pct: number): DisruptionCheck {
  const r = disruptionPercentileCheck(sample, value, grace, pct);
  return { name: `P${pct}`, verdict: r.verdict, reason: r.reason, threshold: value };
}

/**
 * One-sided Mann–Whitney p-value: exact under permutation (ties included) where it matters and is
 * cheap, i.e. when the normal approximation says below 0.25 and the samples are small; that
 * approximation is conservative with the heavy ties of disruption data (mostly zeros).
 */
function mannWhitneyTest(sample: readonly number[], basis: readonly number[]): { u: number; p: number } {
  const approx = mannWhitneyU(sample, basis, { alternative: 'greater' });
  if (approx.p > 0.25) return approx;
  return mannWhitneyExactGreater(sample, basis) ?? approx;
}

/** The smallest one-sided Mann–Whitney p-value the pooled values allow: the n₁ largest in the sample. */
function minimumMannWhitneyP(sampleSize: number, pooled: readonly number[]): number {
  const sorted = [...pooled].sort((a, b) => b - a);
  if (sorted[0] === sorted.at(-1)) return 1;
  return mannWhitneyU(sorted.slice(0, sampleSize), sorted.slice(sampleSize), { alternative: 'greater' }).p;
}

/**
 * Runs above a historical percentile P_k happen with probability at most 1 − k/100 if nothing
 * changed (exactly that without ties), so the count above it is at most Binomial(n, 1 − k/100).
 * Tested at P75 (the body) and P95 (the tail), Bonferroni-combined.
 */
export function exceedanceP(sample: readonly number[], p75: number, p95: number): number {
  const n = sample.length;
  let above75 = 0;
  let above95 = 0;
  for (const v of sample) {
    if (v > p75) above75++;
    if (v > p95) above95++;
  }
  const t75 = above75 === 0 ? 1 : binomialSf(above75 - 1, n, 0.25);
  const t95 = above95 === 0 ? 1 : binomialSf(above95 - 1, n, 0.05);
  return Math.min(1, 2 * Math.min(t75, t95));
}

function stats(values: number[]): DisruptionStats | null {
  if (values.length === 0) return null;
  const d = describe(values);
  let above = 0;
  for (const v of values) if (v > 0) above++;
  return {
    runs: d.count,
    mean: d.mean,
    sd: Number.isNaN(d.sd) ? null : d.sd,
    p50: d.p50,
    p75: d.p75,
    p95: d.p95,
    p99: d.p99,
    max: d.max,
    shareAboveZero: above / d.count,
  };
}

/** Sorted copies make every sum independent of the order runs arrived in. */
function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

function signed(x: number): string {
  const r = Math.round(x * 100) / 100;
  return r >= 0 ? `+${r}` : String(r);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
