/**
 * The job-run-aggregator's decisions (openshift/ci-tools pkg/jobrunaggregator), as pure functions
 * that also return the numbers they used, so a report can show its evidence.
 *
 * Required passes. The aggregator runs a job N times on one payload and looks up how many of the N
 * must pass, given the test's historical working percentage. Its table was generated with
 * scipy.stats.fisher_exact(alternative='greater') on [[historicPasses, samplePasses],
 * [historicFailures, sampleFailures]] against a 250-run history (historic passes =
 * round-half-even(250·pct/100)) at α = 0.05: the table value is the largest pass count k whose
 * test is still significant (p ≤ α), 0 when none is. Transposing, and swapping both rows and
 * columns, leave the one-sided test unchanged, so this is the right tail of
 * [[sampleFailures, samplePasses], [historicFailures, historicPasses]] — the same orientation as
 * sippy's Component Readiness. We compute it instead of copying the table, so any N works.
 */

import { fisherGreater } from './fisher.ts';

const AGGREGATOR_CORPUS_SIZE = 250;
const AGGREGATOR_ALPHA = 0.05;
/** Fewer attempts than this and the aggregated test fails outright. */
const MIN_AGGREGATED_ATTEMPTS = 6;
/** Working percentage assumed for a test without history. */
const NO_HISTORY_WORKING_PERCENT = 70;
/** Extra seconds allowed over the historical percentile when the first percentile check fails. */
export const DISRUPTION_GRACE_SECONDS: Readonly<Record<70 | 85, number>> = { 70: 3, 85: 7 };
/** Standard deviations above the historical mean that the sample mean may reach. */
const DISRUPTION_MEAN_SIGMAS = 5;

export interface RequiredPassesOptions {
  /** History size the table assumes (default 250). */
  corpusSize?: number;
  /** Significance level (default 0.05); a test with p ≤ alpha counts as significant. */
  alpha?: number;
}

/** Round half to even, as Python's round(): 2.5 → 2, 3.5 → 4. */
export function roundHalfToEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

const requiredCache = new Map<string, number>();

/**
 * Passes required out of n aggregated runs for a test whose history works `workingPercent` % of the
 * time, before the pity factor. n = 1 and n = 2 are hand-set in ci-tools (one pass from 96 % and from
 * 79 % respectively); from n = 3 up the value is computed as described at the top of this file.
 * @throws RangeError when n is not a non-negative integer or workingPercent is not an integer in 0..100.
 */
export function requiredPasses(n: number, workingPercent: number, options: RequiredPassesOptions = {}): number {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`requiredPasses: n must be a non-negative integer number of runs, got ${n}.`);
  }
  if (!Number.isInteger(workingPercent) || workingPercent < 0 || workingPercent > 100) {
    throw new RangeError(`requiredPasses: workingPercent must be an integer 0..100 (truncate the historical rate first), got ${workingPercent}.`);
  }
  const corpusSize = options.corpusSize ?? AGGREGATOR_CORPUS_SIZE;
  const alpha = options.alpha ?? AGGREGATOR_ALPHA;
  if (!Number.isInteger(corpusSize) || corpusSize < 1) {
    throw new RangeError(`requiredPasses: corpusSize must be a positive integer, got ${corpusSize}.`);
  }
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`requiredPasses: alpha must be in (0, 1), got ${alpha}.`);
  if (n === 0) return 0;
  if (n === 1) return workingPercent >= 96 ? 1 : 0;
  if (n === 2) return workingPercent >= 79 ? 1 : 0;

  const key = `${n}|${workingPercent}|${corpusSize}|${alpha}`;
  const cached = requiredCache.get(key);
  if (cached !== undefined) return cached;

  // Same float arithmetic as Python's round(250 * pct / 100).
  const historicPasses = roundHalfToEven((corpusSize * workingPercent) / 100);
  const historicFailures = corpusSize - historicPasses;
  let required = 0;
  for (let k = 0; k <= n; k++) {
    const p = fisherGreater(n - k, k, historicFailures, historicPasses);
    if (p <= alpha) required = k;
    else break; // p grows with k: once not significant, it stays so
  }
  requiredCache.set(key, required);
  return required;
}

