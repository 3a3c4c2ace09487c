/**
 * Test (and job) regression verdicts on cells of counts, in two modes. Pure: counts in, verdicts out;
 * regression-lists.ts builds the cells from the test log and the simulation drives it through
 * analyze(), so both exercise exactly this code. The rules, with formulas and measured error rates,
 * are in docs/statistics.md, "Test regressions".
 *
 * Ratchet mode, in one paragraph: every cell is tested in every scan window (6 h … 7 days, all ending
 * at as-of) against its basis (Fisher; with clustered runs the predictive beta-binomial test, dispersion.ts); all
 * hypotheses of cells not already open form one family under the discrete Benjamini–Hochberg procedure,
 * each window weighted by its length. A cell flagged in any window opens a regression whose basis is
 * frozen (its "ratchet line"); from then on it is judged against that frozen basis, outside the family
 * of new verdicts, and stays open until a window that starts after its onset shows its working rate
 * significantly above the halfway line between the frozen basis and the rate it fell to.
 */
import type { RegressionsConfig } from '../config/config-schema.ts';
import type { RegressionSeverity } from '../snapshot/schema.ts';
import { clusteredRate, effectiveCounts, predictiveGrid, predictiveMixture, type RateGrid } from './dispersion.ts';
import {
  benjaminiHochberg,
  betaBinomialCdf,
  betaBinomialMixtureUpperSupport,
  binomialMixtureUpperSupport,
  binomialCdf,
  binomialCdfSupport,
  discreteBenjaminiHochberg,
  fisherGreater,
  fisherGreaterSupport,
  newcombeInterval,
  wilsonInterval,
} from './stats/index.ts';

/** The rule settings (the config's `regressions` section without its window and listing options). */
export type RegressionRules = Pick<RegressionsConfig, 'minFailures' | 'extremeDrop' | 'newTestPassRate' | 'newTestMinRuns' | 'compatible' | 'ratchet'>;

export interface CellSide {
  runs: number;
  /** Runs that count as working: passes, plus flakes unless flakes count as failures. */
  working: number;
}

/** A side of a hypothesis with the design effect its clustering gives it (1: independent runs). */
export interface JudgedSide extends CellSide {
  design: number;
  /**
   * Relative variance of the window's failure rate from its clusters (cv²·m̄/n, dispersion.ts); when
   * above 0 a scan window is judged by the predictive beta-binomial test instead of Fisher's.
   */
  tailCv2?: number;
  /**
   * How many times their usual rate the window's runs are expected to fail, on average, because their job's day is
   * elevated and not yet judged (bad-days.ts); above 1 the window is judged by the predictive test at that rate.
   */
  elevation?: number;
}

/** What an open regression carries from snapshot to snapshot: the basis it was found against, frozen. */
export interface RatchetLine {
  basis: JudgedSide;
  /**
   * The working rate it fell to, at most: the smallest upper confidence bound (Wilson, 95 %) of the
   * cell's rate since its onset seen so far. An upper bound, so that a noisy early estimate never
   * puts the recovery line below a regression's true rate.
   */
  fellTo: number;
  /**
   * How many scan windows (shortest first) start at or after the onset: only those can show a
   * recovery, since a longer one mixes in the runs from before the regression. Default: all.
   */
  recentWindows?: number;
  /** A new test's line: the required working rate (a fraction) stands for the basis it never had. */
  required?: number;
}

export interface RegressionCell {
  /** The sample in each scan window, shortest first. */
  windows: JudgedSide[];
  /** The basis window; runs = 0 when it never ran the test here (the new-test rule applies). */
  basis: JudgedSide;
  /** Runs of the longest window that failed outright; sippy's new-test rule counts these, never flakes. */
  sampleHardFailures: number;
  /** Open in ratchet mode in the previous snapshot: judged against this frozen line instead of `basis`. */
  line?: RatchetLine;
  /** Open in compatible mode in the previous snapshot: sippy's looser thresholds apply. */
  openCompatible: boolean;
  /** false for cells only ratchet mode judges (its extra test × job cells); default true. */
  compatible?: boolean;
  /**
   * Ratchet mode, a cell whose regression resolved recently: only this many scan windows (shortest first, those
   * that start after the resolution) may flag it anew. The longer ones still hold the runs it was flagged for and
   * would open it again on old evidence, hours after it recovered. Default: all.
   */
  freshWindows?: number;
}

