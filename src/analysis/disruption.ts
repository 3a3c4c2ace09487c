/**
 * Disruption per backend × variant group, judged like test regressions (docs/statistics.md,
 * "Disruption"):
 *
 * - Ratchet mode: every scan window's runs against the basis window (one-sided Mann–Whitney), or
 *   against a historical record (runs above its P75 and P95, against the predictive beta-binomial of
 *   a percentile estimated from that record's run count), with design effects for runs that cluster
 *   by day and payload, weighted Benjamini–Hochberg over the cells not already open. A flagged cell
 *   opens a regression that freezes its basis (its P75, and how often basis runs exceed it) and stays
 *   open until a window since its onset shows significantly fewer runs above that P75 than halfway
 *   between the basis and the share it rose to.
 * - Compatible mode: the job-run-aggregator's checks, applied as the aggregator applies them: to one
 *   payload's runs (or, without payload tags, the newest set of about ten runs), not to a week of runs.
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
import { prowRunUrl } from '../util/prow-links.ts';
import { designEffect } from './dispersion.ts';
import type { HistoricalIndex } from './disruption-history.ts';
import {
  compareRegressions,
  flagged,
  isOpen,
  previousRegressions,
  regressionId,
  freshWindowsAfter,
  longestScanMs,
  resolved,
  stillListed,
} from './lifecycle.ts';
import { changePoint, firstFailureFrom, payloadsAround } from './onset.ts';
import type { Slots } from './slots.ts';
import {
  benjaminiHochberg,
  betaBinomialSf,
  binomialCdf,
  DISRUPTION_GRACE_SECONDS,
  describe,
  disruptionMeanCheck,
  disruptionPercentileCheck,
  exceedancePrior,
  mannWhitneyExactGreater,
  mannWhitneyU,
  normalQuantile,
  normalSf,
  percentile,
  wilsonInterval,
} from './stats/index.ts';
import { fmtP } from './verdict-rules.ts';
import { DAY_MS } from '../util/time.ts';

/** One run's seconds for a backend, with what clustering and onset need. */
interface Value {
  seconds: number;
  time: number;
  day: number;
  payload: string | undefined;
  job: string;
  buildId: string;
  path: string;
  started: string | null;
}

interface CellAcc {
  backend: string;
  key: string;
  variants: Variants;
  newest: number;
  jobs: Set<string>;
  /** Runs of the current window, and of the basis window. */
  sample: Value[];
  basis: Value[];
}

export class DisruptionAccumulator {
  readonly #cells = new Map<string, CellAcc>();

  /** Count a run's disruption; runs outside the current and basis windows are not needed. */
  add(run: RunRecord, key: string, current: boolean, basis: boolean, time: number): void {
    if (run.disruption.length === 0 || (!current && !basis)) return;
    // A backend reported twice in one run is one run's disruption: sum it.
    const perRun = new Map<string, number>();
    for (const d of run.disruption) perRun.set(d.backend, (perRun.get(d.backend) ?? 0) + d.seconds);
    for (const [backend, seconds] of perRun) {
      const id = `${backend}\u0000${key}`;
      let c = this.#cells.get(id);
      if (!c) this.#cells.set(id, (c = { backend, key, variants: run.variants, newest: time, jobs: new Set(), sample: [], basis: [] }));
      if (time > c.newest) {
        c.newest = time;
        c.variants = run.variants;
      }
      c.jobs.add(run.job);
      const value: Value = {
        seconds,
        time,
        day: Math.floor(time / DAY_MS),
        payload: run.payloadTag,
        job: run.job,
        buildId: run.buildId,
        path: run.path,
        started: run.started,
      };
      (current ? c.sample : c.basis).push(value);
    }
  }