/** The pity factor: never demand more than n − 2 passes, so two bad runs alone cannot fail a payload. */
export function applyPity(required: number, n: number): number {
  return Math.min(required, Math.max(0, n - 2));
}

export interface AggregatedTestInput {
  /** Runs with a pass or a failure of the test. */
  attempts: number;
  /** Runs with at least one pass (a flake counts as a pass). */
  passes: number;
  /** Runs with a failure and no pass. */
  failures: number;
  /** Runs that skipped the test. */
  skips: number;
  /** Historical working percentage (0..100) over the job's recent runs; omitted when the test has no history. */
  historicalWorkingPercent?: number;
}

type AggregatedRule = 'did-not-run' | 'probably-intended-skip' | 'not-enough-runs' | 'no-passes' | 'too-few-passes' | 'enough-passes';

export interface AggregatedTestVerdict {
  verdict: 'pass' | 'fail';
  rule: AggregatedRule;
  /** One sentence a report can show as is. */
  reason: string;
  /** Passes required after the pity factor; null when the decision came before the table. */
  required: number | null;
  /** Table value before the pity factor. */
  tableRequired: number | null;
  /** Integer working percentage used for the lookup (70 when there was no history). */
  workingPercent: number | null;
  historyMissing: boolean;
  attempts: number;
  passes: number;
}

function checkCount(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) {
    throw new RangeError(`aggregatedTestVerdict: ${name} must be a non-negative integer count, got ${v}.`);
  }
}

/**
 * Pass/fail of one test across N aggregated runs, following ci-tools in this order: not run → pass;
 * zero passes with more skips than failures → pass (probably meant to be skipped); fewer than 6
 * attempts → fail; zero passes → fail; otherwise fail iff passes < applyPity(table[N][pct], N), with
 * pct the truncated historical working percentage, 70 without history.
 * @throws RangeError on negative or non-integer counts, passes or failures above attempts, or a
 *   historical percentage outside 0..100.
 */
export function aggregatedTestVerdict(input: AggregatedTestInput): AggregatedTestVerdict {
  const { attempts, passes, failures, skips, historicalWorkingPercent } = input;
  checkCount('attempts', attempts);
  checkCount('passes', passes);
  checkCount('failures', failures);
  checkCount('skips', skips);
  if (passes > attempts || failures > attempts) {
    throw new RangeError(
      `aggregatedTestVerdict: passes (${passes}) and failures (${failures}) cannot exceed attempts (${attempts}); attempts counts runs with a pass or a failure.`,
    );
  }
  if (historicalWorkingPercent !== undefined && !(historicalWorkingPercent >= 0 && historicalWorkingPercent <= 100)) {
    throw new RangeError(`aggregatedTestVerdict: historicalWorkingPercent must be in 0..100 or omitted, got ${historicalWorkingPercent}.`);
  }
  const base = { attempts, passes, historyMissing: historicalWorkingPercent === undefined };
  const early = (verdict: 'pass' | 'fail', rule: AggregatedRule, reason: string): AggregatedTestVerdict => ({
    verdict,
    rule,
    reason,
    required: null,
    tableRequired: null,
    workingPercent: null,
    ...base,
  });

  if (attempts === 0 && skips === 0) return early('pass', 'did-not-run', 'Did not run in any of the aggregated runs.');
  if (passes === 0 && skips > failures) {
    return early('pass', 'probably-intended-skip', `Skipped ${skips} times and failed ${failures}: probably meant to be skipped.`);
  }
  if (attempts < MIN_AGGREGATED_ATTEMPTS) {
    return early(
      'fail',
      'not-enough-runs',
      `Not enough runs: ${attempts} attempts (passed ${passes}, failed ${failures}, skipped ${skips}); at least ${MIN_AGGREGATED_ATTEMPTS} are required.`,
    );
  }
  if (passes === 0) {
    return early('fail', 'no-passes', `Passed 0 times, failed ${failures} times: at least one pass is required.`);
  }

  const workingPercent = historicalWorkingPercent === undefined ? NO_HISTORY_WORKING_PERCENT : Math.trunc(historicalWorkingPercent);
  const tableRequired = requiredPasses(attempts, workingPercent);
  const required = applyPity(tableRequired, attempts);
  const history = base.historyMissing ? `no history (assumed ${workingPercent}%)` : `historical pass rate ${workingPercent}%`;
  const ok = passes >= required;
  return {
    verdict: ok ? 'pass' : 'fail',
    rule: ok ? 'enough-passes' : 'too-few-passes',
    reason: `Passed ${passes} of ${attempts} runs; ${history} requires ${required}.`,
    required,
    tableRequired,
    workingPercent,
    ...base,
  };
}