export interface Verdict {
  regressed: boolean;
  rule: 'drop' | 'new-test';
  severity: RegressionSeverity;
  /** One-sided p-value (Fisher or, with clustered runs, predictive beta-binomial for a drop; exact binomial for a new test in ratchet mode); null when no test ran. */
  p: number | null;
  /** Discrete Benjamini–Hochberg q-value (ratchet mode); null in compatible mode or outside the family. */
  q: number | null;
  /** Basis (or required) working rate minus sample working rate, in points. */
  drop: number;
  /** 95 % interval of the drop in points: Newcombe's for two rates, Wilson's against a required rate. */
  dropInterval: [number, number];
  /** Ratchet mode: open only by the ratchet line (not significant now, not recovered either). */
  heldByHysteresis: boolean;
  reason: string;
  /** The scan window the numbers come from ('current' in compatible mode). */
  window: string;
  /** The counts the numbers come from, with their design effects. */
  counts: { sample: JudgedSide; basis: JudgedSide };
  /** Ratchet mode, regressed: the line it is (now) judged against. */
  line?: RatchetLine;
}

interface CellVerdicts {
  ratchet?: Verdict;
  compatible?: Verdict;
}

export interface Evaluation {
  /** Per input cell, in input order: verdicts for cells regressed or open in a mode; undefined elsewhere. */
  verdicts: Array<CellVerdicts | undefined>;
  /** Hypotheses in the Benjamini–Hochberg family (m): up to one per scan window of each cell. */
  tested: number;
}

/**
 * The smallest drop, in points, worth flagging against a basis that works `basisWorking` of
 * `basisRuns` times: `minDrop`, except for tests that almost never failed, where a drop that at
 * least triples the failure rate counts (twice the basis failure rate, in points), but never less
 * than `stableMinDrop`.
 */
export function dropFloor(basisWorking: number, basisRuns: number, minDrop: number, stableMinDrop: number): number {
  if (basisRuns === 0) return minDrop;
  return Math.min(minDrop, Math.max(stableMinDrop, 2 * (1 - basisWorking / basisRuns) * 100));
}

/**
 * The smallest p-value a drop cell could reach with its margins (sample runs, basis runs, total
 * failures) fixed: every failure in the sample. 1 when even that split could not be flagged (fewer
 * than `minFailures` failures, or a drop under the floor of `dropFloor`).
 */
export function minimumFisherP(sampleRuns: number, basisRuns: number, totalFailures: number, minFailures = 0, minDrop = 0, stableMinDrop = minDrop): number {
  if (totalFailures === 0) return 1;
  const a = Math.min(sampleRuns, totalFailures);
  if (a < minFailures) return 1;
  const basisWorking = basisRuns - totalFailures + a;
  if (dropPoints(sampleRuns - a, sampleRuns, basisWorking, basisRuns) < dropFloor(basisWorking, basisRuns, minDrop, stableMinDrop)) return 1;
  return fisherGreater(a, sampleRuns - a, totalFailures - a, basisRuns - totalFailures + a);
}

export interface EvaluateOptions {
  /** How the reasons name the rate ("Working rate" for tests, "Pass rate" for jobs). */
  rateLabel?: string;
  /** Names of the scan windows, shortest first ("6h", …); default w0, w1, … */
  windowLabels?: readonly string[];
  /**
   * Relative weights of the scan windows in the family (default equal). A short window sees fresh runs
   * at every snapshot and so gets many more independent looks a week than a long one; weights in
   * proportion to the window's length give every window the same share of false alarms a week.
   */
  windowWeights?: readonly number[];
  /**
   * The multiple-testing procedure of ratchet mode: the discrete Benjamini–Hochberg procedure
   * (default), or plain Benjamini–Hochberg over the same family, kept so the simulation can show
   * what the discrete one buys.
   */
  procedure?: 'discrete' | 'bh';
}

/** One hypothesis of the family: cell i's sample in window k against its basis (or frozen line). */
interface Hypothesis {
  cell: number;
  window: number;
  sample: JudgedSide;
  basis: JudgedSide;
  /** Effective (design-adjusted) counts the exact test uses. */
  es: { runs: number; failures: number };
  eb: { runs: number; failures: number };
  p: number;
  /** The p-value the procedure sees (1 when the effective counts fail the rules), and its support. */
  procedureP: number;
  support?: Float64Array;
  /** The smallest p′ its margins allow (Tarone): a candidate whose minimum cannot pass its weighted bar is no member. */
  minP: number;
  /** A hypothesis of a cell not already open: it may join the family of new verdicts. */
  candidate: boolean;
  /** Computes the support and p′, for members only. */
  settle: () => void;
  member: boolean;
  q: number;
  newTest: boolean;
  /** Judged by the predictive beta-binomial test (clustered runs): es holds the raw sample counts. */
  predictive?: { cv2: number; elevation: number };
}

