/**
 * Test (and job) regression verdicts on cells of counts, in two modes. Pure: counts in, verdicts
 * out; analyze.ts builds the cells from runs and the simulation builds them from random draws, so
 * both exercise exactly this code. The rules are in docs/statistics.md, "Test regressions:
 * compatible and ratchet modes".
 */
import type { RegressionsConfig } from '../config/config-schema.ts';
import type { RegressionSeverity } from '../snapshot/schema.ts';
import {
  benjaminiHochberg,
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

/** Which sample a ratchet verdict rests on: the current window, or its recent end (`regressions.recent`). */
type SampleWindow = 'current' | 'recent';

export interface RegressionCell {
  /** The current window. */
  sample: CellSide;
  /** The basis window; runs = 0 when it never ran the test here: the new-test rule applies. */
  basis: CellSide;
  /** Sample runs that failed outright; sippy's new-test rule counts these, never flakes. */
  sampleHardFailures: number;
  /**
   * Ratchet mode's second hypothesis for this cell: the recent window (the newest days of the
   * current one) against every earlier run of the basis and current windows. Absent when the
   * recent window is off, or when it would repeat the first hypothesis (every sample run is recent)
   * or has no runs on either side.
   */
  recent?: { sample: CellSide; basis: CellSide };
  /** Open in the previous snapshot, per mode: looser thresholds apply (hysteresis). */
  openRatchet: boolean;
  openCompatible: boolean;
  /** false for cells only ratchet mode judges (its extra test × job cells); default true. */
  compatible?: boolean;
}

export interface Verdict {
  regressed: boolean;
  rule: 'drop' | 'new-test';
  severity: RegressionSeverity;
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
  /** The sample the numbers above come from (always 'current' in compatible mode). */
  window: SampleWindow;
  /** The counts the numbers above come from: the current or the recent hypothesis. */
  counts: { sample: CellSide; basis: CellSide };
}

interface CellVerdicts {
  ratchet?: Verdict;
  compatible?: Verdict;
}

export interface Evaluation {
  /**
   * Per input cell, in input order: verdicts for cells regressed or open in a mode (open ones are
   * evaluated so that a resolution can show its numbers); undefined elsewhere.
   */
  verdicts: Array<CellVerdicts | undefined>;
  /** Hypotheses in the Benjamini–Hochberg family (m): up to two per cell, current and recent window. */
  tested: number;
}

/**
 * The smallest drop, in points, worth flagging against a basis that works `basisWorking` of
 * `basisRuns` times: `minDrop`, except for tests that almost never failed, where a drop that at
 * least triples the failure rate counts (twice the basis failure rate, in points), but never less
 * than `stableMinDrop`. 99.9 → 97 % is a new 3 % failure where there was none; 90 → 87 % is noise
 * around a flaky test. The floor only binds in large cells: below about 60 runs the
 * `minFailures` failures alone make every flaggable drop larger than 5 points.
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
  /** How the reasons name the recent window, e.g. "last 3 days". */
  recentLabel?: string;
  /**
   * The multiple-testing procedure of ratchet mode: the discrete Benjamini–Hochberg procedure
   * (default), or plain Benjamini–Hochberg over the same family, kept so the simulation can show
   * what the discrete one buys.
   */
  procedure?: 'discrete' | 'bh';
}

/**
 * The two hypotheses of cell i sit at 2i (current window) and 2i + 1 (recent window). The recent
 * one exists only with runs on both sides and when it differs from the current one (when every
 * sample run is recent, its basis is the basis window and it would test the same counts twice).
 */
function sideOf(c: RegressionCell, h: number): { sample: CellSide; basis: CellSide } | undefined {
  if (h === 0) return c;
  const r = c.recent;
  if (!r || r.sample.runs === 0 || r.basis.runs === 0 || r.sample.runs === c.sample.runs) return undefined;
  return r;
}

