/**
 * A seeded simulation of CI test results, to measure what the regression modes get right and wrong:
 * stable tests with realistic working rates, and injected drops. Pure: the same seed and options
 * give the same numbers. Used by test/simulation.test.ts and by scripts/simulate.ts, which prints
 * the "Measured error rates" tables of docs/statistics.md.
 *
 * Runs are independent draws here. Real CI failures are correlated (a bad payload or a broken cloud
 * region fails many tests at once); such a day shows up as many regressions at once, in either mode.
 */
import { RUN_RECORD_VERSION, type RunRecord, type TestResult } from '../src/ingest/run-record.ts';
import { variantsFromJobName } from '../src/ingest/variants.ts';
import { applyPity, binomialCdf, requiredPasses } from '../src/analysis/stats/index.ts';
import { evaluateCells, type CellSide, type RegressionCell, type RegressionRules } from '../src/analysis/verdict-rules.ts';
import { mulberry32 } from '../src/util/mulberry32.ts';

/** The simulation's seeded PRNG (mulberry32): reproducible everywhere. */
export const createRng = mulberry32;

/**
 * Working rates of stable tests, as a mixture shaped like OpenShift's conformance suites: most tests
 * almost never fail, a tail fails now and then, a few are chronically flaky but not getting worse.
 */
export const STABLE_MIX: ReadonlyArray<{ share: number; from: number; to: number }> = [
  { share: 0.6, from: 0.999, to: 1 },
  { share: 0.25, from: 0.99, to: 0.999 },
  { share: 0.1, from: 0.95, to: 0.99 },
  { share: 0.04, from: 0.9, to: 0.95 },
  { share: 0.01, from: 0.8, to: 0.9 },
];

export function drawStableRate(rng: () => number): number {
  let u = rng();
  for (const band of STABLE_MIX) {
    if (u < band.share) return band.from + (band.to - band.from) * rng();
    u -= band.share;
  }
  return 1;
}

/** Share of a test's runs that flake (fail, then pass on retry): 0–3 %, counted as working. */
export function drawFlakeRate(rng: () => number): number {
  return rng() < 0.7 ? 0 : 0.03 * rng();
}

export function drawBinomial(rng: () => number, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (rng() < p) k++;
  return k;
}

// ---------------------------------------------------------------------------------------------------
// Cell-level simulation over time: error rates and detection delay of each mode

export interface Drop {
  from: number;
  to: number;
}

export interface ErrorRateOptions {
  seed: number;
  rules: RegressionRules;
  /** Runs of each job per 7 days (N: the current window's sample per job). */
  sampleRuns: readonly number[];
  /** Basis runs per job: a number, or 'same' for as many as the sample (the default windows). */
  basisRuns: number | 'same';
  /** Length of ratchet mode's recent window in days; 0 turns it off. */
  recentDays: number;
  /** Jobs per variant group. With more than one, ratchet mode also tests each test × job cell when `jobCells`. */
  jobsPerGroup: number;
  jobCells: boolean;
  /** A regressed group's drop hits only its first job (true) or all of its jobs. */
  confined: boolean;
  drops: readonly Drop[];
  /** Stable groups per simulated report (the Benjamini–Hochberg family holds them all). */
  stableGroups: number;
  /** Groups with the drop under study in each report. */
  regressedGroups: number;
  /** Reports simulated per sample size and drop. */
  reports: number;
  /** One snapshot a day at 1, 2, …, horizon days after the drop started. */
  horizon: number;
  /** Ratchet mode's multiple-testing procedure (default the discrete one); 'bh' to compare. */
  procedure?: 'discrete' | 'bh';
  /** Whether a cell flagged yesterday is judged as open today (default true). */
  hysteresis?: boolean;
}

export interface ModeDetection {
  /** Share of regressed groups flagged (strict or held open) in the snapshot `day` days after the drop started; index day − 1. */
  flagged: number[];
  /** Share first flagged within `day` days (cumulative); index day − 1. */
  foundBy: number[];
  /** Days until half of the drops had been flagged; null when fewer were within the horizon. */
  medianDelay: number | null;
  /** Mean days until first flagged, over the drops flagged within the horizon. */
  meanDelay: number | null;
}

