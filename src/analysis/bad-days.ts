/**
 * Bad days: a job's UTC day on which many more of its tests failed than on its usual days, and which is over
 * (a later day of the job is back to usual). An outage, a broken mirror or a flaky cloud region does this: every
 * test of the job fails more often for a day, none of them because it regressed. The clustering model (a Beta
 * of matching variance, dispersion.ts) covers day-to-day noise, but not a rare day at four times the usual rate:
 * two such days in a week made a 7-day window of a test at 97 % look like a drop to 83 %, and the frozen
 * line then kept that false alarm on the report for days.
 *
 * A day is judged by how many distinct tests failed in the job that day, against the job's usual number per
 * run (the median over its days) times the day's runs. Distinct tests, not failures: a single broken test adds
 * one however often it fails, so a targeted regression never makes a bad day, while an outage spreads its
 * failures over hundreds of tests. A day is elevated when that count is at least `factor` times the usual and
 * at least `minTests` above it, and when at least half of its runs (and two) are high (each failed at least
 * `factor` times the job's usual run and at least two more than it): one bad run among good ones is a run's matter
 * (run-class.ts), not a day's. A streak of elevated days is bad only once it is over (the job's next day is
 * usual again: its failures per run under halfway to `factor` times the usual) and when it was short (at most `maxDays`): a day
 * still going on, or a longer change, is left for the verdicts to judge, so a broad regression, which stays, is
 * never taken for an outage. The runs of bad days are kept out of test verdicts
 * (scan windows, basis, recovery, evidence) as mass failures are, and listed in data quality; they still count
 * in the clustering estimate, and in the timeline an onset is found on (a regression that began during an
 * outage began there). While an elevated day is still under way (the newest streak, short enough to be
 * a bad day yet), nothing says yet whether it is one: its runs count, and verdicts expect the job's elevation
 * of them (its failures per run against the usual, with half a usual day of usual runs added) times the usual
 * failures of each test.
 */
import type { TestLog } from './test-log.ts';
import { FAIL } from './test-log.ts';
import { DAY_MS } from '../util/time.ts';

export interface BadDaySettings {
  enabled: boolean;
  /** Distinct failing tests at least this many times the job's usual for the day's runs… */
  factor: number;
  /** …and at least this many above it. */
  minTests: number;
  /** The longest streak of elevated days that counts as a bad day (a longer one is a change, not a blip). */
  maxDays: number;
}

interface BadDay {
  job: string;
  /** UTC date, YYYY-MM-DD. */
  date: string;
  runs: number;
  /** Distinct tests that failed in the job that day. */
  failingTests: number;
  /** The job's usual number of distinct failing tests for that many runs. */
  usual: number;
}

export interface BadDays {
  days: BadDay[];
  /** Per log run: 1 when its job-day is bad. */
  excluded: Uint8Array;
  /**
   * Per log run: how many times the job's usual failures per run its day shows (half a usual day of usual runs
   * added), when the day is elevated, its streak not yet over (it may still be a bad day), and that is at least
   * halfway to `factor`; 1 otherwise. Verdicts expect that many times the usual failures of such runs, until the
   * day is judged.
   */
  elevation: Float64Array;
  /** Per log run: tests that failed in it and tests with a result (for the data-quality list). */
  runFailed: Int32Array;
  runTests: Int32Array;
}

/** A job needs this many days with runs before its usual level means anything. */
const MIN_DAYS = 5;

/**
 * The bad days of every job in the log; `testCount` tests, lanes named by job in `laneJob`. `asOfDay` is the UTC
 * day number of as-of: an elevated streak is under way only if it reaches the day before it or later (a job that
 * stopped running after an outage does not carry its elevation on).
 */