export function evaluateCells(cells: readonly RegressionCell[], rules: RegressionRules, options: EvaluateOptions = {}): Evaluation {
  const hypotheses: Hypothesis[] = [];
  const byCell: Hypothesis[][] = cells.map(() => []);
  cells.forEach((c, i) => {
    for (const h of hypothesesOf(c, i, rules)) {
      hypotheses.push(h);
      byCell[i]!.push(h);
    }
  });
  // Every hypothesis of the report is one member of a single family, so the false discovery rate is
  // controlled across the whole report (see docs/statistics.md for the membership rule). Membership
  // depends on the margins alone: a candidate is a member when its smallest attainable p′ could pass
  // q times its window's weight (relative to the candidates' mean weight), the most any rejection allows.
  const rawWeight = (h: Hypothesis): number => options.windowWeights?.[h.window] ?? 1;
  const candidates = hypotheses.filter((h) => h.candidate);
  const candidateMean = candidates.reduce((a, h) => a + rawWeight(h), 0) / Math.max(1, candidates.length);
  for (const h of candidates) {
    h.member = h.minP <= Math.min(1, (rules.ratchet.fdr * rawWeight(h)) / candidateMean);
    if (h.member) h.settle();
  }
  const members = hypotheses.filter((h) => h.member);
  const discrete = (options.procedure ?? 'discrete') === 'discrete';
  const raw = members.map(rawWeight);
  const mean = raw.reduce((a, b) => a + b, 0) / Math.max(1, raw.length);
  const weights = raw.map((x) => x / mean);
  const adjusted = discrete
    ? discreteBenjaminiHochberg(
        members.map((h) => h.procedureP),
        members.map((h) => h.support),
        weights,
      )
    : benjaminiHochberg(members.map((h, j) => Math.min(1, h.procedureP / weights[j]!)));
  members.forEach((h, j) => {
    // A member whose counts fail the rules has p′ = 1 and so q = 1: it shows no q-value.
    if (!discrete || h.procedureP < 1) h.q = adjusted[j]!;
  });

  const labels = (k: number): string => options.windowLabels?.[k] ?? `w${k}`;
  const label = options.rateLabel ?? 'Working rate';
  const verdicts: Array<CellVerdicts | undefined> = new Array(cells.length);
  cells.forEach((c, i) => {
    const longest = c.windows[c.windows.length - 1];
    if (!longest || longest.runs === 0) return;
    const ratchet = ratchetVerdict(c, byCell[i]!, rules, label, labels);
    const compatible = c.compatible === false ? undefined : compatibleVerdict(c, rules, label);
    if (ratchet || compatible) verdicts[i] = { ...(ratchet ? { ratchet } : {}), ...(compatible ? { compatible } : {}) };
  });
  return { verdicts, tested: members.length };
}

/** Basis rate − sample rate in points, rounded as reported (the rules compare the reported value). */
export function dropPoints(sampleWorking: number, sampleRuns: number, basisWorking: number, basisRuns: number): number {
  return round((basisWorking / basisRuns - sampleWorking / sampleRuns) * 100, 4);
}

function failuresOf(side: CellSide): number {
  return side.runs - side.working;
}

/**
 * The cell's hypotheses: one per scan window with runs, against the frozen line when open, else the
 * basis; a window holding exactly the runs of the next longer one repeats it and is skipped. Without
 * a basis, the new-test rule on the longest window.
 */