export interface DetectionRow {
  drop: Drop;
  sampleRuns: number;
  basisRuns: number;
  ratchet: ModeDetection;
  compatible: ModeDetection;
  /** The job-run-aggregator's check on N runs against a 250-run history, exact (binomial); one job. */
  aggregator: number;
}

export interface FalseAlarmRow {
  sampleRuns: number;
  basisRuns: number;
  /** Stable group-snapshots simulated. */
  stableGroups: number;
  /** Stable groups flagged (any of their cells, strict or held open), per 10,000 stable groups per snapshot. */
  ratchet: number;
  compatible: number;
  aggregator: number;
  /**
   * The false discovery rate measured: the share of flagged groups that were stable, averaged over
   * every simulated snapshot (0 for a snapshot that flags nothing), as the guarantee is stated.
   */
  fdr: { ratchet: number; compatible: number };
  /** The same for ratchet mode's strict verdicts alone (without regressions held open by hysteresis): what the procedure guarantees ≤ q. */
  fdrStrict: number;
  /**
   * The same counted per flagged cell (a report's row) instead of per group, strict verdicts: a job
   * cell of a job the drop did not touch is a false alarm too. Equal to fdrStrict with one job per group.
   */
  fdrRows: number;
}

export interface ErrorRates {
  detection: DetectionRow[];
  falseAlarms: FalseAlarmRow[];
}

/** P(the aggregator fails a test working at `rate` on n runs, when its history says `historyRate`). */
export function aggregatorFailProbability(n: number, historyRate: number, rate: number): number {
  const required = applyPity(requiredPasses(n, Math.trunc(historyRate * 100 + 1e-9)), n);
  return required === 0 ? 0 : binomialCdf(required - 1, n, rate);
}

interface Geometry {
  /** Days between runs. */
  step: number;
  /** Time of the first run's slot start. */
  start: number;
  length: number;
}

function geometry(n: number, m: number, horizon: number): Geometry {
  const step = 7 / n;
  const start = -7 - m * step;
  return { step, start, length: Math.ceil((horizon - start) / step) + 1 };
}

/**
 * One job's runs of one test on a timeline: runs evenly spaced, N per 7 days, from far enough back
 * that the basis window is full on day 1, to the horizon. Time 0 is the start of the drop; a run
 * at time t works with probability `before` for t < 0 and `after` from then on. `into[j]` counts
 * the failures among runs 0 … j − 1, so any window's counts are two lookups.
 */
function drawTimeline(rng: () => number, g: Geometry, before: number, after: number, into: Int32Array): void {
  into[0] = 0;
  for (let j = 0; j < g.length; j++) {
    const t = g.start + (j + 0.5) * g.step;
    into[j + 1] = into[j]! + (rng() < (t < 0 ? before : after) ? 0 : 1);
  }
}

/** Index of the first run at or after time x. */
function indexAt(x: number, g: Geometry): number {
  return Math.min(g.length, Math.max(0, Math.ceil((x - g.start) / g.step - 0.5)));
}

interface Windows {
  current: [number, number];
  basis: [number, number];
  recent: [number, number] | null;
  recentBasis: [number, number] | null;
}

function windowsAt(day: number, g: Geometry, m: number, recentDays: number): Windows {
  const now = indexAt(day, g);
  const currentStart = indexAt(day - 7, g);
  const basisStart = Math.max(0, currentStart - m);
  const recentStart = recentDays > 0 ? indexAt(day - recentDays, g) : -1;
  return {
    current: [currentStart, now],
    basis: [basisStart, currentStart],
    recent: recentDays > 0 ? [recentStart, now] : null,
    recentBasis: recentDays > 0 ? [basisStart, recentStart] : null,
  };
}

function side(timelines: readonly Int32Array[], range: [number, number]): CellSide {
  let failures = 0;
  for (const f of timelines) failures += f[range[1]]! - f[range[0]]!;
  const runs = (range[1] - range[0]) * timelines.length;
  return { runs, working: runs - failures };
}

function cellOf(timelines: readonly Int32Array[], w: Windows, openRatchet: boolean, openCompatible: boolean, compatible: boolean): RegressionCell {
  const sample = side(timelines, w.current);
  return {
    sample,
    basis: side(timelines, w.basis),
    sampleHardFailures: sample.runs - sample.working,
    ...(w.recent && w.recentBasis ? { recent: { sample: side(timelines, w.recent), basis: side(timelines, w.recentBasis) } } : {}),
    openRatchet,
    openCompatible,
    compatible,
  };
}