export function evaluateCells(cells: readonly RegressionCell[], rules: RegressionRules, options: EvaluateOptions = {}): Evaluation {
  const label = options.rateLabel ?? 'Working rate';
  const recentLabel = options.recentLabel ?? 'recent window';
  const discrete = (options.procedure ?? 'discrete') === 'discrete';
  const r = rules.ratchet;
  const required = rules.newTestPassRate / 100;
  const n = cells.length;
  // Every hypothesis of the report (two per cell: current and recent window) is one member of a
  // single family, so the false discovery rate is controlled across the whole report.
  //
  // Membership: a hypothesis that could not reach p ≤ q whatever the split of its failures can
  // never be flagged; it is left out (Tarone's device). That depends on the margins alone, which
  // the exact test conditions on, so the guarantee holds. The discrete procedure would give such
  // a hypothesis no weight below q anyway; leaving it out keeps m meaningful and the work small.
  //
  // The value the procedure sees is p′ = p when the counts also pass the verdict's other rules (at
  // least minFailures failures, a drop of at least the floor of dropFloor), else 1. p′ ≥ p, so it
  // is a valid p-value, and its null distribution is known: the attainable p-values of the splits
  // that pass those rules (both are monotone in the number of sample failures).
  const p = new Float64Array(2 * n).fill(NaN);
  const procedureP = new Float64Array(2 * n).fill(NaN);
  const supports: Array<Float64Array | undefined> = new Array(2 * n);
  const members = new Uint8Array(2 * n);
  let tested = 0;
  for (let k = 0; k < 2 * n; k++) {
    const c = cells[k >> 1]!;
    if (c.sample.runs === 0) continue;
    const side = sideOf(c, k & 1);
    if (!side) continue;
    let member = false;
    if (side.basis.runs > 0) {
      const s = side.sample;
      const b = side.basis;
      const failures = failuresOf(s) + failuresOf(b);
      member = minimumFisherP(s.runs, b.runs, failures, rules.minFailures, r.minDrop, r.stableMinDrop) <= r.fdr;
      if (!member && !c.openRatchet) continue;
      p[k] = fisherGreater(failuresOf(s), s.working, failuresOf(b), b.working);
      if (!member) continue;
      if (discrete) {
        // Sample failures a from the largest possible down to the last split that passes the rules.
        const hi = Math.min(s.runs, failures);
        let from = hi;
        const passes = (a: number): boolean => {
          const basisWorking = b.runs - failures + a;
          return dropPoints(s.runs - a, s.runs, basisWorking, b.runs) >= dropFloor(basisWorking, b.runs, r.minDrop, r.stableMinDrop);
        };
        while (from - 1 >= Math.max(rules.minFailures, failures - b.runs, 0) && passes(from - 1)) from--;
        const support = fisherGreaterSupport(s.runs, b.runs, failures, from);
        const a = failuresOf(s);
        supports[k] = support;
        procedureP[k] = a >= from ? support[hi - a]! : 1;
      } else procedureP[k] = p[k]!;
    } else if ((k & 1) === 0 && required > 0 && c.sample.runs >= rules.newTestMinRuns) {
      // New test. H0: it works at least `required` of the time; small p = fewer working runs than that allows.
      const s = c.sample;
      let upTo = s.runs - rules.minFailures;
      while (upTo >= 0 && round(required * 100 - (upTo / s.runs) * 100, 4) < r.minDrop) upTo--;
      member = upTo >= 0 && binomialCdf(0, s.runs, required) <= r.fdr;
      if (!member && !c.openRatchet) continue;
      p[k] = binomialCdf(s.working, s.runs, required);
      if (!member) continue;
      if (discrete) {
        const support = binomialCdfSupport(s.runs, required, upTo);
        supports[k] = support;
        procedureP[k] = s.working <= upTo ? support[s.working]! : 1;
      } else procedureP[k] = p[k]!;
    } else continue;
    members[k] = 1;
    tested++;
  }
  const adjusted = discrete ? discreteBenjaminiHochberg(procedureP, supports) : benjaminiHochberg(Array.from(procedureP));
  // A member whose counts fail the other rules has p′ = 1 and so q = 1: show no q-value for it.
  const q = new Float64Array(2 * n).fill(NaN);
  for (let k = 0; k < 2 * n; k++) if (!Number.isNaN(adjusted[k]!) && (procedureP[k]! < 1 || !discrete)) q[k] = adjusted[k]!;

  const verdicts: Array<CellVerdicts | undefined> = new Array(n);
  for (let i = 0; i < n; i++) {
    const c = cells[i]!;
    if (c.sample.runs === 0) continue;
    const ratchet = ratchetVerdict(c, rules, p, q, members, i, label, recentLabel);
    const compatible = c.compatible === false ? undefined : compatibleVerdict(c, rules, label);
    if (ratchet || compatible) verdicts[i] = { ...(ratchet ? { ratchet } : {}), ...(compatible ? { compatible } : {}) };
  }
  return { verdicts, tested };
}