export function findBadDays(log: TestLog, testCount: number, laneJob: readonly string[], settings: BadDaySettings, asOfDay = -Infinity): BadDays {
  const R = log.runCount;
  const excluded = new Uint8Array(R);
  const runFailed = new Int32Array(R);
  const runTests = new Int32Array(R);
  const elevation = new Float64Array(R).fill(1);
  if (!settings.enabled || R === 0) return { days: [], excluded, elevation, runFailed, runTests };
  const jobNames = [...new Set(laneJob)].sort();
  const jobIndex = new Map(jobNames.map((name, j) => [name, j]));
  const jobOfLane = Int32Array.from(laneJob, (name) => jobIndex.get(name)!);
  let firstDay = Infinity;
  let lastDay = -Infinity;
  for (let r = 0; r < R; r++) {
    firstDay = Math.min(firstDay, log.runDay[r]!);
    lastDay = Math.max(lastDay, log.runDay[r]!);
  }
  const D = lastDay - firstDay + 1;
  const cellOf = (r: number): number => jobOfLane[log.runLane[r]!]! * D + (log.runDay[r]! - firstDay);
  const runs = new Int32Array(jobNames.length * D);
  for (let r = 0; r < R; r++) runs[cellOf(r)]!++;
  // Distinct failing tests per job-day: a stamp per cell says which test was last counted there.
  const failing = new Int32Array(runs.length);
  const stamp = new Int32Array(runs.length);
  for (let t = 0; t < testCount; t++) {
    const { runs: at, codes, length } = log.entries(t);
    for (let i = 0; i < length; i++) {
      const r = at[i]!;
      runTests[r]!++;
      if (codes[i] !== FAIL) continue;
      runFailed[r]!++;
      const c = cellOf(r);
      if (stamp[c] !== t + 1) {
        stamp[c] = t + 1;
        failing[c]!++;
      }
    }
  }
  // Runs that failed well above their job's usual (the median run): a bad day is one most of whose runs are,
  // not one bad run among good ones (that is a run's matter: mass-failure classification).
  const runsOfJob: number[][] = jobNames.map(() => []);
  for (let r = 0; r < R; r++) runsOfJob[jobOfLane[log.runLane[r]!]!]!.push(r);
  const highRuns = new Int32Array(runs.length);
  const failures = new Int32Array(runs.length);
  for (let r = 0; r < R; r++) failures[cellOf(r)]! += runFailed[r]!;
  for (const list of runsOfJob) {
    if (list.length === 0) continue;
    const usualRun = median(list.map((r) => runFailed[r]!));
    const high = Math.max(settings.factor * usualRun, usualRun + 2);
    for (const r of list) if (runFailed[r]! >= high) highRuns[cellOf(r)]!++;
  }
  const days: BadDay[] = [];
  const bad = new Uint8Array(runs.length);
  const gain = new Float64Array(runs.length).fill(1);
  for (let j = 0; j < jobNames.length; j++) {
    const withRuns: number[] = [];
    for (let d = 0; d < D; d++) if (runs[j * D + d]! > 0) withRuns.push(d);
    if (withRuns.length < MIN_DAYS) continue;
    const perRun = median(withRuns.map((d) => failing[j * D + d]! / runs[j * D + d]!));
    const usualFor = (d: number): number => perRun * runs[j * D + d]!;
    // Elevated at or above the threshold, in most of the day's runs (at least two).
    const threshold = (d: number): number => Math.max(settings.factor * usualFor(d), usualFor(d) + settings.minTests);
    const elevated = withRuns.map((d) => {
      const c = j * D + d;
      return failing[c]! >= threshold(d) && highRuns[c]! >= Math.max(2, runs[c]! / 2);
    });
    // The job's usual failures per run: those of its days that are not elevated, pooled (a mean moves smoothly
    // where a median of sparse counts jumps between 0 and 1).
    let usualF = 0;
    let usualN = 0;
    withRuns.forEach((d, i) => {
      if (elevated[i]) return;
      usualF += failures[j * D + d]!;
      usualN += runs[j * D + d]!;
    });
    const perRunFailures = usualN > 0 ? usualF / usualN : 0;
    // A day's failures against the usual for as many runs, with `prior` more on each side. With minTests more it is
    // the test of "usual again": under halfway to the factor, so that a stray failure or two in a quiet job does not
    // keep a streak going.
    // Failures, not distinct tests: the number of runs a day had does not matter (distinct failing tests grow more
    // slowly than runs), and a lasting change never ends a streak.
    const ratio = (c: number, prior: number): number => Math.max(1, (failures[c]! + prior) / (perRunFailures * runs[c]! + prior));
    const usual = withRuns.map((d) => ratio(j * D + d, settings.minTests) < (1 + settings.factor) / 2);
    const halfDay = Math.max(2, median(withRuns.map((d) => runs[j * D + d]!)) / 2);
    // Streaks of elevated days (consecutive among the days the job ran); bad when short and followed by a usual day.
    for (let i = 0; i < withRuns.length; ) {
      if (!elevated[i]) {
        i++;
        continue;
      }
      let end = i;
      while (end + 1 < withRuns.length && elevated[end + 1]) end++;
      const over = end + 1 < withRuns.length && usual[end + 1]!;
      const span = withRuns[end]! - withRuns[i]! + 1;
      if (!over && end === withRuns.length - 1 && firstDay + withRuns[end]! >= asOfDay - 1 && span <= settings.maxDays) {
        // Still under way: it may yet be a bad day. Its elevation says how much more often than usual each test
        // of the job fails today, from the day's runs and half a usual day's more at the usual rate: two or three
        // runs at twice the usual are what a job with a few fresh regressions shows by chance in the morning, and
        // at their face value they weakened the verdicts on exactly those regressions (a 99.5 → 80 % drop flagged
        // 12 hours later in the detection scenario). Under halfway to `factor`, after the half day is added, it is
        // no elevation: with the default factor 2 and 6 runs a half day, two runs need three times the usual, four
        // runs 2.25 times, a full day of 12 1.75 times. The half day counts on full days too (a full day at four
        // times the usual: about 3), and weighs little in a job that hardly ever fails (u·h under one failure):
        // there a morning is taken at its face value. Tried and not kept: the half day only until the day has as
        // many runs (detection as at face value).
        for (let k = i; k <= end; k++) {
          const c = j * D + withRuns[k]!;
          const g = ratio(c, perRunFailures * halfDay + 1);
          if (g >= (1 + settings.factor) / 2) gain[c] = g;
        }
      }
      if (over && span <= settings.maxDays) {
        for (let k = i; k <= end; k++) {
          const d = withRuns[k]!;
          bad[j * D + d] = 1;
          days.push({
            job: jobNames[j]!,
            date: new Date((firstDay + d) * DAY_MS).toISOString().slice(0, 10),
            runs: runs[j * D + d]!,
            failingTests: failing[j * D + d]!,
            usual: Math.round(usualFor(d) * 10) / 10,
          });
        }
      }
      i = end + 1;
    }
  }
  for (let r = 0; r < R; r++) {
    excluded[r] = bad[cellOf(r)]!;
    elevation[r] = gain[cellOf(r)]!;
  }
  return { days, excluded, elevation, runFailed, runTests };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