export interface DisruptionHistory {
  mean: number;
  /** Sample standard deviation of the historical runs. */
  sd: number;
  p95: number;
}

export interface DisruptionMeanCheck {
  verdict: 'pass' | 'fail';
  reason: string;
  /** Mean disruption seconds of the runs used. */
  sampleMean: number;
  runsUsed: number;
  /** The single worst run dropped because it exceeded the historical P95, if any. */
  droppedSeconds: number | null;
  /** max(1, mean + 5σ): the most the sample mean may reach. */
  threshold: number;
  historical: DisruptionHistory;
}

function checkSeconds(name: string, sampleSeconds: readonly number[]): void {
  if (sampleSeconds.length === 0) {
    throw new RangeError(`${name}: sampleSeconds is empty; check a backend only when some runs measured it.`);
  }
  for (let i = 0; i < sampleSeconds.length; i++) {
    const v = sampleSeconds[i]!;
    if (!(Number.isFinite(v) && v >= 0)) {
      throw new RangeError(`${name}: sampleSeconds[${i}] is ${v}; disruption must be finite, non-negative seconds.`);
    }
  }
}

/**
 * Mean disruption check: the sample mean, after dropping the single worst run when it exceeds the
 * historical P95 (one "mulligan"), must not exceed max(1, mean + 5σ). The mulligan needs at least
 * two runs, so a mean always remains.
 * @throws RangeError on an empty sample, negative or non-finite seconds, or non-finite history.
 */
export function disruptionMeanCheck(sampleSeconds: readonly number[], hist: DisruptionHistory): DisruptionMeanCheck {
  checkSeconds('disruptionMeanCheck', sampleSeconds);
  if (!Number.isFinite(hist.mean) || !Number.isFinite(hist.sd) || !Number.isFinite(hist.p95)) {
    throw new RangeError(
      `disruptionMeanCheck: historical mean, sd and p95 must be finite, got ${hist.mean}, ${hist.sd}, ${hist.p95}; a history needs at least two runs.`,
    );
  }
  let total = 0;
  let worst = -Infinity;
  for (const v of sampleSeconds) {
    total += v;
    if (v > worst) worst = v;
  }
  let runsUsed = sampleSeconds.length;
  let droppedSeconds: number | null = null;
  if (worst > hist.p95 && runsUsed > 1) {
    droppedSeconds = worst;
    total -= worst;
    runsUsed -= 1;
  }
  const sampleMean = total / runsUsed;
  const threshold = Math.max(1, hist.mean + DISRUPTION_MEAN_SIGMAS * hist.sd);
  const ok = sampleMean <= threshold;
  const dropped = droppedSeconds === null ? '' : ` after dropping one run of ${secs(droppedSeconds)}s above the historical P95 ${secs(hist.p95)}s`;
  return {
    verdict: ok ? 'pass' : 'fail',
    reason: `Mean disruption ${sampleMean.toFixed(2)}s over ${runsUsed} runs${dropped} is ${ok ? 'within' : 'above'} the threshold ${threshold.toFixed(2)}s (historical mean ${hist.mean.toFixed(2)}s + ${DISRUPTION_MEAN_SIGMAS}σ, σ = ${hist.sd.toFixed(2)}s, at least 1s).`,
    sampleMean,
    runsUsed,
    droppedSeconds,
    threshold,
    historical: { ...hist },
  };
}

