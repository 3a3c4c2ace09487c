/**
 * The schedule of the sample: which runs exist, when, with which build id and payload, and which
 * of them carry the planted scenarios. Rendering (render.ts) turns each planned run into files.
 *
 * Cadence follows the release controller: every job of a payload stream starts together, a few
 * minutes after the payload is created, once per payload. Gaps, start delays and durations are
 * drawn from the real 4.22 nightly runs in raw/bquxjob_65df743f_19de556b6a3.json (ci payloads come
 * a little more often than nightlies (gaps x 0.9); per-job duration factors in jobs.ts).
 */
import { loadCatalog } from './catalog.ts';
import type { Catalog } from './catalog.ts';
import { DAY, HOUR, MINUTE, buildIdFor, payloadStamp } from './format.ts';
import { JOBS, PRESUBMIT_JOB, jobByName } from './jobs.ts';
import type { JobDef } from './jobs.ts';
import { rngFor } from './prng.ts';

export const DEFAULT_SEED = 20261128;
export const DEFAULT_END_TIME = '2026-11-28T06:00:00Z';
const WINDOW_DAYS = 14;
export const BUCKET = 'test-platform-results';

/** The planted scenarios, independent of seed (build ids come with the generated manifest). */
export const PLANTED = {
  testRegression: {
    test: '[sig-network][OCPFeatureGate:NetworkSegmentation][Feature:UserDefinedPrimaryNetworks] when using openshift ovn-kubernetes created using UserDefinedNetwork is isolated from the default network with L2 primary UDN [Suite:openshift/conformance/parallel]',
    suite: 'openshift-tests',
    jobs: ['periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-ovn-fips', 'periodic-ci-openshift-release-main-ci-4.22-e2e-aws-ovn'],
    /** Runs that start at or after end time minus this many days are in the regressed period. */
    sinceDaysBeforeEnd: 3,
    baselineFailRate: 0.01,
    regressedFailRate: 0.6,
  },
  disruptionRegression: {
    job: 'periodic-ci-openshift-release-main-ci-4.22-upgrade-from-stable-4.21-e2e-aws-ovn-upgrade',
    backend: 'openshift-api-reused-connections',
    /** The availability test that checks the backend; it fails whenever the disruption is over its limit. */
    relatedTest: '[sig-api-machinery] disruption/openshift-api connection/reused should be available throughout the test',
    sinceDaysBeforeEnd: 3,
    regressedSecondsRange: [10, 30] as const,
  },
  truncatedJunit: { job: 'periodic-ci-openshift-release-main-nightly-4.22-e2e-vsphere-ovn', daysAfterStart: 5 },
  pendingRun: { job: 'periodic-ci-openshift-release-main-ci-4.22-e2e-aws-ovn' },
  runWithoutFinished: { job: 'periodic-ci-openshift-release-main-nightly-4.22-e2e-metal-ipi-ovn-ipv4', daysAfterStart: 6.3, state: 'error' },
  abortedRun: { job: 'periodic-ci-openshift-release-main-nightly-4.22-e2e-gcp-ovn-upgrade', daysAfterStart: 9 },
  malformedJson: { job: 'periodic-ci-openshift-release-main-ci-4.22-e2e-azure-ovn-upgrade', daysAfterStart: 4.5, file: 'backend-disruption' },
  oddArtifact: { job: 'periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-ovn-serial-1of2', daysAfterStart: 7.5 },
  zeroDisruption: [
    { job: 'periodic-ci-openshift-release-main-nightly-4.22-e2e-gcp-ovn-upgrade', daysAfterStart: 2 },
    { job: 'periodic-ci-openshift-release-main-ci-4.22-upgrade-from-stable-4.21-e2e-aws-ovn-upgrade', daysAfterStart: 3 },
    { job: 'periodic-ci-openshift-release-main-ci-4.22-e2e-azure-ovn-upgrade', daysAfterStart: 8 },
  ],
  installFailureRate: 0.035,
  crierFinishedRate: 0.05,
} as const;

type Fate = 'normal' | 'install-failure' | 'truncated-junit' | 'aborted' | 'died' | 'pending';

interface PullRequest {
  number: number;
  author: string;
  title: string;
  baseSha: string;
  sha: string;
}

