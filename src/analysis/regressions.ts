/**
 * Test (and job) regression verdicts on cells of counts, in two modes. Pure: counts in, verdicts
 * out; analyze.ts builds the cells from runs and the simulation builds them from random draws, so
 * both exercise exactly this code. The rules are in docs/statistics.md, "Test regressions:
 * compatible and ratchet modes".
 */
import type { RegressionsConfig } from '../config/config-schema.ts';
import { benjaminiHochberg, binomialCdf, fisherGreater, newcombeInterval, wilsonInterval } from './stats/index.ts';

export type RegressionMode = 'ratchet' | 'compatible';

/** The rule settings (the config's `regressions` section without its window and listing options). */
export type RegressionRules = Pick<
  RegressionsConfig,
  'minFailures' | 'extremeDrop' | 'newTestPassRate' | 'newTestMinRuns' | 'compatible' | 'ratchet'
>;

export interface CellSide {
  runs: number;
  /** Runs that count as working: passes, plus flakes unless flakes count as failures. */
  working: number;
}

export interface RegressionCell {
  sample: CellSide;
  /** runs = 0 when the basis window never ran the test here: the new-test rule applies. */
  basis: CellSide;
  /** Sample runs that failed outright; sippy's new-test rule counts these, never flakes. */
  sampleHardFailures: number;
  /** Open in the previous snapshot, per mode: looser thresholds apply (hysteresis). */
  openRatchet: boolean;
  openCompatible: boolean;
}

export interface Verdict {
  regressed: boolean;
  rule: 'drop' | 'new-test';
  severity: 'extreme' | 'significant';
  /** One-sided p-value (Fisher for a drop, exact binomial for a new test in ratchet mode); null when no test ran. */
  p: number | null;
  /** Benjamini–Hochberg q-value (ratchet mode); null in compatible mode or outside the tested family. */
  q: number | null;
  /** Basis (or required) working rate minus sample working rate, in points. */
  drop: number;
  /** 95 % interval of the drop in points: Newcombe's for two rates, Wilson's against a required rate. */
  dropInterval: [number, number];
  /** Regressed only because the looser thresholds for an open regression applied. */
  heldByHysteresis: boolean;
  reason: string;
}

export interface CellVerdicts {
  ratchet?: Verdict;
  compatible?: Verdict;
}

export interface Evaluation {
  /**
   * Per input cell, in input order: verdicts for cells regressed or open in a mode (open ones are
   * evaluated so that a resolution can show its numbers); undefined elsewhere.
   */
  verdicts: Array<CellVerdicts | undefined>;
  /** Cells in the Benjamini–Hochberg family: m. */
  tested: number;
}

/**
 * The smallest p-value a drop cell could reach with its margins (sample runs, basis runs, total
 * failures) fixed: every failure in the sample. 1 when even that split could not be flagged (fewer
 * than `minFailures` failures, or a drop under `minDrop` points).
 */
export function minimumFisherP(sampleRuns: number, basisRuns: number, totalFailures: number, minFailures = 0, minDrop = 0): number {
  if (totalFailures === 0) return 1;
  const a = Math.min(sampleRuns, totalFailures);
  if (a < minFailures) return 1;
  const drop = ((basisRuns - (totalFailures - a)) / basisRuns - (sampleRuns - a) / sampleRuns) * 100;
  if (drop < minDrop) return 1;
  return fisherGreater(a, sampleRuns - a, totalFailures - a, basisRuns - totalFailures + a);
}

export interface EvaluateOptions {
  /** How the reasons name the rate ("Working rate" for tests, "Pass rate" for jobs). */
  rateLabel?: string;
}

