/**
 * A seeded simulation of CI test results, to measure what the regression modes get right and wrong:
 * stable tests with realistic working rates, and injected drops. Pure: the same seed and options
 * give the same numbers. Used by test/simulation.test.ts and by scripts/simulate.ts, which prints
 * the "Measured error rates" tables of docs/statistics.md.
 *
 * Runs are independent draws here. Real CI failures are correlated (a bad payload or a broken cloud
 * region fails many tests at once); such a day shows up as many regressions at once, in either mode.
 */
import type { RunRecord, TestResult } from '../ingest/run-record.ts';
import { variantsFromJobName } from '../ingest/variants.ts';
import { applyPity, binomialCdf, requiredPasses } from './stats/index.ts';
import { evaluateCells, type RegressionCell, type RegressionRules } from './regressions.ts';

/** mulberry32: a small, fast 32-bit PRNG; plenty for Bernoulli draws, and reproducible everywhere. */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
// Cell-level simulation: error rates of each mode

export interface Drop {
  from: number;
  to: number;
}

export interface ErrorRateOptions {
  seed: number;
  rules: RegressionRules;
  /** Sample sizes (runs in the current window per cell). */
  sampleRuns: readonly number[];
  /** Basis runs per cell: a number, or 'same' for as many as the sample (the default windows). */
  basisRuns: number | 'same';
  drops: readonly Drop[];
  /** Stable cells per simulated report (the Benjamini–Hochberg family includes them all). */
  stableCells: number;
  /** Regressed cells of the scenario injected into each report. */
  regressedCells: number;
  /** Reports simulated per sample size and drop. */
  reports: number;
}

export interface DetectionRow {
  drop: Drop;
  sampleRuns: number;
  basisRuns: number;
  ratchet: number;
  compatible: number;
  /** The job-run-aggregator's check on N runs against a 250-run history, exact (binomial). */
  aggregator: number;
}

export interface FalseAlarmRow {
  sampleRuns: number;
  basisRuns: number;
  stableCells: number;
  /** Stable cells flagged, per 10,000 stable cells. */
  ratchet: number;
  compatible: number;
  aggregator: number;
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

export function measureErrorRates(options: ErrorRateOptions): ErrorRates {
  const rng = createRng(options.seed);
  const detection: DetectionRow[] = [];
  const falseAlarms: FalseAlarmRow[] = [];
  for (const n of options.sampleRuns) {
    const m = options.basisRuns === 'same' ? n : options.basisRuns;
    let stable = 0;
    const flagged = { ratchet: 0, compatible: 0, aggregator: 0 };
    for (const drop of options.drops) {
      const hits = { ratchet: 0, compatible: 0 };
      for (let report = 0; report < options.reports; report++) {
        const cells: RegressionCell[] = [];
        for (let i = 0; i < options.stableCells; i++) {
          const rate = drawStableRate(rng);
          cells.push(cell(rng, n, m, rate, rate));
          flagged.aggregator += aggregatorFailProbability(n, rate, rate);
        }
        for (let i = 0; i < options.regressedCells; i++) cells.push(cell(rng, n, m, drop.from, drop.to));
        const { verdicts } = evaluateCells(cells, options.rules);
        for (let i = 0; i < cells.length; i++) {
          const v = verdicts[i];
          const isStable = i < options.stableCells;
          if (v?.ratchet?.regressed) isStable ? flagged.ratchet++ : hits.ratchet++;
          if (v?.compatible?.regressed) isStable ? flagged.compatible++ : hits.compatible++;
        }
        stable += options.stableCells;
      }
      const injected = options.reports * options.regressedCells;
      detection.push({
        drop,
        sampleRuns: n,
        basisRuns: m,
        ratchet: hits.ratchet / injected,
        compatible: hits.compatible / injected,
        aggregator: aggregatorFailProbability(n, drop.from, drop.to),
      });
    }
    const per10k = (count: number): number => (count / stable) * 10_000;
    falseAlarms.push({
      sampleRuns: n,
      basisRuns: m,
      stableCells: stable,
      ratchet: per10k(flagged.ratchet),
      compatible: per10k(flagged.compatible),
      aggregator: per10k(flagged.aggregator),
    });
  }
  return { detection, falseAlarms };
}

function cell(rng: () => number, n: number, m: number, basisRate: number, sampleRate: number): RegressionCell {
  const sampleWorking = drawBinomial(rng, n, sampleRate);
  return {
    sample: { runs: n, working: sampleWorking },
    basis: { runs: m, working: drawBinomial(rng, m, basisRate) },
    sampleHardFailures: n - sampleWorking,
    openRatchet: false,
    openCompatible: false,
  };
}

// ---------------------------------------------------------------------------------------------------
// Run-level simulation: RunRecords for the whole pipeline

export interface InjectedDrop {
  /** Index of the test (0-based) and of the job whose current window regresses. */
  test: number;
  job: number;
  from: number;
  to: number;
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
 * RunRecords for `jobs` jobs (each its own variant group), `runsPerWindow` runs per job per window,
 * `tests` tests per run. Each test × job draws a stable working rate and flake rate; injected drops
 * set the previous-window rate to `from` and the current-window rate to `to`.
 */
export function simulateRuns(options: RunSimulationOptions): RunSimulation {
  const rng = createRng(options.seed);
  const windowMs = options.windowMs ?? 7 * 86_400_000;
  const testNames = Array.from({ length: options.tests }, (_, t) => simulationTestName(t));
  const jobNames = Array.from({ length: options.jobs }, (_, j) => simulationJobName(j));
  const rates = new Float64Array(options.tests * options.jobs);
  const flakes = new Float64Array(options.tests * options.jobs);
  const currentRates = new Float64Array(options.tests * options.jobs);
  for (let i = 0; i < rates.length; i++) {
    rates[i] = drawStableRate(rng);
    flakes[i] = drawFlakeRate(rng);
    currentRates[i] = rates[i]!;
  }
  for (const d of options.drops) {
    const i = d.test * options.jobs + d.job;
    rates[i] = d.from;
    currentRates[i] = d.to;
  }
  const end = options.asOf.getTime();
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
          const working = window === 'current' ? currentRates[i]! : rates[i]!;
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
          recordVersion: 1,
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