export interface RunPlan {
  job: JobDef;
  /** Stable key for this run's random stream (independent of other runs). */
  key: string;
  buildId: string;
  /** Bucket prefix of the run, ending with '/'. */
  path: string;
  /** ProwJob creation / status.startTime. */
  startMs: number;
  /** status.pendingTime: the pod is scheduled and the build id assigned. */
  pendingMs: number;
  /** started.json timestamp (initupload runs in the pod). */
  podStartMs: number;
  /** Length the run would have had with nothing going wrong. */
  fullDurationMs: number;
  /** Completion time; null while pending. */
  endMs: number | null;
  payloadTag?: string;
  fromTag?: string;
  pull?: PullRequest;
  fate: Fate;
  crierFinished: boolean;
  malformedDisruption: boolean;
  oddArtifact: boolean;
  zeroDisruption: boolean;
  /** Status of the regressed test where its outcome is planted (regressed jobs only). */
  plantedTest?: 'pass' | 'fail';
  /** Upgrade-phase seconds for the planted backend in the regressed period. */
  plantedBackendSeconds?: number;
}

export interface SamplePlan {
  seed: number;
  startMs: number;
  endMs: number;
  runs: RunPlan[];
  catalog: Catalog;
}

function payloadTimes(cat: Catalog, seed: number, stream: 'nightly' | 'ci', fromMs: number, untilMs: number): number[] {
  const r = rngFor(seed, 'payloads', stream);
  const scale = stream === 'ci' ? 0.9 : 1;
  const out: number[] = [];
  let t = fromMs + r.float(0.05, 0.9) * r.pick(cat.payloadGapsMs) * scale;
  while (t < untilMs) {
    out.push(Math.floor(t / 1000) * 1000);
    t += r.pick(cat.payloadGapsMs) * scale * r.float(0.95, 1.05);
  }
  return out;
}

function tagFor(stream: 'nightly' | 'ci', ms: number): string {
  return `4.22.0-0.${stream}-${payloadStamp(ms)}`;
}

/** The 4.21 stable release minor-upgrade jobs start from: a z-stream bump half way through. */
function stableFromTag(startMs: number, windowStartMs: number): string {
  return startMs < windowStartMs + 6 * DAY ? '4.21.14' : '4.21.15';
}

function newRun(job: JobDef, key: string, startMs: number, cat: Catalog, seed: number): RunPlan {
  const r = rngFor(seed, 'timing', key);
  // Millisecond precision, as in real ids: runs of one payload are scheduled in the same second.
  const pendingMs = startMs + r.int(1000, 50_999);
  // The real list has two retried outliers (3 h, 4.5 h); scaled up for upgrade jobs they would
  // outlast any job timeout, so the base is clipped at 2.6 h and the result at 6 h.
  const base = Math.min(r.pick(cat.durationsMs), 2.6 * HOUR);
  const fullDurationMs = Math.min(6 * HOUR - r.int(0, 900) * 1000, Math.round(base * job.durationFactor * r.float(0.96, 1.06)));
  return {
    job,
    key,
    buildId: '',
    path: '',
    startMs,
    pendingMs,
    podStartMs: pendingMs + r.int(5, 30) * 1000,
    fullDurationMs,
    endMs: startMs + fullDurationMs,
    fate: 'normal',
    crierFinished: false,
    malformedDisruption: false,
    oddArtifact: false,
    zeroDisruption: false,
  };
}

const PR_TITLES = [
  'OCPBUGS-61842: monitor: tolerate slow etcd leader elections during upgrades',
  'NO-JIRA: bump k8s.io dependencies to v1.35.2',
  'OCPBUGS-62017: networking: wait for UDN gateway before probing pods',
  'TRT-2291: add disruption backend for the console route over new connections',
  'OCPBUGS-61590: extended/router: retry route admission check on conflicts',
  'NO-JIRA: tests: mark two flaky storage tests as [Flaky] on vSphere',
];
const PR_AUTHORS = ['amelia-k', 'tsato-dev', 'pnovak', 'jrivera-ocp', 'kwright', 'mlin-net'];