function summarise(firstDay: Int32Array, flaggedOn: Float64Array, total: number, horizon: number): ModeDetection {
  const flagged: number[] = [];
  const foundBy: number[] = [];
  let found = 0;
  let delaySum = 0;
  let medianDelay: number | null = null;
  const counts = new Int32Array(horizon + 1);
  for (const d of firstDay) if (d > 0) counts[d]!++;
  for (let day = 1; day <= horizon; day++) {
    found += counts[day]!;
    delaySum += counts[day]! * day;
    flagged.push(flaggedOn[day - 1]! / total);
    foundBy.push(found / total);
    if (medianDelay === null && found * 2 >= total) medianDelay = day;
  }
  return { flagged, foundBy, medianDelay, meanDelay: found ? delaySum / found : null };
}

/**
 * Daily snapshots of simulated reports: `stableGroups` groups whose working rates never change
 * and `regressedGroups` whose rate drops from `from` to `to` at time 0, each report judged every
 * day from day 1 to the horizon with both modes, hysteresis included (a cell flagged yesterday is
 * open today). Each report's Benjamini–Hochberg family holds every cell of the report.
 */
export function measureErrorRates(options: ErrorRateOptions): ErrorRates {
  const rng = createRng(options.seed);
  const detection: DetectionRow[] = [];
  const falseAlarms: FalseAlarmRow[] = [];
  const jobs = options.jobsPerGroup;
  const withJobCells = jobs > 1 && options.jobCells;
  const cellsPerGroup = withJobCells ? 1 + jobs : 1;
  for (const n of options.sampleRuns) {
    const m = options.basisRuns === 'same' ? n : options.basisRuns;
    const g = geometry(n, m, options.horizon);
    const groups = options.stableGroups + options.regressedGroups;
    const buffer = Array.from({ length: groups * jobs }, () => new Int32Array(g.length + 1));
    const windows = Array.from({ length: options.horizon }, (_, k) => windowsAt(k + 1, g, m, options.recentDays));
    let stableSnapshots = 0;
    let snapshots = 0;
    const flagged = { ratchet: 0, compatible: 0, aggregator: 0 };
    const fdp = { ratchet: 0, compatible: 0, strict: 0, rows: 0 };
    for (const drop of options.drops) {
      const injected = options.reports * options.regressedGroups;
      const first = { ratchet: new Int32Array(injected), compatible: new Int32Array(injected) };
      const on = { ratchet: new Float64Array(options.horizon), compatible: new Float64Array(options.horizon) };
      for (let report = 0; report < options.reports; report++) {
        for (let k = 0; k < groups; k++) {
          const stable = k < options.stableGroups;
          const rate = stable ? drawStableRate(rng) : drop.from;
          for (let j = 0; j < jobs; j++) {
            const after = stable || (options.confined && j > 0) ? rate : drop.to;
            drawTimeline(rng, g, rate, after, buffer[k * jobs + j]!);
          }
          if (stable) flagged.aggregator += aggregatorFailProbability(n, rate, rate) * options.horizon;
        }
        let openR = new Uint8Array(groups * cellsPerGroup);
        let openC = new Uint8Array(groups * cellsPerGroup);
        for (let day = 1; day <= options.horizon; day++) {
          const w = windows[day - 1]!;
          const cells: RegressionCell[] = [];
          for (let k = 0; k < groups; k++) {
            const timelines = buffer.slice(k * jobs, (k + 1) * jobs);
            const base = k * cellsPerGroup;
            cells.push(cellOf(timelines, w, openR[base] === 1, openC[base] === 1, true));
            if (withJobCells) for (let j = 0; j < jobs; j++) cells.push(cellOf([timelines[j]!], w, openR[base + 1 + j] === 1, false, false));
          }
          const { verdicts } = evaluateCells(cells, options.rules, { procedure: options.procedure ?? 'discrete' });
          const nextR = new Uint8Array(cells.length);
          const nextC = new Uint8Array(cells.length);
          const strict = new Uint8Array(cells.length);
          for (let c = 0; c < cells.length; c++) {
            const r = verdicts[c]?.ratchet;
            if (r?.regressed) nextR[c] = 1;
            if (r?.regressed && !r.heldByHysteresis) strict[c] = 1;
            if (verdicts[c]?.compatible?.regressed) nextC[c] = 1;
          }
          const today = { ratchet: 0, compatible: 0, ratchetFalse: 0, compatibleFalse: 0, strict: 0, strictFalse: 0, rows: 0, rowsFalse: 0 };
          for (let k = 0; k < groups; k++) {
            const base = k * cellsPerGroup;
            let r = false;
            let st = false;
            for (let x = 0; x < cellsPerGroup; x++) {
              if (nextR[base + x]) r = true;
              if (!strict[base + x]) continue;
              st = true;
              today.rows++;
              // Cell 0 is the variant cell; cell 1 + j is job j, and only job 0 drops when confined.
              const touched = k >= options.stableGroups && (x === 0 || x === 1 || !options.confined);
              if (!touched) today.rowsFalse++;
            }
            const c = nextC[base] === 1;
            if (r) today.ratchet++;
            if (c) today.compatible++;
            if (st) today.strict++;
            if (st && k < options.stableGroups) today.strictFalse++;
            if (k < options.stableGroups) {
              if (r) {
                flagged.ratchet++;
                today.ratchetFalse++;
              }
              if (c) {
                flagged.compatible++;
                today.compatibleFalse++;
              }
              continue;
            }
            const index = report * options.regressedGroups + (k - options.stableGroups);
            if (r) {
              on.ratchet[day - 1]!++;
              if (first.ratchet[index] === 0) first.ratchet[index] = day;
            }
            if (c) {
              on.compatible[day - 1]!++;
              if (first.compatible[index] === 0) first.compatible[index] = day;
            }
          }
          stableSnapshots += options.stableGroups;
          snapshots++;
          if (today.ratchet) fdp.ratchet += today.ratchetFalse / today.ratchet;
          if (today.compatible) fdp.compatible += today.compatibleFalse / today.compatible;
          if (today.strict) fdp.strict += today.strictFalse / today.strict;
          if (today.rows) fdp.rows += today.rowsFalse / today.rows;
          if (options.hysteresis !== false) {
            openR = nextR;
            openC = nextC;
          }
        }
      }
      detection.push({
        drop,
        sampleRuns: n,
        basisRuns: m,
        ratchet: summarise(first.ratchet, on.ratchet, injected, options.horizon),
        compatible: summarise(first.compatible, on.compatible, injected, options.horizon),
        aggregator: aggregatorFailProbability(n, drop.from, drop.to),
      });
    }
    const per10k = (count: number): number => (count / stableSnapshots) * 10_000;
    falseAlarms.push({
      sampleRuns: n,
      basisRuns: m,
      stableGroups: stableSnapshots,
      ratchet: per10k(flagged.ratchet),
      compatible: per10k(flagged.compatible),
      aggregator: per10k(flagged.aggregator),
      fdr: { ratchet: fdp.ratchet / snapshots, compatible: fdp.compatible / snapshots },
      fdrStrict: fdp.strict / snapshots,
      fdrRows: fdp.rows / snapshots,
    });
  }
  return { detection, falseAlarms };
}