/** Basis rate − sample rate in points, rounded as reported (the rules compare the reported value). */
export function dropPoints(sampleWorking: number, sampleRuns: number, basisWorking: number, basisRuns: number): number {
  return round((basisWorking / basisRuns - sampleWorking / sampleRuns) * 100, 4);
}

function failuresOf(side: CellSide): number {
  return side.runs - side.working;
}

interface WindowCheck {
  window: SampleWindow;
  side: { sample: CellSide; basis: CellSide };
  p: number;
  q: number;
  /** Has a q-value: a member of the family whose counts pass the minimum failures and drop. */
  inFamily: boolean;
  /** A member of the family (its counts could reach significance), with or without a q-value. */
  member: boolean;
  hasP: boolean;
  effect: Effect;
  enoughFailures: boolean;
  strict: boolean;
  loose: boolean;
  /** The smallest drop that flags this hypothesis (dropFloor). */
  floor: number;
}

function ratchetVerdict(
  c: RegressionCell,
  rules: RegressionRules,
  pAll: Float64Array,
  qAll: Float64Array,
  members: Uint8Array,
  i: number,
  label: string,
  recentLabel: string,
): Verdict | undefined {
  const r = rules.ratchet;
  // The common case, cheaply: neither window significant and nothing open.
  if (!c.openRatchet && !(qAll[2 * i]! <= r.fdr) && !(qAll[2 * i + 1]! <= r.fdr)) return undefined;
  const checks: WindowCheck[] = [];
  for (const h of [0, 1]) {
    const side = sideOf(c, h);
    if (!side || side.sample.runs === 0) continue;
    const window: SampleWindow = h === 0 ? 'current' : 'recent';
    const effect = dropOf(side, rules, window === 'current' ? label : `${label} in the ${recentLabel}`, window === 'recent');
    if (!effect) continue;
    const p = pAll[2 * i + h]!;
    const q = qAll[2 * i + h]!;
    const inFamily = !Number.isNaN(q);
    const hasP = !Number.isNaN(p);
    const enoughFailures = failuresOf(side.sample) >= rules.minFailures;
    const floor = dropFloor(side.basis.working, side.basis.runs, r.minDrop, r.stableMinDrop);
    const strict = inFamily && q <= r.fdr && enoughFailures && effect.drop >= floor;
    const loose = c.openRatchet && hasP && ((inFamily && q <= r.openFdr) || p <= r.openP) && enoughFailures && effect.drop >= Math.min(r.openMinDrop, floor);
    checks.push({ window, side, p, q, inFamily, member: members[2 * i + h] === 1, hasP, effect, enoughFailures, strict, loose, floor });
  }
  // The window a verdict rests on: among those that flag the cell by the strict rule the smallest
  // q (then p); else, for an open regression held by the looser rule, the smallest p; else the
  // current window (the one that says why it is not regressed any more). Ties go to the current.
  const by = (a: WindowCheck, b: WindowCheck): number => (a.inFamily ? a.q : 2) - (b.inFamily ? b.q : 2) || (a.hasP ? a.p : 2) - (b.hasP ? b.p : 2);
  const strictOnes = checks.filter((x) => x.strict).sort(by);
  const looseOnes = checks.filter((x) => x.loose).sort((a, b) => a.p - b.p);
  const chosen = strictOnes[0] ?? looseOnes[0] ?? checks[0];
  if (!chosen) return undefined;
  const strict = chosen.strict;
  const regressed = strict || chosen.loose;
  if (!regressed && !c.openRatchet) return undefined;
  const { effect, p, q, inFamily, hasP, enoughFailures, floor } = chosen;
  const test = effect.rule === 'drop' ? 'one-sided Fisher' : `exact binomial against ${rules.newTestPassRate} %`;
  const stats = !hasP
    ? `${test}: not enough runs to test`
    : inFamily
      ? `${test} p = ${fmtP(p)}, discrete Benjamini–Hochberg q = ${fmtP(q)}`
      : chosen.member
        ? `${test} p = ${fmtP(p)}; no q-value: fewer than ${rules.minFailures} failures or a drop under ${fmtPoints(floor)} points is never flagged`
        : `${test} p = ${fmtP(p)}; no q-value: these counts could not reach significance in the report's family`;
  let why: string;
  if (strict) why = `q ≤ ${r.fdr}, at least ${rules.minFailures} failures and a drop of at least ${fmtPoints(floor)} points: regressed.`;
  else if (regressed)
    why = `Already open: held open by the looser thresholds (q ≤ ${r.openFdr} or p ≤ ${r.openP}, drop ≥ ${fmtPoints(Math.min(r.openMinDrop, floor))} points).`;
  else
    why = `Not regressed any more: ${unmet(inFamily, q, p, enoughFailures, effect.drop, Math.min(r.openMinDrop, floor), rules)}${checks.length > 1 ? ` (in the ${recentLabel} too)` : ''}.`;
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
    window: chosen.window,
    counts: { sample: chosen.side.sample, basis: chosen.side.basis },
  };
}