function hypothesesOf(c: RegressionCell, cell: number, rules: RegressionRules): Hypothesis[] {
  const r = rules.ratchet;
  const basis = c.line?.basis ?? c.basis;
  const required = c.line?.required ?? rules.newTestPassRate / 100;
  const out: Hypothesis[] = [];
  // Only the windows that may flag the cell count, also as the "next longer" one a window would repeat.
  const K = !c.line && c.freshWindows !== undefined ? Math.min(c.windows.length, c.freshWindows) : c.windows.length;
  for (let k = 0; k < K; k++) {
    const sample = c.windows[k]!;
    if (sample.runs === 0 || (k + 1 < K && c.windows[k + 1]!.runs === sample.runs)) continue;
    const es = effectiveCounts(sample.runs, failuresOf(sample), sample.design);
    const minFailures = Math.max(1, Math.round(rules.minFailures / sample.design));
    if (basis.runs > 0 && c.line?.required === undefined && ((sample.tailCv2 ?? 0) > 0 || (sample.elevation ?? 1) > 1)) {
      out.push(predictiveHypothesis(c, cell, k, sample, basis, rules));
    } else if (basis.runs > 0 && c.line?.required === undefined) {
      const eb = effectiveCounts(basis.runs, failuresOf(basis), basis.design);
      const total = es.failures + eb.failures;
      const h: Hypothesis = {
        cell,
        window: k,
        sample,
        basis,
        es,
        eb,
        p: fisherGreater(es.failures, es.runs - es.failures, eb.failures, eb.runs - eb.failures),
        procedureP: NaN,
        // An open regression is judged by its line, not the family: the family is of new verdicts.
        candidate: !c.line,
        minP: minimumFisherP(es.runs, eb.runs, total, minFailures, r.minDrop, r.stableMinDrop),
        settle: () => {
          // The support: splits of the failures from the largest possible down to the last that passes the rules.
          const hi = Math.min(es.runs, total);
          const passes = (a: number): boolean => {
            const bw = eb.runs - total + a;
            return dropPoints(es.runs - a, es.runs, bw, eb.runs) >= dropFloor(bw, eb.runs, r.minDrop, r.stableMinDrop);
          };
          let from = hi;
          while (from - 1 >= Math.max(minFailures, total - eb.runs, 0) && passes(from - 1)) from--;
          h.support = fisherGreaterSupport(es.runs, eb.runs, total, from);
          h.procedureP = es.failures >= from ? h.support[hi - es.failures]! : 1;
        },
        member: false,
        q: NaN,
        newTest: false,
      };
      out.push(h);
    } else if (k === K - 1 && (c.line?.required !== undefined || (basis.runs === 0 && rules.newTestPassRate > 0 && sample.runs >= rules.newTestMinRuns))) {
      // New test. H0: it works at least `required` of the time; small p = fewer working runs than that allows.
      const working = es.runs - es.failures;
      let upTo = es.runs - minFailures;
      while (upTo >= 0 && round(required * 100 - (upTo / es.runs) * 100, 4) < r.minDrop) upTo--;
      const h: Hypothesis = {
        cell,
        window: k,
        sample,
        basis: { runs: 0, working: 0, design: 1 },
        es,
        eb: { runs: 0, failures: 0 },
        p: binomialCdf(working, es.runs, required),
        procedureP: NaN,
        candidate: !c.line,
        minP: upTo >= 0 ? binomialCdf(0, es.runs, required) : 1,
        settle: () => {
          h.support = binomialCdfSupport(es.runs, required, upTo);
          h.procedureP = working <= upTo ? h.support[working]! : 1;
        },
        member: false,
        q: NaN,
        newTest: true,
      };
      out.push(h);
    }
  }
  return out;
}

/** predictiveTails by their arguments, and the grids they come from; both cleared once they hold MEMO_DOUBLES numbers. */
const tailsMemo = new Map<string, Float64Array>();
const gridMemo = new Map<string, RateGrid | null>();
const MEMO_DOUBLES = 4_000_000;
let memoDoubles = 0;

function remember<T>(memo: Map<string, T>, key: string, value: T, doubles: number): T {
  if (memoDoubles + doubles > MEMO_DOUBLES) {
    tailsMemo.clear();
    gridMemo.clear();
    memoDoubles = 0;
  }
  memo.set(key, value);
  memoDoubles += doubles;
  return value;
}

/**
 * P(X ≥ x) for x = n … lowest under the predictive distribution of a window of n clustered runs against a
 * (design-adjusted) basis: the gamma-mixed grid where the window's cluster effect is wide, else Betas
 * (predictiveGrid, predictiveMixture: dispersion.ts). One grid serves every `lowest`, so a window's p-value, its
 * support and its smallest attainable p agree. Remembered: the cells of a report share bases (most never failed)
 * and windows (the runs of a job), and a grid costs hundreds of binomials. Callers only read the arrays.
 */
function predictiveTails(eb: { failures: number; runs: number }, cv2: number, elevation: number, n: number, lowest: number): Float64Array {
  const gridKey = `${eb.failures} ${eb.runs} ${cv2} ${elevation} ${n}`;
  const key = `${gridKey} ${lowest}`;
  const known = tailsMemo.get(key);
  if (known) return known;
  let grid = gridMemo.get(gridKey);
  if (grid === undefined) {
    grid = predictiveGrid(eb.failures, eb.runs, cv2, elevation, n) ?? null;
    remember(gridMemo, gridKey, grid, grid ? 2 * grid.rates.length : 1);
  }
  const tails = grid
    ? binomialMixtureUpperSupport(n, grid.rates, grid.weights, lowest)
    : betaBinomialMixtureUpperSupport(n, predictiveMixture(eb.failures, eb.runs, cv2, elevation), lowest);
  return remember(tailsMemo, key, tails, tails.length);
}