// ---------------------------------------------------------------------------------------------------
// Run-level simulation: RunRecords for the whole pipeline

export interface InjectedDrop {
  /** Index of the test (0-based) and of the job whose current window regresses. */
  test: number;
  job: number;
  from: number;
  to: number;
  /** Days before the as-of when the drop starts; default the whole current window. */
  sinceDays?: number;
}

export interface RunSimulationOptions {
  seed: number;
  asOf: Date;
  tests: number;
  jobs: number;
  /** Runs of each job in each window (current and previous, 7 days each). */
  runsPerWindow: number;
  /** Rates given here replace the stable draw for that test × job in both windows (from) and the current one (to). */
  drops: readonly InjectedDrop[];
  windowMs?: number;
  /** Job names (default simulationJobName(0 … jobs − 1), each its own variant group); equal variants make a group of several jobs. */
  jobNames?: readonly string[];
}

export interface RunSimulation {
  records: RunRecord[];
  testNames: string[];
  jobNames: string[];
  /** Working rate of every test × job in the previous window (index test * jobs + job). */
  rates: Float64Array;
}

const SUITE = 'openshift-tests';
const PLATFORMS = ['aws', 'gcp', 'azure', 'metal', 'vsphere', 'openstack', 'ibmcloud', 'nutanix'];