export interface DisruptionPercentileCheck {
  verdict: 'pass' | 'fail';
  reason: string;
  /** Which historical percentile was the bar (70 or 85 in ci-tools). */
  percentile: number;
  runs: number;
  /** Historical percentile value in seconds. */
  threshold: number;
  /** Runs at or below the threshold. */
  passes: number;
  /** requiredPasses(runs, percentile), before adjustments. */
  tableRequired: number;
  /** True when the pity factor (runs − 2) lowered the table value. */
  pityBound: boolean;
  /** Runs that had to be at or below the threshold. */
  required: number;
  /** threshold + grace, used only when the first count fell short. */
  graceThreshold: number | null;
  gracePasses: number | null;
  passedWithGrace: boolean;
}

/** Seconds for a reason: at most two decimals, so 0.7999999999999972 reads 0.8. */
function secs(x: number): string {
  return String(Number(x.toFixed(2)));
}

function countAtOrBelow(values: readonly number[], limit: number): number {
  let count = 0;
  for (const v of values) if (v <= limit) count++;
  return count;
}

/**
 * "P70 should not be worse" (and P85): count runs at or below the historical percentile value; the
 * required count is requiredPasses(N, percentile), capped by the pity factor N − 2, and one less
 * when the cap did not bind. Short of that, the count is retried against percentile + grace
 * (DISRUPTION_GRACE_SECONDS: 3 s for P70, 7 s for P85). N is the number of sample runs.
 * @throws RangeError on an empty sample, negative or non-finite seconds, a non-finite historical
 *   value, negative grace, or a percentile that is not an integer in 0..100.
 */
export function disruptionPercentileCheck(
  sampleSeconds: readonly number[],
  histPercentileValue: number,
  graceSeconds: number,
  percentile: number,
): DisruptionPercentileCheck {
  checkSeconds('disruptionPercentileCheck', sampleSeconds);
  if (!Number.isFinite(histPercentileValue)) {
    throw new RangeError(`disruptionPercentileCheck: histPercentileValue must be finite seconds, got ${histPercentileValue}.`);
  }
  if (!(graceSeconds >= 0 && Number.isFinite(graceSeconds))) {
    throw new RangeError(`disruptionPercentileCheck: graceSeconds must be finite and ≥ 0 (3 for P70, 7 for P85), got ${graceSeconds}.`);
  }
  if (!Number.isInteger(percentile) || percentile < 0 || percentile > 100) {
    throw new RangeError(`disruptionPercentileCheck: percentile must be an integer 0..100 (70 or 85), got ${percentile}.`);
  }
  const runs = sampleSeconds.length;
  const tableRequired = requiredPasses(runs, percentile);
  const withPity = applyPity(tableRequired, runs);
  const pityBound = withPity < tableRequired;
  const required = pityBound ? withPity : Math.max(0, tableRequired - 1);
  const passes = countAtOrBelow(sampleSeconds, histPercentileValue);
  const base = { percentile, runs, threshold: histPercentileValue, passes, tableRequired, pityBound, required };
  if (passes >= required) {
    return {
      verdict: 'pass',
      reason: `${passes} of ${runs} runs at or below the historical P${percentile} of ${secs(histPercentileValue)}s; ${required} required.`,
      graceThreshold: null,
      gracePasses: null,
      passedWithGrace: false,
      ...base,
    };
  }
  const graceThreshold = histPercentileValue + graceSeconds;
  const gracePasses = countAtOrBelow(sampleSeconds, graceThreshold);
  const ok = gracePasses >= required;
  return {
    verdict: ok ? 'pass' : 'fail',
    reason:
      `${passes} of ${runs} runs at or below the historical P${percentile} of ${secs(histPercentileValue)}s, ${required} required; ` +
      `with ${graceSeconds}s grace ${gracePasses} at or below ${secs(graceThreshold)}s: ${ok ? 'passes' : 'fails'}.`,
    graceThreshold,
    gracePasses,
    passedWithGrace: ok,
    ...base,
  };
}