  /** Every cell, by backend then variant key, each one's runs by time (then job and build): the order runs arrived in never shows. */
  cells(): CellAcc[] {
    const byTime = (a: Value, b: Value): number => a.time - b.time || cmp(a.job, b.job) || cmp(a.buildId, b.buildId);
    for (const c of this.#cells.values()) {
      c.sample.sort(byTime);
      c.basis.sort(byTime);
    }
    return [...this.#cells.values()].sort((a, b) => cmp(a.backend, b.backend) || cmp(a.key, b.key));
  }
}

export interface DisruptionInput {
  accumulator: DisruptionAccumulator;
  slots: Slots;
  settings: DisruptionConfig;
  history?: { index: HistoricalIndex; file: string };
  /** Level of the recovery test of open regressions (regressions.ratchet.recoverAlpha). */
  recoverAlpha: number;
  /** Account for runs that cluster by day and payload (regressions.clustering). */
  clustering: boolean;
  previous?: Snapshot | null;
  asOf: string;
  keepResolvedDays: number;
  bucket: string;
}

export interface DisruptionOutput {
  cells: DisruptionCell[];
  regressions: DisruptionRegression[];
  tested: number;
  /** The intra-cluster correlation of seconds (normal scores) between runs of a day and of a payload. */
  clustering: { day: number; payload: number };
}

type Line = NonNullable<DisruptionRegression['line']>;

/** One hypothesis: a cell's scan window against its basis. */
interface Hypothesis {
  work: number;
  window: number;
  sample: Value[];
  p: number;
  u: number | null;
  design: { sample: number; basis: number };
  member: boolean;
  q: number;
  increase: { p75: number; p95: number };
}

interface Work {
  acc: CellAcc;
  cell: DisruptionCell;
  basis: number[];
  historical: HistoricalDisruption | null;
  hypotheses: Hypothesis[];
  idRatchet: string;
  idCompatible: string;
  line?: Line;
  /** Scan windows that may flag the cell anew after a recent resolution (lifecycle.ts, freshWindowsAfter); default all. */
  freshWindows?: number;
  rho: { day: number; payload: number };
}

export function analyzeDisruption(input: DisruptionInput): DisruptionOutput {
  const s = input.settings;
  const exclude = s.exclude.map((r) => new RegExp(r));
  const accs = input.accumulator.cells();
  const previous = previousRegressions(input.previous, 'disruption');
  // Cells with an open regression may hold its rise in their basis: left out of the estimate, as for tests.
  const settled = accs.filter((c) => !isOpen(previous.get(regressionId('ratchet', 'disruption', c.backend, c.key))));
  const rho = input.clustering ? clusteringOf(settled) : { day: 0, payload: 0 };
  const work: Work[] = accs.map((acc) => cellWork(acc, input, exclude, previous, rho));
  for (const w of work) w.hypotheses = hypothesesOf(w, work.indexOf(w), input, rho);

  // Weighted Benjamini–Hochberg over the hypotheses of cells not already open (windows weigh by length).
  const members = work.flatMap((w) => w.hypotheses.filter((h) => h.member));
  const lengths = input.slots.scan.map((x) => x.end - x.start);
  const mean = members.length ? members.reduce((a, h) => a + lengths[h.window]!, 0) / members.length : 1;
  const q = benjaminiHochberg(members.map((h) => Math.min(1, h.p / (lengths[h.window]! / mean))));
  members.forEach((h, i) => {
    h.q = q[i]!;
  });

  const regressions: DisruptionRegression[] = [];
  const seen = new Set<string>();
  for (const w of work) judgeCell(w, input, regressions, seen, previous);
  // Open before but not evaluated now (no runs, or too few), and recently resolved ones.
  const longest = longestScanMs(input.slots.scan);
  for (const [id, prev] of previous) {
    if (seen.has(id)) continue;
    if (isOpen(prev)) {
      regressions.push({
        ...prev,
        ...resolved(prev, input.asOf),
        heldByHysteresis: false,
        reason: `Not checked in this snapshot (too few runs in the sample or basis); last evidence from ${prev.evidenceAsOf}. ${prev.reason}`,
      });
    } else if (stillListed(prev, input.asOf, input.keepResolvedDays, longest)) regressions.push(prev);
  }
  regressions.sort(compareRegressions);
  return { cells: work.map((w) => w.cell), regressions, tested: members.length, clustering: { day: round(rho.day, 6), payload: round(rho.payload, 6) } };
}

/** The cell's summary, basis and the aggregator's checks (compatible mode) on its newest set of runs. */
function cellWork(
  acc: CellAcc,
  input: DisruptionInput,
  exclude: RegExp[],
  previous: Map<string, DisruptionRegression>,
  rho: { day: number; payload: number },
): Work {
  const s = input.settings;
  const sample = sorted(acc.sample.map((v) => v.seconds));
  const basis = sorted(acc.basis.map((v) => v.seconds));
  const excluded = exclude.some((r) => r.test(acc.backend));
  const record = input.history?.index.find(acc.backend, acc.variants);
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
  const cell: DisruptionCell = {
    backend: acc.backend,
    variantKey: acc.key,
    variants: acc.variants,
    jobs: [...acc.jobs].sort(),
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
    set: null,
  };
  if (!excluded && basisKind !== 'none') aggregatorChecks(cell, acc.sample, basis, historical, basisKind === 'historical', s);
  const idRatchet = regressionId('ratchet', 'disruption', acc.backend, acc.key);
  const idCompatible = regressionId('compatible', 'disruption', acc.backend, acc.key);
  const before = previous.get(idRatchet);
  const fresh = freshWindowsAfter(before, input.slots.scan);
  return {
    acc,
    cell,
    basis,
    historical: basisKind === 'historical' ? historical : null,
    hypotheses: [],
    idRatchet,
    idCompatible,
    ...(isOpen(before) && before!.line ? { line: before!.line } : {}),
    ...(fresh !== undefined ? { freshWindows: fresh } : {}),
    rho,
  };
}

/**
 * The aggregator judges one payload: the newest payload with at least `minSetRuns` runs in the
 * current window, or without payload tags the newest `setRuns` runs. Its checks: against the basis
 * window, mean + 5σ and "P70 / P85 should not be worse"; against a historical record, P75 and P95.
 */
function aggregatorChecks(
  cell: DisruptionCell,
  runs: readonly Value[],
  basis: number[],
  historical: HistoricalDisruption | null,
  useHistory: boolean,
  s: DisruptionConfig,
): void {
  const set = newestSet(runs, s);
  if (!set) return;
  const values = set.runs.map((v) => v.seconds);
  cell.set = { payloadTag: set.payloadTag, runs: values.length };
  if (useHistory) {
    const h = historical!;
    cell.checks = [percentileCheck(values, h.p75, DISRUPTION_GRACE_SECONDS[70], 75), percentileCheck(values, h.p95, DISRUPTION_GRACE_SECONDS[85], 95)];
  } else {
    const b = describe(basis);
    const mean = disruptionMeanCheck(values, { mean: b.mean, sd: b.sd, p95: b.p95 });
    cell.checks = [
      { name: 'mean', verdict: mean.verdict, reason: mean.reason, threshold: mean.threshold },
      percentileCheck(values, percentile(basis, 70), DISRUPTION_GRACE_SECONDS[70], 70),
      percentileCheck(values, percentile(basis, 85), DISRUPTION_GRACE_SECONDS[85], 85),
    ];
  }
  cell.compatible = cell.checks.some((k) => k.verdict === 'fail') ? 'regressed' : 'ok';
}

function newestSet(runs: readonly Value[], s: DisruptionConfig): { payloadTag: string | null; runs: Value[] } | null {
  const byTime = [...runs].sort((a, b) => b.time - a.time || cmp(b.buildId, a.buildId));
  const byPayload = new Map<string, Value[]>();
  for (const v of byTime) if (v.payload) getList(byPayload, v.payload).push(v);
  // Payloads in the order their newest run came in; the newest with enough runs is the one judged.
  for (const [tag, values] of byPayload) if (values.length >= s.minSetRuns) return { payloadTag: tag, runs: values };
  const untagged = byTime.filter((v) => !v.payload);
  if (untagged.length >= s.minSetRuns) return { payloadTag: null, runs: untagged.slice(0, s.setRuns) };
  return null;
}

/** One hypothesis per scan window with enough runs; against the historical record, the frozen line or the basis window. */
function hypothesesOf(w: Work, index: number, input: DisruptionInput, rho: { day: number; payload: number }): Hypothesis[] {
  const s = input.settings;
  const { cell } = w;
  if (cell.excluded || cell.basisKind === 'none') return [];
  const out: Hypothesis[] = [];
  // Only the windows that may flag the cell count, also as the "next longer" one a window would repeat.
  const K = !w.line && w.freshWindows !== undefined ? Math.min(input.slots.scan.length, w.freshWindows) : input.slots.scan.length;
  const basisDesign = designOf(w.acc.basis, rho);
  for (let k = 0; k < K; k++) {
    const window = input.slots.scan[k]!;
    const sample = w.acc.sample.filter((v) => v.time >= window.start && v.time < window.end);
    if (sample.length < s.minSampleRuns) continue;
    if (k + 1 < K && w.acc.sample.filter((v) => v.time >= input.slots.scan[k + 1]!.start).length === sample.length) continue;
    const seconds = sorted(sample.map((v) => v.seconds));
    const design = designOf(sample, rho);
    const h: Hypothesis = {
      work: index,
      window: k,
      sample,
      p: 1,
      u: null,
      design: { sample: design, basis: basisDesign },
      member: false,
      q: NaN,
      increase: { p75: 0, p95: 0 },
    };
    if (w.historical) {
      h.p = exceedanceP(seconds, w.historical.p75, w.historical.p95, w.historical.jobRuns, design);
      h.increase = { p75: percentile(seconds, 75) - w.historical.p75, p95: percentile(seconds, 95) - w.historical.p95 };
      h.member = !w.line;
    } else {
      const mw = clusteredMannWhitney(seconds, w.basis, design, basisDesign);
      h.p = mw.p;
      h.u = mw.u;
      h.increase = { p75: percentile(seconds, 75) - percentile(w.basis, 75), p95: percentile(seconds, 95) - percentile(w.basis, 95) };
      // The family holds only cells that could reach p ≤ q with their pooled values (not those whose
      // runs are nearly all zero): that depends on the pooled values alone.
      h.member = !w.line && minimumMannWhitneyP(seconds.length, [...seconds, ...w.basis]) <= s.fdr;
    }
    out.push(h);
  }
  return out;
}

function judgeCell(w: Work, input: DisruptionInput, out: DisruptionRegression[], seen: Set<string>, previous: Map<string, DisruptionRegression>): void {
  const s = input.settings;
  const { cell } = w;
  const labels = input.slots.scan.map((x) => x.label);
  const strict = w.hypotheses
    .filter((h) => !Number.isNaN(h.q) && h.q <= s.fdr && Math.max(h.increase.p75, h.increase.p95) >= s.minIncreaseSeconds)
    .sort((a, b) => a.q - b.q || a.p - b.p || b.window - a.window);
  const shown = strict[0] ?? [...w.hypotheses].sort((a, b) => a.p - b.p || b.window - a.window)[0];
  if (shown) {
    cell.test = { method: w.historical ? 'exceedance' : 'mann-whitney', p: shown.p, u: shown.u, window: labels[shown.window]! };
    cell.q = Number.isNaN(shown.q) ? null : shown.q;
    cell.increase = shown.increase;
  }
  if (w.hypotheses.length > 0) cell.ratchet = strict.length > 0 || w.line ? 'regressed' : 'ok';

  // Ratchet mode: new from the family, or open against the frozen line until recovered.
  const before = previous.get(w.idRatchet);
  if (w.line && w.acc.sample.length === 0) {
    // No runs in the current window: no verdict, as for tests; it resolves and says so.
    seen.add(w.idRatchet);
    out.push(
      entry(w.idRatchet, 'ratchet', w, false, false, before, input, undefined, 'Not checked: no runs in the current window.', undefined, before?.onset ?? null),
    );
  } else if (w.line) {
    const recovery = recoveryOf(w, w.line, input);
    if (recovery.recovered) cell.ratchet = 'ok';
    seen.add(w.idRatchet);
    const shownLine = { ...w.line, roseTo: round(recovery.roseTo, 6) };
    out.push(
      entry(
        w.idRatchet,
        'ratchet',
        w,
        !recovery.recovered,
        !recovery.recovered && strictAgainst(w, s),
        before,
        input,
        shown,
        recovery.text,
        recovery.recovered ? undefined : shownLine,
        before?.onset ?? null,
      ),
    );
  } else if (strict.length > 0) {
    seen.add(w.idRatchet);
    const opened = openLine(w, input);
    out.push(
      entry(
        w.idRatchet,
        'ratchet',
        w,
        true,
        false,
        before,
        input,
        strict[0]!,
        `q ≤ ${s.fdr} and a rise of at least ${s.minIncreaseSeconds} s: regressed.`,
        opened.line,
        opened.onset,
      ),
    );
  } else if (isOpen(before)) {
    // Open in a version 1 snapshot (no line) and not flagged now: resolved, as version 1 would.
    seen.add(w.idRatchet);
    out.push(entry(w.idRatchet, 'ratchet', w, false, false, before, input, shown, 'Not regressed any more.', undefined, before!.onset ?? null));
  }
  // Compatible mode: the aggregator's verdict on the newest set.
  const beforeC = previous.get(w.idCompatible);
  if (cell.compatible === 'regressed' || isOpen(beforeC)) {
    seen.add(w.idCompatible);
    out.push(
      entry(w.idCompatible, 'compatible', w, cell.compatible === 'regressed', false, beforeC, input, undefined, compatibleReason(cell), undefined, undefined),
    );
  }
}

/** Whether an open cell is still significant against its basis in some window (else it is held by its line). */
function strictAgainst(w: Work, s: DisruptionConfig): boolean {
  return !w.hypotheses.some((h) => h.p <= s.fdr && Math.max(h.increase.p75, h.increase.p95) >= s.minIncreaseSeconds);
}

/**
 * The line a new disruption regression freezes: the basis P75 (window or historical), how often basis
 * runs exceed it, and the share of runs since the onset above it (a Wilson lower bound: the share
 * rose to at least this). The onset is the change point of "run above the basis P75".
 */
function openLine(w: Work, input: DisruptionInput): { line: Line; onset: NonNullable<DisruptionRegression['onset']> } {
  const p75 = w.historical ? w.historical.p75 : percentile(w.basis, 75);
  const basisShare = w.historical ? 0.25 : w.basis.filter((x) => x > p75).length / Math.max(1, w.basis.length);
  const runs = [...w.acc.basis, ...w.acc.sample].sort((a, b) => a.time - b.time || cmp(a.buildId, b.buildId));
  const above = Uint8Array.from(runs, (v) => (v.seconds > p75 ? 1 : 0));
  const first = firstFailureFrom(above, changePoint(above));
  const since = first >= 0 ? above.subarray(first) : above.subarray(above.length);
  const { firstBad, lastGood } = payloadsAround(
    runs.map((v) => v.payload),
    first,
  );
  const run = first >= 0 ? runs[first]! : undefined;
  const slots = input.slots;
  return {
    line: {
      basis: {
        start: new Date(slots.basis.start).toISOString(),
        end: new Date(slots.basis.end).toISOString(),
        runs: w.historical ? w.historical.jobRuns : w.basis.length,
        p75,
        shareAbove: round(basisShare, 6),
        historical: w.historical !== null,
      },
      roseTo: round(lowerShare(since), 6),
      frozenAt: input.asOf,
    },
    onset: {
      run: run ? { job: run.job, buildId: run.buildId, url: prowRunUrl(input.bucket, run.path), started: run.started } : null,
      payloadTag: firstBad,
      lastGoodPayloadTag: lastGood,
    },
  };
}

/** Wilson's 95 % lower bound of the share of 1s (0 without runs). */
function lowerShare(above: ArrayLike<number>): number {
  let n = 0;
  let k = 0;
  for (let i = 0; i < above.length; i++) {
    n++;
    k += above[i]!;
  }
  return n ? wilsonInterval(k, n)[0] : 0;
}

/**
 * Whether an open disruption regression has recovered: a scan window that starts after its onset has
 * significantly fewer runs above the frozen basis P75 than halfway between the basis share and the
 * share it rose to (one-sided exact binomial on design-adjusted counts, level α split over windows).
 * The share it rose to only ever goes up to the lower bound of its share since onset seen so far.
 */
function recoveryOf(w: Work, line: Line, input: DisruptionInput): { recovered: boolean; roseTo: number; text: string } {
  const onset = (input.previous?.regressions?.disruption ?? []).find((r) => r.id === w.idRatchet)?.onset;
  const since = onset?.run?.started ? Date.parse(onset.run.started) : NaN;
  const p75 = line.basis.p75;
  let roseTo = line.roseTo;
  if (Number.isFinite(since)) {
    const after = w.acc.sample.filter((v) => v.time >= since).sort((a, b) => a.time - b.time);
    if (after.length > 0) roseTo = Math.max(roseTo, lowerShare(Uint8Array.from(after, (v) => (v.seconds > p75 ? 1 : 0))));
  }
  const halfway = line.basis.shareAbove + (roseTo - line.basis.shareAbove) / 2;
  const windows = input.slots.scan.filter((x) => !Number.isFinite(since) || x.start >= since);
  let best = { p: 2, label: '', share: 0 };
  for (const x of windows) {
    const runs = w.acc.sample.filter((v) => v.time >= x.start && v.time < x.end);
    if (runs.length === 0) continue;
    const above = runs.filter((v) => v.seconds > p75).length;
    const d = designOf(runs, w.rho);
    const n = Math.max(1, Math.round(runs.length / d));
    const k = Math.min(n, Math.round(above / d));
    const p = halfway <= 0 ? 1 : binomialCdf(k, n, Math.min(1, halfway));
    if (p < best.p) best = { p, label: x.label, share: above / runs.length };
  }
  const level = input.recoverAlpha / Math.max(1, windows.length);
  const recovered = best.p <= level;
  const text =
    best.p > 1
      ? `Open against the frozen basis (P75 ${round(p75, 2)} s); no window since its onset has runs to judge it by.`
      : `${recovered ? 'Recovered' : 'Open against the frozen basis, not recovered'}: in the last ${best.label} ${pct(best.share)} of runs above the frozen basis P75 of ${round(p75, 2)} s, against the halfway line ${pct(halfway)} between the basis's ${pct(line.basis.shareAbove)} and ${pct(roseTo)}, exact binomial p = ${fmtP(best.p)} ${recovered ? '≤' : '>'} ${fmtP(level)}.`;
  return { recovered, roseTo, text };
}

function entry(
  id: string,
  mode: RegressionMode,
  w: Work,
  regressed: boolean,
  heldByHysteresis: boolean,
  previous: DisruptionRegression | undefined,
  input: DisruptionInput,
  h: Hypothesis | undefined,
  verdict: string,
  line: Line | undefined,
  onset: DisruptionRegression['onset'] | undefined,
): DisruptionRegression {
  const { cell } = w;
  const lifecycle = regressed ? flagged(previous, input.asOf) : resolved(previous!, input.asOf);
  const basisP95 = cell.basisKind === 'historical' ? cell.historical!.p95 : (cell.basis?.p95 ?? Infinity);
  const labels = input.slots.scan.map((x) => x.label);
  const windowStats = h ? stats(sorted(h.sample.map((v) => v.seconds))) : cell.current;
  return {
    id,
    mode,
    kind: 'disruption',
    ...lifecycle,
    severity: windowStats !== null && windowStats.p50 > basisP95 ? 'extreme' : 'significant',
    heldByHysteresis,
    evidenceAsOf: input.asOf,
    reason: mode === 'ratchet' ? `${ratchetEvidence(cell, h, labels)} ${verdict}` : verdict,
    backend: cell.backend,
    variantKey: cell.variantKey,
    current: cell.current,
    basis: cell.basis,
    historical: cell.basisKind === 'historical' ? cell.historical : null,
    p: mode === 'ratchet' ? (h?.p ?? null) : (cell.test?.p ?? null),
    q: mode === 'ratchet' ? (h && !Number.isNaN(h.q) ? h.q : null) : null,
    failedChecks: cell.checks.filter((k) => k.verdict === 'fail').map((k) => k.name),
    ...(mode === 'ratchet' && h
      ? { window: labels[h.window]!, sample: windowStats, design: { sample: round(h.design.sample, 4), basis: round(h.design.basis, 4) } }
      : {}),
    ...(line ? { line } : {}),
    ...(onset !== undefined && mode === 'ratchet' ? { onset } : {}),
  };
}

function ratchetEvidence(cell: DisruptionCell, h: Hypothesis | undefined, labels: readonly string[]): string {
  if (!h) return 'No window has enough runs to test.';
  const against = cell.basisKind === 'historical' ? 'the historical record' : 'the basis window';
  const test = cell.basisKind === 'historical' ? 'runs above the historical P75 and P95 against their predictive beta-binomial' : 'one-sided Mann–Whitney';
  const design =
    h.design.sample > 1 || h.design.basis > 1 ? ` (clustered runs: design effects ${round(h.design.sample, 2)} and ${round(h.design.basis, 2)})` : '';
  return `In the last ${labels[h.window]}: P75 ${signed(h.increase.p75)} s, P95 ${signed(h.increase.p95)} s against ${against}; ${test}${design} p = ${fmtP(h.p)}${Number.isNaN(h.q) ? '' : `, q = ${fmtP(h.q)}`}.`;
}

function compatibleReason(cell: DisruptionCell): string {
  const set = cell.set ? `${cell.set.payloadTag ? `payload ${cell.set.payloadTag}` : 'the newest runs'} (${cell.set.runs} runs)` : 'no set of runs';
  const failed = cell.checks.filter((k) => k.verdict === 'fail');
  if (failed.length === 0)
    return `Every aggregator check passes on ${set}: ${cell.checks.map((k) => k.name).join(', ') || 'none run'}. Not regressed any more.`;
  return `On ${set}: ${failed.map((k) => `${k.name}: ${k.reason}`).join(' ')}`;
}

function percentileCheck(sample: number[], value: number, grace: number, pct: number): DisruptionCheck {
  const r = disruptionPercentileCheck(sample, value, grace, pct);
  return { name: `P${pct}`, verdict: r.verdict, reason: r.reason, threshold: value };
}

/**
 * One-sided Mann–Whitney p-value of the sample's seconds against the basis's. Independent runs: exact
 * under permutation (ties included) where it matters and is cheap, else the tie-corrected normal
 * approximation. Clustered runs (a design effect above 1 on either side): the normal approximation
 * with each side's share of the variance of U/(n₁n₂) multiplied by its design effect.
 */
export function clusteredMannWhitney(sample: readonly number[], basis: readonly number[], sampleDesign = 1, basisDesign = 1): { u: number; p: number } {
  const approx = mannWhitneyU(sample, basis, { alternative: 'greater' });
  if (sampleDesign <= 1 && basisDesign <= 1) {
    if (approx.p > 0.25) return approx;
    return mannWhitneyExactGreater(sample, basis) ?? approx;
  }
  const n1 = sample.length;
  const n2 = basis.length;
  // Under H0 U/(n₁n₂) − ½ is a difference of two means of uniform scores, each of variance 1/12.
  const variance = sampleDesign / (12 * n1) + basisDesign / (12 * n2);
  const z = (approx.u / (n1 * n2) - 0.5 - 0.5 / (n1 * n2)) / Math.sqrt(variance);
  return { u: approx.u, p: Math.min(1, normalSf(z)) };
}

/** The smallest one-sided Mann–Whitney p-value the pooled values allow: the n₁ largest in the sample. */
function minimumMannWhitneyP(sampleSize: number, pooled: readonly number[]): number {
  const sorted = [...pooled].sort((a, b) => b - a);
  if (sorted[0] === sorted.at(-1)) return 1;
  return mannWhitneyU(sorted.slice(0, sampleSize), sorted.slice(sampleSize), { alternative: 'greater' }).p;
}

/**
 * Runs above a historical percentile P_k: with a record of h runs, the share of runs above it is
 * Beta(h − j + 1, j) (exceedancePrior), so the count of n new runs above it is beta-binomial, not
 * binomial with 1 − k/100. Tested at P75 (the body) and P95 (the tail), Bonferroni-combined; counts
 * are divided by the design effect first.
 */
export function exceedanceP(sample: readonly number[], p75: number, p95: number, historyRuns: number, design = 1): number {
  const n = Math.max(1, Math.round(sample.length / Math.max(1, design)));
  const scaled = (x: number): number => Math.min(n, Math.round(x / Math.max(1, design)));
  let above75 = 0;
  let above95 = 0;
  for (const v of sample) {
    if (v > p75) above75++;
    if (v > p95) above95++;
  }
  const tail = (above: number, k: number): number => {
    if (above === 0) return 1;
    const { a, b } = exceedancePrior(k, Math.max(2, historyRuns));
    return betaBinomialSf(scaled(above) - 1, n, a, b);
  };
  return Math.min(1, 2 * Math.min(tail(above75, 75), tail(above95, 95)));
}

/**
 * How much a cell's seconds cluster by day and by payload: the intra-cluster correlation of normal
 * scores of the basis runs (ranks within the cell, so the heavy tail and the zeros do not matter),
 * one-way ANOVA estimator pooled over cells.
 */
function clusteringOf(cells: readonly CellAcc[]): { day: number; payload: number } {
  const pooled = (key: (v: Value) => string | undefined): number => {
    let num = 0;
    let den = 0;
    for (const c of cells) {
      const values = c.basis;
      if (values.length < 4) continue;
      const scores = normalScores(values.map((v) => v.seconds));
      const groups = new Map<string, number[]>();
      values.forEach((v, i) => {
        const k = key(v);
        if (k !== undefined) getList(groups, k).push(scores[i]!);
      });
      const n = [...groups.values()].reduce((a, g) => a + g.length, 0);
      const k = groups.size;
      if (k < 2 || n - k < 1) continue;
      const mean = [...groups.values()].flat().reduce((a, x) => a + x, 0) / n;
      let ssb = 0;
      let ssw = 0;
      let s2 = 0;
      for (const g of groups.values()) {
        const m = g.reduce((a, x) => a + x, 0) / g.length;
        ssb += g.length * (m - mean) ** 2;
        for (const x of g) ssw += (x - m) ** 2;
        s2 += g.length * g.length;
      }
      const msb = ssb / (k - 1);
      const msw = ssw / (n - k);
      const n0 = (n - s2 / n) / (k - 1);
      num += (msb - msw) * (k - 1);
      den += (msb + (n0 - 1) * msw) * (k - 1);
    }
    return den > 0 ? Math.min(0.95, Math.max(0, num / den)) : 0;
  };
  return { day: pooled((v) => String(v.day)), payload: pooled((v) => v.payload) };
}

/** Normal scores of values: mid-ranks → (r − ½)/n → Φ⁻¹. Ties share a score. */
function normalScores(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i + 1;
    while (j < order.length && order[j]!.v === order[i]!.v) j++;
    const rank = (i + 1 + j) / 2;
    const score = normalQuantile((rank - 0.5) / values.length);
    for (let k = i; k < j; k++) out[order[k]!.i] = score;
    i = j;
  }
  return out;
}

/** The design effect of runs under the pooled intra-cluster correlations, by day and by payload. */
function designOf(values: readonly Value[], rho: { day: number; payload: number }): number {
  if (values.length === 0) return 1;
  return Math.max(
    designEffect(
      meanCluster(values, (v) => String(v.day)),
      rho.day,
    ),
    designEffect(
      meanCluster(values, (v) => v.payload),
      rho.payload,
    ),
  );
}

/** Σm²/Σm over the clusters `key` gives; values without a key are clusters of one. */
function meanCluster(values: readonly Value[], key: (v: Value) => string | undefined): number {
  const counts = new Map<string, number>();
  let single = 0;
  for (const v of values) {
    const k = key(v);
    if (k === undefined) single++;
    else counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  let s2 = single;
  for (const m of counts.values()) s2 += m * m;
  return s2 / values.length;
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

function getList<K, V>(map: Map<K, V[]>, key: K): V[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}

function signed(x: number): string {
  const r = Math.round(x * 100) / 100;
  return r >= 0 ? `+${r}` : String(r);
}

function pct(rate: number): string {
  return `${(rate * 100).toFixed(1)} %`;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