/**
 * A scan window of clustered runs against its basis: p = P(X ≥ f) for the window's f failures of n, X binomial with
 * a random rate: the basis's rate with its uncertainty, times the window's shared cluster effects (predictiveTails,
 * and predictiveGrid in dispersion.ts). Raw counts: the clustering is in the distribution,
 * not in shrunken counts. Its support: the tails from n failures down to the fewest that pass the rules.
 */
function predictiveHypothesis(c: RegressionCell, cell: number, k: number, sample: JudgedSide, basis: JudgedSide, rules: RegressionRules): Hypothesis {
  const r = rules.ratchet;
  const n = sample.runs;
  const f = failuresOf(sample);
  const eb = effectiveCounts(basis.runs, failuresOf(basis), basis.design);
  const cv2 = sample.tailCv2 ?? 0;
  const elevation = sample.elevation ?? 1;
  const upperTails = (lowest: number): Float64Array => predictiveTails(eb, cv2, elevation, n, lowest);
  const passes = (x: number): boolean => dropPoints(n - x, n, basis.working, basis.runs) >= dropFloor(basis.working, basis.runs, r.minDrop, r.stableMinDrop);
  let from = n + 1;
  while (from - 1 >= Math.max(rules.minFailures, 1) && passes(from - 1)) from--;
  // Tails P(X ≥ x) from n down: to f for the p shown, and for members to the fewest failures that pass the rules.
  // Only as far as needed: most cells have no failure, and the Tarone bound needs P(X = n) alone.
  const tails = f > 0 ? upperTails(f) : undefined;
  const h: Hypothesis = {
    cell,
    window: k,
    sample,
    basis,
    es: { runs: n, failures: f },
    eb,
    p: tails ? tails[n - f]! : 1,
    procedureP: NaN,
    candidate: !c.line,
    minP: from <= n ? (tails?.[0] ?? upperTails(n)[0]!) : 1,
    settle: () => {
      h.support = tails && f <= from ? tails.subarray(0, n - from + 1) : upperTails(from);
      h.procedureP = f >= from ? h.support[n - f]! : 1;
    },
    member: false,
    q: NaN,
    newTest: false,
    predictive: { cv2, elevation },
  };
  return h;
}

interface WindowCheck {
  h: Hypothesis;
  effect: Effect;
  inFamily: boolean;
  floor: number;
  strict: boolean;
}

function ratchetVerdict(
  c: RegressionCell,
  hypotheses: readonly Hypothesis[],
  rules: RegressionRules,
  label: string,
  windowLabel: (k: number) => string,
): Verdict | undefined {
  const r = rules.ratchet;
  const checks: WindowCheck[] = [];
  for (const h of hypotheses) {
    const effect = dropOf(h.sample, h.newTest ? undefined : h.basis, rules, label);
    if (!effect) continue;
    const inFamily = !Number.isNaN(h.q);
    const floor = h.newTest ? r.minDrop : dropFloor(h.basis.working, h.basis.runs, r.minDrop, r.stableMinDrop);
    const strict = inFamily && h.q <= r.fdr && failuresOf(h.sample) >= rules.minFailures && effect.drop >= floor;
    checks.push({ h, effect, inFamily, floor, strict });
  }
  const strictOnes = checks.filter((x) => x.strict).sort((a, b) => a.h.q - b.h.q || a.h.p - b.h.p || b.h.window - a.h.window);
  if (!c.line && strictOnes.length === 0) return undefined;
  const recovery = c.line ? recoveryOf(c, c.line, r.recoverAlpha) : undefined;
  const regressed = recovery ? !recovery.recovered : true;
  // The window the entry shows: for a new regression the strongest one; for an open regression the
  // window closest to showing recovery, else the smallest p against its line.
  const byP = checks.filter((x) => !x.h.newTest || c.line?.required !== undefined).sort((a, b) => a.h.p - b.h.p || b.h.window - a.h.window)[0];
  const chosen = strictOnes[0] ?? checks.find((x) => x.h.window === recovery?.window) ?? byP;
  if (!chosen) {
    // Open, but no window has runs against its line: say so with the longest window's counts.
    return c.line ? noEvidence(c, c.line, rules, label) : undefined;
  }
  const { h, effect, inFamily, floor } = chosen;
  const test = h.newTest ? `exact binomial against ${rules.newTestPassRate} %` : h.predictive ? 'predictive beta-binomial' : 'one-sided Fisher';
  const design = designText(h);
  const stats = inFamily
    ? `${test}${design} p = ${fmtP(h.p)}, discrete Benjamini–Hochberg q = ${fmtP(h.q)}`
    : h.member
      ? `${test}${design} p = ${fmtP(h.p)}; no q-value: fewer than ${rules.minFailures} failures or a drop under ${fmtPoints(floor)} points is never flagged`
      : `${test}${design} p = ${fmtP(h.p)}; no q-value: these counts could not reach significance in the report's family`;
  const line: RatchetLine | undefined =
    c.line ??
    (h.newTest
      ? { basis: h.basis, fellTo: h.sample.working / h.sample.runs, required: rules.newTestPassRate / 100 }
      : { basis: h.basis, fellTo: h.sample.working / h.sample.runs });
  let why: string;
  if (!regressed) why = `Recovered: ${recovery!.text}.`;
  else if (!c.line) why = `q ≤ ${r.fdr}, at least ${rules.minFailures} failures and a drop of at least ${fmtPoints(floor)} points: regressed.`;
  else why = `Open, judged against the basis frozen when it opened; not recovered: ${recovery!.text}.`;
  return {
    regressed,
    rule: effect.rule,
    severity: effect.extreme ? 'extreme' : 'significant',
    p: h.p,
    q: inFamily ? h.q : null,
    drop: effect.drop,
    dropInterval: effect.interval,
    heldByHysteresis: regressed && c.line !== undefined && !(h.p <= r.fdr),
    reason: `${capitalise(windowName(windowLabel(h.window)))}: ${effect.text}; ${stats}. ${why}`,
    window: windowLabel(h.window),
    counts: { sample: h.sample, basis: h.basis },
    ...(regressed && line ? { line } : {}),
  };
}

