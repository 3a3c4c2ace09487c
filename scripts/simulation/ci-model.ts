/**
 * A seeded model of CI that fails the way real CI fails: runs of several jobs over weeks, each on the
 * newest payload, with test failures that cluster by day, by payload and by outage, plus injected
 * regressions (a test's working rate falls at an onset and stays there, or is fixed at a set instant) and disruption rises.
 * The simulation (drive.ts) turns its runs into RunRecords and feeds them to the real analysis at
 * successive as-of instants, so what it measures is what the report would show.
 *
 * Failure probability of test t in job j on a run at time τ, before clamping to [0, 1]:
 *
 *   q = (1 − w_tj) · G_day · G_payload · B_day        w_tj = the cell's working rate (a regression
 *                                                     replaces it from its onset)
 *   G_day      Gamma(mean 1, CV dayCv), one per (cell, day), or per (job, day) when shared
 *   G_payload  Gamma(mean 1, CV payloadCv), one per (cell, payload), or per (job, payload) when shared
 *   B_day      badDays.factor on a bad (job, day) (probability badDays.share), else 1
 *
 * A mass-failure run (probability massFailure.share per run, or any run of an outage) fails each test
 * with probability max(q, failShare) instead. A passing test flakes (fails, then passes on retry)
 * with its cell's flake rate. Disruption seconds are log-normal around a median of 1–3 s per
 * (backend, job), scaled by the same day, payload and bad-day effects (and × 3 in a mass failure).
 */
import { type DisruptionResult, RUN_RECORD_VERSION, type RunRecord, type TestResult } from '../../src/ingest/run-record.ts';
import { variantsFromJobName } from '../../src/ingest/variants.ts';
import { mulberry32 } from '../../src/util/mulberry32.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const SIM_SUITE = 'openshift-tests';

/** Working rates of stable tests, shaped like OpenShift's conformance suites (most almost never fail). */
const STABLE_MIX: ReadonlyArray<{ share: number; from: number; to: number }> = [
  { share: 0.6, from: 0.999, to: 1 },
  { share: 0.25, from: 0.99, to: 0.999 },
  { share: 0.1, from: 0.95, to: 0.99 },
  { share: 0.04, from: 0.9, to: 0.95 },
  { share: 0.01, from: 0.8, to: 0.9 },
];

export interface NullModel {
  /** Name shown in the tables. */
  name: string;
  /** Day-level random effect on the failure rate: its coefficient of variation (0: none). */
  dayCv?: number;
  /** One day effect per (job, day) shared by all its tests, instead of one per (cell, day). */
  dayShared?: boolean;
  payloadCv?: number;
  payloadShared?: boolean;
  /** Bad days: per (job, day) with this probability every test fails `factor` times as often. */
  badDays?: { share: number; factor: number };
  /** Mass-failure runs: with probability `share` a run fails each test with probability `failShare`. */
  massFailure?: { share: number; failShare: number };
}

export interface TestDrop {
  test: number;
  jobs: readonly number[];
  onset: number;
  /** Working rate from the onset on (the rate before is `from`, or the stable draw). */
  to: number;
  from?: number;
  /** When set, the instant the regression is fixed: from then on the test works at `from` (or its stable draw) again. */
  fixed?: number;
}

interface Outage {
  jobs: readonly number[];
  start: number;
  end: number;
  /** Share of tests each run fails during the outage. */
  failShare: number;
}

export interface DisruptionRise {
  backend: number;
  job: number;
  onset: number;
  /** Multiplier of the backend's seconds from the onset on. */
  factor: number;
}

export interface CiModelOptions {
  seed: number;
  /** Epoch ms of the first run. */
  start: number;
  days: number;
  jobs: ReadonlyArray<{ name: string; runsPerDay: number }>;
  tests: number;
  noise?: NullModel;
  drops?: readonly TestDrop[];
  outages?: readonly Outage[];
  /** Disruption backends every run reports (0: none). */
  backends?: number;
  rises?: readonly DisruptionRise[];
  /** A new payload every this many hours (runs use the newest). */
  payloadEveryHours?: number;
  /** Minutes a run takes; it is visible once finished. */
  runMinutes?: number;
}

interface SimRun {
  job: number;
  start: number;
  end: number;
  payload: number;
  buildId: string;
  /** Per test: 0 pass, 1 fail, 2 flake. */
  outcomes: Uint8Array;
  disruption: Float64Array;
  mass: boolean;
}

export interface CiModel {
  readonly options: CiModelOptions;
  readonly testNames: readonly string[];
  readonly jobNames: readonly string[];
  readonly backendNames: readonly string[];
  /** Runs finished in [from, to), oldest first, as RunRecords. */
  runsFinishedBetween(from: number, to: number): Iterable<RunRecord>;
  /** Working rate of (test, job) before any drop. */
  baseRate(test: number, job: number): number;
  /** How many runs the model holds. */
  readonly runCount: number;
  /** The start time of every mass-failure or outage run, for checks. */
  massRuns(): Array<{ job: string; buildId: string }>;
}