function unmet(inFamily: boolean, q: number, p: number, enoughFailures: boolean, drop: number, openFloor: number, rules: RegressionRules): string {
  const r = rules.ratchet;
  const parts: string[] = [];
  if (!((inFamily && q <= r.openFdr) || p <= r.openP)) parts.push(`neither q ≤ ${r.openFdr} nor p ≤ ${r.openP}`);
  if (!enoughFailures) parts.push(`fewer than ${rules.minFailures} failures`);
  if (drop < openFloor) parts.push(`a drop under ${fmtPoints(openFloor)} points`);
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
  const effect = dropOf(c, rules, label, false)!;
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
    counts: { sample: c.sample, basis: c.basis },
  };
}

interface Effect {
  rule: 'drop' | 'new-test';
  drop: number;
  interval: [number, number];
  extreme: boolean;
  text: string;
}

/** The effect of one hypothesis; `recent` names its sides "earlier runs" and "recent runs". */
function dropOf(c: { sample: CellSide; basis: CellSide }, rules: RegressionRules, label: string, recent: boolean): Effect | undefined {
  const s = c.sample;
  const sampleRate = s.working / s.runs;
  if (c.basis.runs > 0) {
    const b = c.basis;
    const basisRate = b.working / b.runs;
    const [lo, hi] = newcombeInterval(b.working, b.runs, s.working, s.runs);
    const drop = dropPoints(s.working, s.runs, b.working, b.runs);
    return {
      rule: 'drop',
      drop,
      interval: [round(lo * 100, 4), round(hi * 100, 4)],
      extreme: drop > rules.extremeDrop,
      text: recent
        ? `${label} ${pct(sampleRate)} (${s.working} of ${s.runs} runs) against ${pct(basisRate)} before (${b.working} of ${b.runs} runs of the basis and current windows)`
        : `${label} ${pct(basisRate)} (${b.working} of ${b.runs} basis runs) → ${pct(sampleRate)} (${s.working} of ${s.runs} sample runs)`,
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