/**
 * Whether an open regression has recovered: some window that starts after its onset has a working
 * rate significantly above the halfway line between the frozen basis rate b and the rate it fell to
 * (level α split over the windows tested), or the longest such window, holding enough runs to have shown
 * the regression, works at least as often as the basis did. A regression that is never fixed stays below
 * the line and stays open; a fixed one, or a false alarm, rises above it. Both rules ask how likely so
 * few failures are at a given failure rate: exact binomial for independent runs; for clustered runs the
 * same beta-binomial the predictive test uses (the rate times the window's mean cluster effect), since a
 * run of good days is what clustering makes likely, and a design effect at one rate cannot say how likely.
 */
function recoveryOf(c: RegressionCell, line: RatchetLine, alpha: number): { recovered: boolean; window: number; text: string } {
  const b = line.required ?? line.basis.working / line.basis.runs;
  const halfway = b - (b - line.fellTo) / 2;
  const eligible = Math.min(c.windows.length, line.recentWindows ?? c.windows.length);
  const tested = c.windows
    .slice(0, eligible)
    .map((w, k) => ({ w, k }))
    .filter(({ w, k }) => w.runs > 0 && !(k + 1 < eligible && c.windows[k + 1]!.runs === w.runs));
  let best = { p: 2, k: -1, rate: 0 };
  for (const { w, k } of tested) {
    const p = halfway <= 0 ? 0 : fewFailures(failuresOf(w), w.runs, 1 - halfway, w.tailCv2 ?? 0);
    if (p < best.p) best = { p, k, rate: w.working / w.runs };
  }
  const level = alpha / Math.max(1, tested.length);
  const test = (w: JudgedSide | undefined): string => ((w?.tailCv2 ?? 0) > 0 ? 'beta-binomial (clustered runs)' : 'exact binomial');
  if (best.k >= 0 && best.p <= level) {
    return {
      recovered: true,
      window: best.k,
      text: `working rate ${pct(best.rate)} against the halfway line ${pct(halfway)} between the frozen basis ${pct(b)} and ${pct(line.fellTo)}, ${test(c.windows[best.k])} p = ${fmtP(best.p)} ≤ ${fmtP(level)}`,
    };
  }
  // Back at the basis: the longest window since the onset works at least as often as the frozen basis did,
  // and a regression still at its level would have shown more failures there: so few would be as unlikely
  // as no failure at all in 6 / (1 − r) independent runs (where about six were expected). A drop of a few
  // points (the halfway line close to the basis) needs more runs than a week holds to clear the line with
  // significance; this lets it resolve once it is simply back, and so does a chance alarm on a test whose
  // real rate lies between the line and its basis. With clustered runs a few good days in a row are
  // likely, so the same evidence takes more runs.
  const longest = tested.at(-1);
  // A line that fell to 0 (a version 1 entry) would make any run enough: keep the six-run minimum.
  const fellTo = Math.max(line.fellTo, 1e-6);
  const regressedFailing = 1 - fellTo;
  if (longest && regressedFailing > 0 && longest.w.working / longest.w.runs >= b) {
    const enough = fellTo ** (6 / regressedFailing);
    const p = fewFailures(failuresOf(longest.w), longest.w.runs, regressedFailing, longest.w.tailCv2 ?? 0);
    if (p <= enough) {
      return {
        recovered: true,
        window: longest.k,
        text: `working rate ${pct(longest.w.working / longest.w.runs)} over ${longest.w.runs} runs, back at the frozen basis ${pct(b)}; as few failures at ${pct(line.fellTo)}: ${test(longest.w)} p = ${fmtP(p)} ≤ ${fmtP(enough)}`,
      };
    }
  }
  const text =
    best.k < 0
      ? 'no window since its onset has runs to judge it by'
      : `working rate ${pct(best.rate)} against the halfway line ${pct(halfway)} between the frozen basis ${pct(b)} and ${pct(line.fellTo)}, ${test(c.windows[best.k])} p = ${fmtP(best.p)} > ${fmtP(level)}`;
  return { recovered: false, window: best.k, text };
}