function simulationTestName(t: number): string {
  return `[sig-sim] simulated test ${String(t).padStart(5, '0')} should work [Suite:openshift/conformance/parallel]`;
}

/** Gamma(shape k, scale θ) by Marsaglia–Tsang, with Box–Muller normals. */
function gamma(rng: () => number, shape: number, scale: number): number {
  if (shape < 1) return gamma(rng, shape + 1, scale) * rng() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
  }
}

/** A mean-1 random effect with coefficient of variation cv (1 when cv is 0). */
function effect(rng: () => number, cv: number | undefined): number {
  return cv ? gamma(rng, 1 / (cv * cv), cv * cv) : 1;
}

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

/** Effects keyed by a string, drawn on first use from their own stream: the draws do not depend on visiting order. */
class EffectTable {
  readonly #values = new Map<string, number>();
  readonly #seed: number;
  constructor(seed: number) {
    this.#seed = seed;
  }
  get(key: string, draw: (rng: () => number) => number): number {
    let v = this.#values.get(key);
    if (v === undefined) {
      let h = this.#seed >>> 0;
      for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
      v = draw(mulberry32(h));
      this.#values.set(key, v);
    }
    return v;
  }
}

export function createCiModel(options: CiModelOptions): CiModel {
  const rng = mulberry32(options.seed);
  const noise = options.noise ?? { name: 'independent' };
  const T = options.tests;
  const J = options.jobs.length;
  const testNames = Array.from({ length: T }, (_, t) => simulationTestName(t));
  const jobNames = options.jobs.map((j) => j.name);
  const backendNames = Array.from({ length: options.backends ?? 0 }, (_, b) => `sim-backend-${b}-new-connections`);
  const base = new Float64Array(T * J);
  const flake = new Float64Array(T * J);
  for (let i = 0; i < base.length; i++) {
    base[i] = drawStableRate(rng);
    flake[i] = drawFlakeRate(rng);
  }
  const drops = new Map<number, TestDrop>();
  for (const d of options.drops ?? []) {
    for (const j of d.jobs) {
      drops.set(d.test * J + j, d);
      if (d.from !== undefined) base[d.test * J + j] = d.from;
    }
  }
  // Disruption: per (backend, job) a median of 1–3 s; seconds are log-normal around it.
  const medians = new Float64Array(backendNames.length * J);
  for (let i = 0; i < medians.length; i++) medians[i] = 1 + 2 * rng();

  const effects = new EffectTable(options.seed ^ 0x5bd1e995);
  const payloadMs = (options.payloadEveryHours ?? 6) * HOUR;
  const runMs = (options.runMinutes ?? 90) * 60_000;
  const runs: SimRun[] = [];
  let build = 1_900_000_000_000_000_000n;
  const end = options.start + options.days * DAY;
  // Each job runs evenly spaced with jitter; all jobs interleave by start time.
  const starts: Array<{ job: number; start: number }> = [];
  options.jobs.forEach((job, j) => {
    const every = DAY / job.runsPerDay;
    for (let t = options.start + every * rng(); t < end; t += every * (0.75 + 0.5 * rng())) starts.push({ job: j, start: Math.floor(t) });
  });
  starts.sort((a, b) => a.start - b.start || a.job - b.job);
  for (const { job: j, start } of starts) {
    const day = Math.floor(start / DAY);
    const payload = Math.floor((start - options.start) / payloadMs);
    const outage = (options.outages ?? []).find((o) => o.jobs.includes(j) && start >= o.start && start < o.end);
    const mass = outage !== undefined || (noise.massFailure !== undefined && rng() < noise.massFailure.share);
    const failShare = outage?.failShare ?? noise.massFailure?.failShare ?? 0;
    const bad = noise.badDays ? effects.get(`bad/${j}/${day}`, (r) => (r() < noise.badDays!.share ? noise.badDays!.factor : 1)) : 1;
    const sharedDay = noise.dayShared ? effects.get(`day/${j}/${day}`, (r) => effect(r, noise.dayCv)) : 1;
    const sharedPayload = noise.payloadShared ? effects.get(`payload/${j}/${payload}`, (r) => effect(r, noise.payloadCv)) : 1;
    const outcomes = new Uint8Array(T);
    for (let t = 0; t < T; t++) {
      const i = t * J + j;
      const drop = drops.get(i);
      const working = drop && start >= drop.onset && !(drop.fixed !== undefined && start >= drop.fixed) ? drop.to : base[i]!;
      let q = 1 - working;
      if (q > 0) {
        const dayEffect = noise.dayShared ? sharedDay : noise.dayCv ? effects.get(`day/${i}/${day}`, (r) => effect(r, noise.dayCv)) : 1;
        const payloadEffect = noise.payloadShared
          ? sharedPayload
          : noise.payloadCv
            ? effects.get(`payload/${i}/${payload}`, (r) => effect(r, noise.payloadCv))
            : 1;
        q = Math.min(1, q * dayEffect * payloadEffect * bad);
      }
      if (mass) q = Math.max(q, failShare);
      outcomes[t] = rng() < q ? 1 : rng() < flake[i]! ? 2 : 0;
    }
    const disruption = new Float64Array(backendNames.length);
    for (let b = 0; b < backendNames.length; b++) {
      const rise = (options.rises ?? []).find((r) => r.backend === b && r.job === j && start >= r.onset);
      const normal = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
      // The null model's day, payload and bad-day effects scale a backend's seconds as they scale failures.
      const dayEffect = noise.dayShared ? sharedDay : noise.dayCv ? effects.get(`dday/${b}/${j}/${day}`, (r) => effect(r, noise.dayCv)) : 1;
      const payloadEffect = noise.payloadShared
        ? sharedPayload
        : noise.payloadCv
          ? effects.get(`dpayload/${b}/${j}/${payload}`, (r) => effect(r, noise.payloadCv))
          : 1;
      const scale = dayEffect * payloadEffect * bad * (mass ? 3 : 1);
      disruption[b] = Math.ceil(medians[b * J + j]! * Math.exp(0.8 * normal) * scale * (rise?.factor ?? 1));
    }
    build += 1n + BigInt(Math.floor(rng() * 1000));
    runs.push({ job: j, start, end: start + runMs, payload, buildId: String(build), outcomes, disruption, mass });
  }
  runs.sort((a, b) => a.end - b.end || a.job - b.job);

  const variants = jobNames.map((name) => variantsFromJobName(name));
  const payloadTag = (p: number): string => {
    const at = new Date(options.start + p * payloadMs).toISOString();
    return `4.22.0-0.nightly-${at.slice(0, 10)}-${at.slice(11, 13)}${at.slice(14, 16)}${at.slice(17, 19)}`;
  };
  const record = (run: SimRun): RunRecord => {
    const job = jobNames[run.job]!;
    const tests: TestResult[] = new Array(T);
    let failed = false;
    for (let t = 0; t < T; t++) {
      const o = run.outcomes[t]!;
      if (o === 1) failed = true;
      const result: TestResult = { suite: SIM_SUITE, name: testNames[t]!, status: o === 0 ? 'pass' : o === 1 ? 'fail' : 'flake', durationSec: 1 };
      if (o !== 0) result.message = run.mass ? 'simulated outage: connection refused' : `simulated failure of test ${t}`;
      tests[t] = result;
    }
    const disruption: DisruptionResult[] = backendNames.map((backend, b) => ({ backend, seconds: run.disruption[b]! }));
    return {
      recordVersion: RUN_RECORD_VERSION,
      inputsDigest: `simulated-${run.buildId}`,
      job,
      buildId: run.buildId,
      kind: 'periodic',
      path: `logs/${job}/${run.buildId}/`,
      started: new Date(run.start).toISOString(),
      finished: new Date(run.end).toISOString(),
      result: failed ? 'failure' : 'success',
      final: true,
      complete: true,
      payloadTag: payloadTag(run.payload),
      variants: variants[run.job]!,
      tests,
      disruption,
      problems: [],
      objectsRead: 4,
      bytesRead: 0,
    };
  };
  const firstEndingAtOrAfter = (t: number): number => {
    let lo = 0;
    let hi = runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (runs[mid]!.end < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return {
    options,
    testNames,
    jobNames,
    backendNames,
    runCount: runs.length,
    baseRate: (test, job) => base[test * J + job]!,
    *runsFinishedBetween(from, to) {
      // Made afresh each time (and dropped once analysed): a cache of millions of results costs more in
      // garbage collection than making them does.
      for (let i = firstEndingAtOrAfter(from); i < runs.length && runs[i]!.end < to; i++) yield record(runs[i]!);
    },
    massRuns: () => runs.filter((r) => r.mass).map((r) => ({ job: jobNames[r.job]!, buildId: r.buildId })),
  };
}

/** Job names whose variants differ (platform), so each job is its own variant group. */
export function simulationJobNames(count: number): string[] {
  const platforms = ['aws', 'gcp', 'azure', 'metal', 'vsphere', 'openstack', 'ibmcloud', 'nutanix'];
  return Array.from({ length: count }, (_, j) => {
    const extra = j >= platforms.length ? `-serial-${Math.floor(j / platforms.length)}` : '';
    return `periodic-ci-openshift-release-main-nightly-4.22-e2e-${platforms[j % platforms.length]}-ovn${extra}`;
  });
}