function pullRequestRuns(cat: Catalog, seed: number, windowStartMs: number, endMs: number): RunPlan[] {
  const job = jobByName(PRESUBMIT_JOB);
  const r = rngFor(seed, 'pulls');
  const numbers = r.shuffle(Array.from({ length: 160 }, (_, i) => 30451 + i)).slice(0, PR_TITLES.length);
  const runs: RunPlan[] = [];
  numbers.forEach((number, i) => {
    const pr: PullRequest = { number, author: PR_AUTHORS[i] as string, title: PR_TITLES[i] as string, baseSha: r.hex(40), sha: r.hex(40) };
    let t = windowStartMs + r.float(0.02, 0.85) * WINDOW_DAYS * DAY + r.int(8, 40) * MINUTE;
    const count = r.int(1, 5);
    for (let k = 0; k < count; k++) {
      const run = newRun(job, `${job.name}#${number}#${k}`, Math.floor(t / 1000) * 1000, cat, seed);
      if ((run.endMs as number) > endMs) break;
      run.pull = { ...pr };
      runs.push(run);
      t = (run.endMs as number) + r.float(1, 30) * HOUR;
      // A new push between retests changes the tested commit (and sometimes the base).
      if (r.chance(0.4)) pr.sha = r.hex(40);
      if (r.chance(0.2)) pr.baseSha = r.hex(40);
    }
  });
  return runs;
}

export function planSample(options: { seed?: number; endTime?: string } = {}): SamplePlan {
  const seed = options.seed ?? DEFAULT_SEED;
  const endMs = Date.parse(options.endTime ?? DEFAULT_END_TIME);
  if (!Number.isFinite(endMs)) throw new Error(`invalid endTime ${options.endTime}`);
  const startMs = endMs - WINDOW_DAYS * DAY;
  const cat = loadCatalog();
  if (cat.regressedTest !== PLANTED.testRegression.test) throw new Error('PLANTED.testRegression.test does not match the raw data');

  const runs: RunPlan[] = [];
  const pendingJob = jobByName(PLANTED.pendingRun.job);
  for (const stream of ['nightly', 'ci'] as const) {
    // The ci stream stops 3 h early and then gets one last payload whose run is still going at the
    // end time: exactly one pending run in the bucket (other runs that would overrun are dropped).
    const times = payloadTimes(cat, seed, stream, startMs, stream === 'ci' ? endMs - 3 * HOUR : endMs);
    const jobs = JOBS.filter((j) => j.stream === stream);
    times.forEach((payloadMs, i) => {
      const tag = tagFor(stream, payloadMs);
      const previousTag = i > 0 ? tagFor(stream, times[i - 1] as number) : tagFor(stream, payloadMs - 6 * HOUR);
      const delay = rngFor(seed, 'delay', tag).pick(cat.startDelaysMs);
      for (const job of jobs) {
        const key = `${job.name}@${tag}`;
        // Now and then a job is not run for a payload (release controller retries, capacity).
        if (rngFor(seed, 'skip', key).chance(0.04)) continue;
        const start = payloadMs + delay + rngFor(seed, 'jitter', key).int(0, 15) * 1000;
        if (start < startMs) continue;
        const run = newRun(job, key, start, cat, seed);
        if ((run.endMs as number) > endMs) continue;
        run.payloadTag = tag;
        if (job.upgrade === 'micro') run.fromTag = previousTag;
        if (job.upgrade === 'minor') run.fromTag = stableFromTag(start, startMs);
        runs.push(run);
      }
    });
    if (stream === 'ci') {
      const payloadMs = endMs - rngFor(seed, 'pending').int(62, 75) * MINUTE;
      const tag = tagFor('ci', payloadMs);
      const run = newRun(pendingJob, `${pendingJob.name}@${tag}`, payloadMs + (cat.startDelaysMs[0] ?? 0), cat, seed);
      run.payloadTag = tag;
      run.fate = 'pending';
      run.endMs = null;
      runs.push(run);
    }
  }
  runs.push(...pullRequestRuns(cat, seed, startMs, endMs));

  assignBuildIds(runs);
  plantScenarios(runs, seed, startMs, endMs);
  return { seed, startMs, endMs, runs, catalog: cat };
}