/**
 * P(at most f failures in n runs) when the cell fails at `failing`: binomial for independent runs, beta-binomial
 * when the window's runs share cluster effects of relative variance `windowCv2` (clusteredRate, dispersion.ts).
 */
function fewFailures(f: number, n: number, failing: number, windowCv2: number): number {
  if (failing >= 1) return f >= n ? 1 : 0;
  // A relative variance this small is independent runs in all but rounding (and a Beta of that size loses precision).
  if (!(failing > 0) || !(windowCv2 > 1e-9)) return binomialCdf(f, n, Math.max(0, failing));
  const { a, b } = clusteredRate(failing, windowCv2);
  return betaBinomialCdf(f, n, a, b);
}

function noEvidence(c: RegressionCell, line: RatchetLine, rules: RegressionRules, label: string): Verdict {
  const sample = c.windows[c.windows.length - 1]!;
  const effect = dropOf(sample, line.basis, rules, label)!;
  return {
    regressed: true,
    rule: 'drop',
    severity: effect.extreme ? 'extreme' : 'significant',
    p: null,
    q: null,
    drop: effect.drop,
    dropInterval: effect.interval,
    heldByHysteresis: true,
    reason: `${effect.text}. Open against the basis frozen when it opened; no window has runs to test.`,
    window: 'current',
    counts: { sample, basis: line.basis },
    line,
  };
}

function designText(h: Hypothesis): string {
  if (h.predictive) {
    const elevated = h.predictive.elevation > 1 ? `, times ${round(h.predictive.elevation, 2)} for its runs on days their job failed more than usual` : '';
    return ` (clustered runs: ${h.es.failures}/${h.es.runs} against a basis of ${h.eb.failures}/${h.eb.runs} after its design effect ${fmtDesign(h.basis.design)}, the window's failure rate varying by a relative variance of ${round(h.predictive.cv2, 3)}${elevated})`;
  }
  if (h.sample.design <= 1 && h.basis.design <= 1) return '';
  return ` (clustered runs: design effects ${fmtDesign(h.sample.design)} and ${fmtDesign(h.basis.design)}, so counts of ${h.es.failures}/${h.es.runs} against ${h.eb.failures}/${h.eb.runs})`;
}

function fmtDesign(d: number): string {
  return String(round(d, 2));
}

function windowName(label: string): string {
  return label === 'current' ? 'the current window' : `the last ${label}`;
}