export function evaluateCells(cells: readonly RegressionCell[], rules: RegressionRules, options: EvaluateOptions = {}): Evaluation {
  const label = options.rateLabel ?? 'Working rate';
  const r = rules.ratchet;
  const required = rules.newTestPassRate / 100;
  // Pass 1: the smallest p each cell could reach with its margins. A cell that could not reach
  // p ≤ q whatever the split can never be flagged, and counting it in m would only raise the bar
  // for the others; leaving it out depends on the margins alone, which the exact test conditions
  // on, so the false discovery rate guarantee holds (Tarone's device for discrete tests).
  const minimum = new Float64Array(cells.length).fill(1);
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    if (c.sample.runs === 0) continue;
    if (c.basis.runs > 0) {
      const failures = c.sample.runs - c.sample.working + c.basis.runs - c.basis.working;
      minimum[i] = minimumFisherP(c.sample.runs, c.basis.runs, failures, rules.minFailures, r.minDrop);
    } else if (required > 0 && c.sample.runs >= rules.newTestMinRuns && c.sample.runs >= rules.minFailures) {
      minimum[i] = binomialCdf(0, c.sample.runs, required);
    }
  }
  // Pass 2: p-values for the family, and for open regressions (hysteresis needs their p).
  const p = new Float64Array(cells.length).fill(NaN);
  const familyP = new Array<number>(cells.length).fill(NaN);
  let tested = 0;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    const member = minimum[i]! <= r.fdr;
    if (!member && !c.openRatchet) continue;
    if (c.sample.runs === 0) continue;
    if (c.basis.runs > 0) {
      p[i] = fisherGreater(c.sample.runs - c.sample.working, c.sample.working, c.basis.runs - c.basis.working, c.basis.working);
    } else if (required > 0 && c.sample.runs >= rules.newTestMinRuns) {
      // H0: the test works at least `required` of the time; small p = fewer working runs than that allows.
      p[i] = binomialCdf(c.sample.working, c.sample.runs, required);
    } else continue;
    if (member) {
      familyP[i] = p[i]!;
      tested++;
    }
  }
  const q = benjaminiHochberg(familyP);

  const verdicts: Array<CellVerdicts | undefined> = new Array(cells.length);
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    if (c.sample.runs === 0) continue;
    const ratchet = ratchetVerdict(c, rules, p[i]!, q[i]!, label);
    const compatible = compatibleVerdict(c, rules, label);
    if (ratchet || compatible) verdicts[i] = { ...(ratchet ? { ratchet } : {}), ...(compatible ? { compatible } : {}) };
  }
  return { verdicts, tested };
}

function ratchetVerdict(c: RegressionCell, rules: RegressionRules, p: number, q: number, label: string): Verdict | undefined {
  const r = rules.ratchet;
  const inFamily = !Number.isNaN(q);
  const hasP = !Number.isNaN(p);
  const failures = c.sample.runs - c.sample.working;
  if (!c.openRatchet && !(inFamily && q <= r.fdr)) return undefined; // the common case, cheaply
  const effect = dropOf(c, rules, label);
  if (!effect) return undefined;
  const enoughFailures = failures >= rules.minFailures;
  const strict = inFamily && q <= r.fdr && enoughFailures && effect.drop >= r.minDrop;
  const loose = c.openRatchet && hasP && ((inFamily && q <= r.openFdr) || p <= r.openP) && enoughFailures && effect.drop >= r.openMinDrop;
  const regressed = strict || loose;
  if (!regressed && !c.openRatchet) return undefined;
  const test = effect.rule === 'drop' ? 'one-sided Fisher' : `exact binomial against ${rules.newTestPassRate} %`;
  const stats = !hasP
    ? `${test}: not enough runs to test`
    : inFamily
      ? `${test} p = ${fmtP(p)}, Benjamini–Hochberg q = ${fmtP(q)}`
      : `${test} p = ${fmtP(p)}; no q-value: these counts could not reach significance in the report's family`;
  let why: string;
  if (strict) why = `q ≤ ${r.fdr}, at least ${rules.minFailures} failures and a drop of at least ${r.minDrop} points: regressed.`;
  else if (loose) why = `Already open: held open by the looser thresholds (q ≤ ${r.openFdr} or p ≤ ${r.openP}, drop ≥ ${r.openMinDrop} points).`;
  else why = `Not regressed any more: ${unmet(inFamily, q, p, enoughFailures, effect.drop, rules)}.`;
  return {
    regressed,
    rule: effect.rule,
    severity: effect.extreme ? 'extreme' : 'significant',
    p: hasP ? p : null,
    q: inFamily ? q : null,
    drop: effect.drop,
    dropInterval: effect.interval,
    heldByHysteresis: regressed && !strict,
    reason: `${effect.text}; ${stats}. ${why}`,
  };
}