export function simulationJobName(j: number): string {
  const platform = PLATFORMS[j % PLATFORMS.length]!;
  const extra = j >= PLATFORMS.length ? `-${Math.floor(j / PLATFORMS.length)}` : '';
  return `periodic-ci-openshift-release-main-nightly-4.22-e2e-${platform}-ovn${extra === '' ? '' : `-serial${extra}`}`;
}

export function simulationTestName(t: number): string {
  return `[sig-sim] simulated test ${String(t).padStart(5, '0')} should work [Suite:openshift/conformance/parallel]`;
}

/**
 * RunRecords for `jobs` jobs (each its own variant group unless `jobNames` says otherwise),
 * `runsPerWindow` runs per job per window, `tests` tests per run. Each test × job draws a stable
 * working rate and flake rate; injected drops set the rate to `from` before the drop and `to` from
 * `sinceDays` before the as-of (default: the whole current window).
 */
export function simulateRuns(options: RunSimulationOptions): RunSimulation {
  const rng = createRng(options.seed);
  const windowMs = options.windowMs ?? 7 * 86_400_000;
  const testNames = Array.from({ length: options.tests }, (_, t) => simulationTestName(t));
  const jobNames = Array.from({ length: options.jobs }, (_, j) => options.jobNames?.[j] ?? simulationJobName(j));
  const rates = new Float64Array(options.tests * options.jobs);
  const flakes = new Float64Array(options.tests * options.jobs);
  const currentRates = new Float64Array(options.tests * options.jobs);
  for (let i = 0; i < rates.length; i++) {
    rates[i] = drawStableRate(rng);
    flakes[i] = drawFlakeRate(rng);
    currentRates[i] = rates[i]!;
  }
  const end = options.asOf.getTime();
  const dropStart = new Float64Array(rates.length).fill(end - windowMs);
  for (const d of options.drops) {
    const i = d.test * options.jobs + d.job;
    rates[i] = d.from;
    currentRates[i] = d.to;
    if (d.sinceDays !== undefined) dropStart[i] = end - d.sinceDays * 86_400_000;
  }
  const records: RunRecord[] = [];
  let build = 1_900_000_000_000_000_000n;
  for (let j = 0; j < options.jobs; j++) {
    const job = jobNames[j]!;
    const variants = variantsFromJobName(job);
    for (const window of ['previous', 'current'] as const) {
      const start = window === 'current' ? end - windowMs : end - 2 * windowMs;
      for (let r = 0; r < options.runsPerWindow; r++) {
        // Spread evenly through the window, a little after each slot start.
        const started = start + Math.floor(((r + 0.5) * windowMs) / options.runsPerWindow);
        const tests: TestResult[] = [];
        let failed = false;
        for (let t = 0; t < options.tests; t++) {
          const i = t * options.jobs + j;
          const working = started >= dropStart[i]! ? currentRates[i]! : rates[i]!;
          const u = rng();
          let status: TestResult['status'];
          if (u >= working) status = 'fail';
          else status = rng() < flakes[i]! ? 'flake' : 'pass';
          if (status === 'fail') failed = true;
          const result: TestResult = { suite: SUITE, name: testNames[t]!, status, durationSec: 1 };
          if (status !== 'pass') result.message = `simulated failure of test ${t} in run ${r}`;
          tests.push(result);
        }
        build += 1n;
        const buildId = String(build);
        records.push({
          recordVersion: RUN_RECORD_VERSION,
          job,
          buildId,
          kind: 'periodic',
          path: `logs/${job}/${buildId}/`,
          started: new Date(started).toISOString(),
          finished: new Date(Math.min(started + 3_600_000, end - 1)).toISOString(),
          result: failed ? 'failure' : 'success',
          final: true,
          complete: true,
          variants,
          tests,
          disruption: [],
          problems: [],
          objectsRead: 4,
          bytesRead: 0,
        });
      }
    }
  }
  return { records, testNames, jobNames, rates };
}