function compatibleVerdict(c: RegressionCell, rules: RegressionRules, label: string): Verdict | undefined {
  const k = rules.compatible;
  const sample = c.windows[c.windows.length - 1]!;
  const confidence = c.openCompatible ? k.openConfidence : k.confidence;
  const pity = c.openCompatible ? k.openPityFactor : k.pityFactor;
  const sampleRate = sample.working / sample.runs;
  let regressed = false;
  let strictRegressed = false;
  let p: number | null = null;
  let why: string;
  if (c.basis.runs > 0) {
    const failures = sample.runs - sample.working;
    const basisRate = c.basis.working / c.basis.runs;
    const decide = (conf: number, pityFactor: number): { regressed: boolean; p: number | null; why: string } => {
      if (rules.minFailures !== 0 && failures < rules.minFailures) return { regressed: false, p: null, why: `fewer than ${rules.minFailures} sample failures` };
      if (sampleRate >= basisRate) return { regressed: false, p: null, why: 'the sample works at least as often as the basis' };
      if (!(basisRate - sampleRate > pityFactor / 100)) return { regressed: false, p: null, why: `the drop is within the pity factor of ${pityFactor} points` };
      const pv = fisherGreater(failures, sample.working, c.basis.runs - c.basis.working, c.basis.working);
      const ok = pv < 1 - conf / 100;
      return {
        regressed: ok,
        p: pv,
        why: ok
          ? `regressed: p < ${round(1 - conf / 100, 4)} (confidence ${conf}) with a drop above ${pityFactor} points`
          : `not significant: p ≥ ${round(1 - conf / 100, 4)} (confidence ${conf})`,
      };
    };
    const result = decide(confidence, pity);
    regressed = result.regressed;
    p = result.p;
    why = result.why;
    strictRegressed = c.openCompatible ? decide(k.confidence, k.pityFactor).regressed : regressed;
  } else {
    const required = rules.newTestPassRate;
    if (required === 0) return undefined;
    const enoughRuns = sample.runs >= rules.newTestMinRuns;
    regressed = enoughRuns && sampleRate * 100 < required && c.sampleHardFailures >= rules.minFailures;
    strictRegressed = regressed;
    why = regressed
      ? `regressed: a new test below the required ${required} % with at least ${rules.minFailures} failures`
      : !enoughRuns
        ? `fewer than ${rules.newTestMinRuns} sample runs`
        : sampleRate * 100 >= required
          ? `at or above the required ${required} %`
          : `fewer than ${rules.minFailures} failures`;
  }
  if (!regressed && !c.openCompatible) return undefined;
  const effect = dropOf(sample, c.basis.runs > 0 ? c.basis : undefined, rules, label)!;
  // sippy's severity: a drop above 15 points, or a new test below required − (100 − required).
  const extreme = effect.rule === 'drop' ? effect.drop > rules.extremeDrop : sampleRate * 100 < rules.newTestPassRate - (100 - rules.newTestPassRate);
  const prefix =
    c.openCompatible && regressed && !strictRegressed
      ? 'Already open, so confidence and pity are relaxed: '
      : c.openCompatible && !regressed
        ? 'Not regressed any more: '
        : '';
  return {
    regressed,
    rule: effect.rule,
    severity: extreme ? 'extreme' : 'significant',
    p,
    q: null,
    drop: effect.drop,
    dropInterval: effect.interval,
    heldByHysteresis: regressed && !strictRegressed,
    reason: `${effect.text}${p === null ? '' : `; one-sided Fisher p = ${fmtP(p)}`}. ${prefix}${prefix ? why : capitalise(why)}.`,
    window: 'current',
    counts: { sample, basis: c.basis },
  };
}

interface Effect {
  rule: 'drop' | 'new-test';
  drop: number;
  interval: [number, number];
  extreme: boolean;
  text: string;
}

/** The effect of one hypothesis: a drop against the basis, or a new test against the required rate. */
function dropOf(s: CellSide, basis: CellSide | undefined, rules: RegressionRules, label: string): Effect | undefined {
  const sampleRate = s.working / s.runs;
  if (basis && basis.runs > 0) {
    const b = basis;
    const basisRate = b.working / b.runs;
    const [lo, hi] = newcombeInterval(b.working, b.runs, s.working, s.runs);
    const drop = dropPoints(s.working, s.runs, b.working, b.runs);
    return {
      rule: 'drop',
      drop,
      interval: [round(lo * 100, 4), round(hi * 100, 4)],
      extreme: drop > rules.extremeDrop,
      text: `${label.toLowerCase()} ${pct(basisRate)} (${b.working} of ${b.runs} basis runs) → ${pct(sampleRate)} (${s.working} of ${s.runs} sample runs)`,
    };
  }
  if (rules.newTestPassRate === 0) return undefined;
  const required = rules.newTestPassRate;
  const [lo, hi] = wilsonInterval(s.working, s.runs);
  return {
    rule: 'new-test',
    drop: round(required - sampleRate * 100, 4),
    interval: [round(required - hi * 100, 4), round(required - lo * 100, 4)],
    extreme: sampleRate * 100 < required - (100 - required),
    text: `new test (no basis runs): ${label.toLowerCase()} ${pct(sampleRate)} (${s.working} of ${s.runs} sample runs), ${required} % required`,
  };
}

function fmtPoints(points: number): string {
  return String(round(points, 2));
}

export function fmtP(p: number): string {
  if (p === 0) return '0';
  if (p >= 0.001) return String(round(p, 4));
  return p.toExponential(1);
}

function pct(rate: number): string {
  return `${(rate * 100).toFixed(1)} %`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