function unmet(inFamily: boolean, q: number, p: number, enoughFailures: boolean, drop: number, rules: RegressionRules): string {
  const r = rules.ratchet;
  const parts: string[] = [];
  if (!((inFamily && q <= r.openFdr) || p <= r.openP)) parts.push(`neither q ≤ ${r.openFdr} nor p ≤ ${r.openP}`);
  if (!enoughFailures) parts.push(`fewer than ${rules.minFailures} failures`);
  if (drop < r.openMinDrop) parts.push(`a drop under ${r.openMinDrop} points`);
  return parts.join(', ');
}

function compatibleVerdict(c: RegressionCell, rules: RegressionRules, label: string): Verdict | undefined {
  const k = rules.compatible;
  const confidence = c.openCompatible ? k.openConfidence : k.confidence;
  const pity = c.openCompatible ? k.openPityFactor : k.pityFactor;
  const sampleRate = c.sample.working / c.sample.runs;
  let regressed = false;
  let strictRegressed = false;
  let p: number | null = null;
  let why: string;
  if (c.basis.runs > 0) {
    const failures = c.sample.runs - c.sample.working;
    const basisRate = c.basis.working / c.basis.runs;
    const decide = (conf: number, pityFactor: number): { regressed: boolean; p: number | null; why: string } => {
      if (rules.minFailures !== 0 && failures < rules.minFailures) return { regressed: false, p: null, why: `fewer than ${rules.minFailures} sample failures` };
      if (sampleRate >= basisRate) return { regressed: false, p: null, why: 'the sample works at least as often as the basis' };
      if (!(basisRate - sampleRate > pityFactor / 100)) return { regressed: false, p: null, why: `the drop is within the pity factor of ${pityFactor} points` };
      const pv = fisherGreater(failures, c.sample.working, c.basis.runs - c.basis.working, c.basis.working);
      const ok = pv < 1 - conf / 100;
      return { regressed: ok, p: pv, why: ok ? `regressed: p < ${round(1 - conf / 100, 4)} (confidence ${conf}) with a drop above ${pityFactor} points` : `not significant: p ≥ ${round(1 - conf / 100, 4)} (confidence ${conf})` };
    };
    const result = decide(confidence, pity);
    regressed = result.regressed;
    p = result.p;
    why = result.why;
    strictRegressed = c.openCompatible ? decide(k.confidence, k.pityFactor).regressed : regressed;
  } else {
    const required = rules.newTestPassRate;
    if (required === 0) return undefined;
    const enoughRuns = c.sample.runs >= rules.newTestMinRuns;
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
  const effect = dropOf(c, rules, label)!;
  // sippy's severity: a drop above 15 points, or a new test below required − (100 − required).
  const extreme = effect.rule === 'drop' ? effect.drop > rules.extremeDrop : sampleRate * 100 < rules.newTestPassRate - (100 - rules.newTestPassRate);
  const prefix = c.openCompatible && regressed && !strictRegressed ? 'Already open, so confidence and pity are relaxed: ' : c.openCompatible && !regressed ? 'Not regressed any more: ' : '';
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
  };
}

interface Effect {
  rule: 'drop' | 'new-test';
  drop: number;
  interval: [number, number];
  extreme: boolean;
  text: string;
}

function dropOf(c: RegressionCell, rules: RegressionRules, label: string): Effect | undefined {
  const s = c.sample;
  const sampleRate = s.working / s.runs;
  if (c.basis.runs > 0) {
    const b = c.basis;
    const basisRate = b.working / b.runs;
    const [lo, hi] = newcombeInterval(b.working, b.runs, s.working, s.runs);
    const drop = (basisRate - sampleRate) * 100;
    return {
      rule: 'drop',
      drop: round(drop, 4),
      interval: [round(lo * 100, 4), round(hi * 100, 4)],
      extreme: drop > rules.extremeDrop,
      text: `${label} ${pct(basisRate)} (${b.working} of ${b.runs} basis runs) → ${pct(sampleRate)} (${s.working} of ${s.runs} sample runs)`,
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
    text: `New test (no basis runs): ${label.toLowerCase()} ${pct(sampleRate)} (${s.working} of ${s.runs} sample runs), ${required} % required`,
  };
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

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