/** Ids in order of pod scheduling, as Prow hands them out; a repeated millisecond bumps the sequence. */
function assignBuildIds(runs: RunPlan[]): void {
  runs.sort((a, b) => a.pendingMs - b.pendingMs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  let lastMs = -1;
  let seq = 0;
  for (const run of runs) {
    seq = run.pendingMs === lastMs ? seq + 1 : 0;
    lastMs = run.pendingMs;
    run.buildId = buildIdFor(run.pendingMs, seq);
    run.path = run.pull ? `pr-logs/pull/${run.pull.number}/${run.job.name}/${run.buildId}/` : `logs/${run.job.name}/${run.buildId}/`;
  }
}

function nearestNormal(runs: RunPlan[], jobName: string, targetMs: number, exclude?: (r: RunPlan) => boolean): RunPlan {
  let best: RunPlan | undefined;
  for (const run of runs) {
    if (run.job.name !== jobName || run.fate !== 'normal' || run.zeroDisruption || run.oddArtifact || run.malformedDisruption) continue;
    if (exclude?.(run)) continue;
    if (!best || Math.abs(run.startMs - targetMs) < Math.abs(best.startMs - targetMs)) best = run;
  }
  if (!best) throw new Error(`no run of ${jobName} to plant a scenario in`);
  return best;
}

function plantScenarios(runs: RunPlan[], seed: number, startMs: number, endMs: number): void {
  const at = (days: number) => startMs + days * DAY;
  const testSince = endMs - PLANTED.testRegression.sinceDaysBeforeEnd * DAY;
  const disruptionSince = endMs - PLANTED.disruptionRegression.sinceDaysBeforeEnd * DAY;
  const inDisruptionWindow = (r: RunPlan) => r.job.name === PLANTED.disruptionRegression.job && r.podStartMs >= disruptionSince;

  nearestNormal(runs, PLANTED.truncatedJunit.job, at(PLANTED.truncatedJunit.daysAfterStart)).fate = 'truncated-junit';
  nearestNormal(runs, PLANTED.runWithoutFinished.job, at(PLANTED.runWithoutFinished.daysAfterStart)).fate = 'died';
  nearestNormal(runs, PLANTED.abortedRun.job, at(PLANTED.abortedRun.daysAfterStart)).fate = 'aborted';
  nearestNormal(runs, PLANTED.malformedJson.job, at(PLANTED.malformedJson.daysAfterStart)).malformedDisruption = true;
  nearestNormal(runs, PLANTED.oddArtifact.job, at(PLANTED.oddArtifact.daysAfterStart)).oddArtifact = true;
  for (const z of PLANTED.zeroDisruption) nearestNormal(runs, z.job, at(z.daysAfterStart), inDisruptionWindow).zeroDisruption = true;

  const planted = (r: RunPlan) => r.fate !== 'normal' || r.zeroDisruption || r.oddArtifact || r.malformedDisruption;
  for (const run of runs) {
    if (planted(run)) continue;
    if (rngFor(seed, 'install', run.key).chance(PLANTED.installFailureRate)) run.fate = 'install-failure';
  }
  for (const run of runs) {
    if (run.fate !== 'normal' && run.fate !== 'install-failure') continue;
    if (rngFor(seed, 'crier', run.key).chance(PLANTED.crierFinishedRate)) run.crierFinished = true;
  }

  // Shorter runs where something stopped them early.
  for (const run of runs) {
    const r = rngFor(seed, 'cut', run.key);
    if (run.fate === 'install-failure') run.endMs = run.startMs + Math.round(run.fullDurationMs * r.float(0.38, 0.48));
    if (run.fate === 'aborted') run.endMs = run.startMs + Math.round(run.fullDurationMs * r.float(0.3, 0.45));
    if (run.fate === 'died') run.endMs = run.startMs + Math.round(run.fullDurationMs * r.float(0.55, 0.7));
  }

  // The regressed test: ~1 % failures before, exactly round(60 %) of the runs that ran it after.
  for (const jobName of PLANTED.testRegression.jobs) {
    const ran = runs.filter((r) => r.job.name === jobName && r.fate === 'normal');
    const after = ran.filter((r) => r.podStartMs >= testSince);
    for (const run of ran) {
      if (run.podStartMs < testSince) {
        run.plantedTest = rngFor(seed, 'planted-test', run.key).chance(PLANTED.testRegression.baselineFailRate) ? 'fail' : 'pass';
      }
    }
    const failing = new Set(
      rngFor(seed, 'planted-window', jobName)
        .shuffle(after)
        .slice(0, Math.round(after.length * PLANTED.testRegression.regressedFailRate)),
    );
    for (const run of after) run.plantedTest = failing.has(run) ? 'fail' : 'pass';
  }

  // The disruption regression: 10–30 s in the upgrade phase of every run in the regressed period.
  const [lo, hi] = PLANTED.disruptionRegression.regressedSecondsRange;
  for (const run of runs) {
    if (!inDisruptionWindow(run) || run.fate !== 'normal') continue;
    run.plantedBackendSeconds = Math.round(rngFor(seed, 'planted-disruption', run.key).float(lo, hi) * 10) / 10;
  }
}
