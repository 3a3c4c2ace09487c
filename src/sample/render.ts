/**
 * Turns one planned run into the objects Prow, ci-operator and openshift-tests would have left in
 * the bucket. Everything random comes from the run's own stream (rngFor(seed, 'render', key)), so a
 * run's bytes depend only on the seed and the plan.
 */
import { PLATFORM_SKIP_TAG, backendRunsOn, baselineFromRelease, baselineKey } from './catalog.ts';
import type { Catalog, Percentiles } from './catalog.ts';
import { MINUTE, fileStamp, goDuration, goDurationSeconds, goJson, isoSeconds, logTime, payloadStamp, sortedMap, uuid } from './format.ts';
import type { JobDef } from './jobs.ts';
import { openshiftTestsJunit, operatorJunit } from './junit.ts';
import type { JunitCase, StepCase } from './junit.ts';
import { failureText, makeNoise, regressionFailure, skipText, testProfile } from './outcomes.ts';
import { PLANTED, BUCKET } from './plan.ts';
import type { RunPlan } from './plan.ts';
import { hash32, rngFor } from './prng.ts';
import type { Rng } from './prng.ts';

export interface RenderedFile {
  /** Object name relative to the bucket root. */
  path: string;
  content: string;
  /** When the object was uploaded (used as the file's mtime). */
  mtimeMs: number;
}

export type RenderedResult = 'success' | 'failure' | 'aborted' | 'error' | 'pending';

export interface RenderedRun {
  files: RenderedFile[];
  result: RenderedResult;
  /** Status of the planted regression test in this run, when it ran. */
  plantedTest?: 'pass' | 'fail' | 'flake';
  /** The planted backend's disruption summed the way ingest must (each file rounded up). */
  plantedBackendSeconds?: number;
}

interface Ctx {
  seed: number;
  cat: Catalog;
}

interface SuiteOutcome {
  cases: JunitCase[];
  failed: string[];
  passed: number;
  skipped: number;
  plantedTest?: 'pass' | 'fail' | 'flake';
}

const RELEASE_PREFIX = 'periodic-ci-openshift-release-main-';

/** The ci-operator config variant a periodic job comes from (nightly-4.22, ci-4.22-upgrade-from-stable-4.21). */
function configVariant(job: JobDef): string {
  if (job.kind === 'presubmit') return '';
  return job.name.slice(RELEASE_PREFIX.length, job.name.length - job.target.length - 1);
}

function preSteps(job: JobDef): string[] {
  if (job.platform === 'metal') return ['ofcir-acquire', 'baremetalds-devscripts-conf-featureset', 'baremetalds-devscripts-setup'];
  const conf = job.platform === 'vsphere' ? ['ipi-conf', 'ipi-conf-vsphere-check', 'ipi-conf-vsphere'] : ['ipi-conf', `ipi-conf-${job.platform}`];
  return [...conf, 'ipi-install-monitoringpvc', 'ipi-install-rbac', 'ipi-install-install', 'ipi-install-times-collection'];
}

function installStep(job: JobDef): string {
  return job.platform === 'metal' ? 'baremetalds-devscripts-setup' : 'ipi-install-install';
}

function postSteps(job: JobDef): string[] {
  const gather = ['gather-must-gather', 'gather-extra', 'gather-audit-logs'];
  return job.platform === 'metal' ? [...gather, 'baremetalds-devscripts-gather', 'ofcir-release'] : [...gather, 'ipi-deprovision-deprovision'];
}

function stepCaseName(job: JobDef, step: string): string {
  return `Run multi-stage test ${job.target} - ${job.target}-${step} container test`;
}

/** The availability test origin's disruption monitors write for a backend. */
function availabilityTestName(backend: string): string {
  const m = /^(.*)-(new|reused)-connections$/.exec(backend);
  const base = m?.[1] ?? backend;
  const conn = m?.[2] ?? 'new';
  let owner = 'sig-network';
  if (/^(kube-api|openshift-api|oauth-api|cache-|metrics-api)/.test(base)) owner = 'sig-api-machinery';
  else if (base.startsWith('ingress-') || base.startsWith('service-load-balancer')) owner = 'sig-network-edge';
  else if (base === 'image-registry') owner = 'sig-imageregistry';
  else if (base.endsWith('network-liveness')) owner = 'sig-trt';
  return `[${owner}] disruption/${base} connection/${conn} should be available throughout the test`;
}

function testsFor(ctx: Ctx, job: JobDef, part: 'conformance' | 'upgrade-conformance'): string[] {
  const skipTag = PLATFORM_SKIP_TAG[job.platform];
  const pool = job.suite === 'serial' ? ctx.cat.serialTests : ctx.cat.parallelTests;
  let tests = pool.filter((t) => !t.includes(skipTag));
  // Upgrade jobs run a lighter conformance pass after the upgrade; it never includes the test
  // whose regression is planted on the two plain AWS jobs.
  if (part === 'upgrade-conformance') tests = tests.filter((t) => hash32(t, 11) % 5 < 2 && t !== ctx.cat.regressedTest);
  return [...tests, ...ctx.cat.invariantTests];
}

const pools = new Map<string, Set<string>>();
function jobPool(ctx: Ctx, job: JobDef): Set<string> {
  const key = `${ctx.seed}\u0000${job.name}`;
  let set = pools.get(key);
  if (!set) {
    set = new Set(job.suite === 'serial' ? ctx.cat.serialTests : ctx.cat.parallelTests);
    pools.set(key, set);
  }
  return set;
}

/** Tests a job always skips at run time (fixed per job and seed, about 3 %). */
function alwaysSkipped(ctx: Ctx, job: JobDef, test: string): boolean {
  return test !== ctx.cat.regressedTest && hash32(`${job.name}\u0000${test}`, ctx.seed) % 1000 < 30;
}

function runSuite(
  ctx: Ctx,
  run: RunPlan,
  r: Rng,
  tests: readonly string[],
  fromMs: number,
  wallMs: number,
  workNamespace: string,
  badSet: ReadonlySet<string>,
  forced: ReadonlyMap<string, string | null>,
): SuiteOutcome {
  // Only conformance tests are skipped at run time; monitor and upgrade tests always report.
  const pool = jobPool(ctx, run.job);
  const main: JunitCase[] = [];
  const retries: JunitCase[] = [];
  const failed: string[] = [];
  let passed = 0;
  let skipped = 0;
  let plantedTest: SuiteOutcome['plantedTest'];
  for (const name of r.shuffle(tests)) {
    const profile = testProfile(ctx.seed, name);
    const seconds = profile.seconds * r.float(0.8, 1.3);
    if (!forced.has(name) && pool.has(name) && alwaysSkipped(ctx, run.job, name)) {
      main.push({ name, seconds: 0, skipped: skipText(name) });
      skipped++;
      continue;
    }
    const at = fromMs + r.next() * wallMs;
    let fail: boolean;
    let flake = false;
    let text: string | undefined;
    if (forced.has(name)) {
      const forcedText = forced.get(name);
      fail = forcedText !== null && forcedText !== undefined;
      text = forcedText ?? undefined;
    } else if (name === ctx.cat.regressedTest && run.plantedTest !== undefined) {
      fail = run.plantedTest === 'fail';
      if (fail) text = regressionFailure(name, makeNoise(r, at, workNamespace));
    } else {
      fail = r.chance(profile.failP) || badSet.has(name);
      flake = !fail && r.chance(profile.flakeP);
    }
    if (fail || flake) {
      const failure = text ?? failureText(name, makeNoise(r, at, workNamespace));
      main.push({ name, seconds, failure });
      if (flake) retries.push({ name, seconds: seconds * r.float(0.7, 1.1) });
    } else {
      main.push({ name, seconds });
    }
    if (fail) failed.push(name);
    else passed++;
    if (name === ctx.cat.regressedTest) plantedTest = fail ? 'fail' : flake ? 'flake' : 'pass';
  }
  const outcome: SuiteOutcome = { cases: [...main, ...retries], failed, passed, skipped };
  if (plantedTest !== undefined) outcome.plantedTest = plantedTest;
  return outcome;
}

/** A value from the backend's historical distribution (piecewise linear through its percentiles). */
function sampleDisruption(r: Rng, p: Percentiles): number {
  const points: Array<[number, number]> = [
    [0, 0],
    [0.5, p.p50],
    [0.75, p.p75],
    [0.95, p.p95],
    [0.99, p.p99],
    [1, p.p99 * 1.3 + 1],
  ];
  const u = r.next();
  let v = 0;
  for (let i = 1; i < points.length; i++) {
    const [u0, v0] = points[i - 1] as [number, number];
    const [u1, v1] = points[i] as [number, number];
    if (u <= u1) {
      v = v0 + ((u - u0) / (u1 - u0)) * (v1 - v0);
      break;
    }
  }
  // The monitors mostly report whole seconds; sometimes sub-second precision survives.
  const rounded = r.chance(0.85) ? Math.round(v) : Math.round(v * 10) / 10;
  return rounded < 0.1 ? 0 : rounded;
}

/** The limit above which the availability test fails (historical P99 with headroom). */
function allowedSeconds(p: Percentiles): number {
  return Math.ceil(p.p99 * 1.3) + 5;
}

interface DisruptionPart {
  seconds: Map<string, number>;
}

function disruptionMessages(r: Rng, backend: string, seconds: number, workNamespace: string, fromMs: number): string[] | null {
  if (seconds <= 0) return null;
  const m = /^(.*)-(new|reused)-connections$/.exec(backend);
  const base = m?.[1] ?? backend;
  const conn = m?.[2] ?? 'new';
  const count = Math.min(3, Math.max(1, Math.ceil(seconds / 8)));
  const url = base.startsWith('ingress-to-console')
    ? `https://console-openshift-console.apps.${workNamespace}.ci.example/healthz`
    : base.startsWith('ingress-to-oauth')
      ? `https://oauth-openshift.apps.${workNamespace}.ci.example/healthz`
      : `https://api.${workNamespace}.ci.example:6443/api/v1/namespaces/default`;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = fromMs + r.int(5, 80) * MINUTE;
    out.push(
      `${isoSeconds(at)} backend-disruption-name/${backend} connection/${conn} disruption/openshift-tests ` +
        `stopped responding to GET requests over ${conn} connections: Get "${url}": ` +
        r.pick(['net/http: timeout awaiting response headers', `dial tcp 10.0.${r.int(0, 255)}.${r.int(1, 254)}:6443: connect: connection refused`, 'EOF']),
    );
  }
  return out;
}

function disruptionJson(r: Rng, part: DisruptionPart, workNamespace: string, fromMs: number): string {
  const entries: Array<[string, unknown]> = [];
  for (const [backend, seconds] of part.seconds) {
    entries.push([
      backend,
      {
        Name: backend,
        BackendName: backend,
        ConnectionType: backend.endsWith('-reused-connections') ? 'Reused' : 'New',
        DisruptedDuration: goDuration(Math.round(seconds * 1000)),
        DisruptionMessages: disruptionMessages(r, backend, seconds, workNamespace, fromMs),
        LoadBalancerType: '',
        Protocol: '',
        TargetAPI: '',
      },
    ]);
  }
  return `${goJson({ BackendDisruptions: sortedMap(entries) }, '    ')}\n`;
}

function clusterData(run: RunPlan, releaseImage: string): string {
  const job = run.job;
  const history = run.fromTag ? [releaseImage, run.fromTag] : [releaseImage];
  return `${goJson(
    {
      Release: '4.22',
      FromRelease: job.upgrade === 'minor' ? '4.21' : job.upgrade === 'micro' ? '4.22' : '',
      Platform: job.platform,
      Architecture: 'amd64',
      Network: 'ovn',
      Topology: 'ha',
      NetworkStack: 'IPv4',
      CloudRegion: job.region,
      CloudZone: job.zone,
      ClusterVersionHistory: history,
      MasterNodesUpdated: job.upgrade === 'none' ? 'N' : 'Y',
    },
    '    ',
  )}\n`;
}

/** Cut a document in the middle of a <testcase> start tag, as a killed writer leaves it. */
function truncateXml(xml: string, r: Rng): string {
  const from = Math.floor(xml.length * r.float(0.45, 0.65));
  const at = xml.indexOf('<testcase name="', from);
  return xml.slice(0, (at < 0 ? from : at) + 40);
}

function oddHtml(workNamespace: string): string {
  return [
    '<!DOCTYPE html>',
    '<html>',
    '<head>',
    '<meta charset="utf-8">',
    '<title>503 Service Unavailable</title>',
    '</head>',
    '<body>',
    '<h1>Service Unavailable</h1>',
    `<p>gather-extra could not fetch the diagnostics report from ${workNamespace}: upstream connect error or disconnect/reset before headers<br>`,
    'retry later&nbsp;or check the route.</p>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function prowUrl(run: RunPlan): string {
  return `https://prow.ci.openshift.org/view/gs/${BUCKET}/${run.path.slice(0, -1)}`;
}

function prowjobJson(run: RunPlan, r: Rng, result: RenderedResult, podName: string): string {
  const name = uuid(r);
  const { labels, annotations } = prowjobLabels(run, name);
  return goJson(
    {
      kind: 'ProwJob',
      apiVersion: 'prow.k8s.io/v1',
      metadata: {
        name,
        namespace: 'ci',
        uid: uuid(r),
        resourceVersion: String(r.int(1_500_000_000, 2_100_000_000)),
        generation: result === 'pending' ? 3 : r.int(6, 11),
        creationTimestamp: isoSeconds(run.startMs),
        labels: sortedMap(labels),
        annotations: sortedMap(annotations),
      },
      spec: prowjobSpec(run),
      status: prowjobStatus(run, result, podName),
    },
    '\t',
  );
}

function prowjobLabels(run: RunPlan, name: string): { labels: Array<[string, string]>; annotations: Array<[string, string]> } {
  const job = run.job;
  const labels: Array<[string, string]> = [
    ['created-by-prow', 'true'],
    ['prow.k8s.io/build-id', run.buildId],
    ['prow.k8s.io/context', job.kind === 'presubmit' ? job.target : ''],
    ['prow.k8s.io/id', name],
    // Label values are capped at 63 characters; Prow truncates the job name to fit.
    ['prow.k8s.io/job', job.name.slice(0, 63)],
    ['prow.k8s.io/type', job.kind],
  ];
  const annotations: Array<[string, string]> = [
    ['prow.k8s.io/context', job.kind === 'presubmit' ? job.target : ''],
    ['prow.k8s.io/job', job.name],
  ];
  if (run.payloadTag) {
    labels.push(['release.openshift.io/verify', 'true']);
    annotations.push(['release.openshift.io/tag', run.payloadTag]);
    if (run.fromTag) annotations.push(['release.openshift.io/from-tag', run.fromTag]);
  }
  if (run.pull) {
    labels.push(
      ['prow.k8s.io/is-optional', 'false'],
      ['prow.k8s.io/refs.base_ref', 'main'],
      ['prow.k8s.io/refs.org', 'openshift'],
      ['prow.k8s.io/refs.pull', String(run.pull.number)],
      ['prow.k8s.io/refs.repo', 'origin'],
    );
  }
  return { labels, annotations };
}

function prowjobSpec(run: RunPlan): Record<string, unknown> {
  const job = run.job;
  const spec: Record<string, unknown> = {
    type: job.kind,
    agent: 'kubernetes',
    cluster: job.cluster,
    namespace: 'ci',
    job: job.name,
  };
  if (run.pull) {
    spec.refs = {
      org: 'openshift',
      repo: 'origin',
      repo_link: 'https://github.com/openshift/origin',
      base_ref: 'main',
      base_sha: run.pull.baseSha,
      base_link: `https://github.com/openshift/origin/commit/${run.pull.baseSha}`,
      pulls: [
        {
          number: run.pull.number,
          author: run.pull.author,
          sha: run.pull.sha,
          title: run.pull.title,
          link: `https://github.com/openshift/origin/pull/${run.pull.number}`,
          commit_link: `https://github.com/openshift/origin/pull/${run.pull.number}/commits/${run.pull.sha}`,
          author_link: `https://github.com/${run.pull.author}`,
        },
      ],
    };
    spec.report = true;
    spec.context = `ci/prow/${job.target}`;
    spec.rerun_command = `/test ${job.target}`;
  } else {
    spec.extra_refs = [{ org: 'openshift', repo: 'release', base_ref: 'main' }];
    spec.report = true;
  }
  spec.decoration_config = {
    timeout: job.durationFactor >= 1.5 ? '6h0m0s' : '4h0m0s',
    grace_period: '1h0m0s',
    gcs_configuration: {
      bucket: BUCKET,
      path_strategy: 'single',
      default_org: 'openshift',
      default_repo: 'origin',
      mediaTypes: { log: 'text/plain' },
    },
    gcs_credentials_secret: 'gce-sa-credentials-gcs-publisher',
    skip_cloning: true,
  };
  spec.prowjob_defaults = { tenant_id: 'GlobalDefaultID' };
  return spec;
}

const PROWJOB_DESCRIPTIONS: Record<RenderedResult, string> = {
  success: 'Job succeeded.',
  failure: 'Job failed.',
  aborted: 'Job aborted.',
  error: 'Pod got deleted unexpectedly',
  pending: 'Job triggered.',
};

function prowjobStatus(run: RunPlan, result: RenderedResult, podName: string): Record<string, unknown> {
  const status: Record<string, unknown> = {
    startTime: isoSeconds(run.startMs),
    pendingTime: isoSeconds(run.pendingMs),
  };
  if (run.endMs !== null) status.completionTime = isoSeconds(run.endMs + 20_000);
  status.state = result;
  status.description = PROWJOB_DESCRIPTIONS[result];
  status.url = prowUrl(run);
  status.pod_name = podName;
  status.build_id = run.buildId;
  if (result !== 'pending') status.prev_report_states = { gcsk8sreporter: result, gcsreporter: result };
  return status;
}

function startedJson(run: RunPlan, releaseSha: string): string {
  // initupload writes the testgrid Started struct with json.Marshal (compact, struct field order).
  if (run.pull) {
    const pr = run.pull;
    return goJson({
      timestamp: Math.floor(run.podStartMs / 1000),
      pull: String(pr.number),
      repos: { 'openshift/origin': `main:${pr.baseSha},${pr.number}:${pr.sha}` },
      'repo-commit': pr.sha,
      'repo-version': pr.sha,
    });
  }
  return goJson({
    timestamp: Math.floor(run.podStartMs / 1000),
    repos: { 'openshift/release': 'main' },
    'repo-commit': releaseSha,
    'repo-version': releaseSha,
  });
}

function finishedJson(run: RunPlan, result: RenderedResult, workNamespace: string): string {
  const end = Math.floor((run.endMs as number) / 1000);
  const passed = result === 'success';
  if (run.crierFinished) {
    // crier: MarshalIndent with tabs, lower-case ProwJob state, uploader "crier".
    return goJson({ timestamp: end + 25, passed, metadata: { uploader: 'crier' }, result }, '\t');
  }
  const repo = run.pull ? 'openshift/origin' : 'openshift/release';
  const repoRef = run.pull ? `main:${run.pull.baseSha},${run.pull.number}:${run.pull.sha}` : 'main';
  return goJson({
    timestamp: end,
    passed,
    metadata: sortedMap<unknown>([
      ['repo', repo],
      ['repos', { [repo]: repoRef }],
      ['work-namespace', workNamespace],
    ]),
    result: result.toUpperCase(),
    revision: run.pull ? run.pull.sha : 'main',
  });
}

interface LogLine {
  at: number;
  level: 'INFO' | 'ERROR';
  text: string;
}

function buildLog(lines: LogLine[]): string {
  return `${lines.map((l) => `${l.level}[${logTime(l.at)}] ${l.text}`).join('\n')}\n`;
}

function entrypointFailure(atMs: number): string {
  return (
    `{"component":"entrypoint","error":"wrapped process failed: exit status 1","file":"sigs.k8s.io/prow/pkg/entrypoint/run.go:84",` +
    `"func":"sigs.k8s.io/prow/pkg/entrypoint.Options.internalRun","level":"error","msg":"Error executing test process",` +
    `"severity":"error","time":"${isoSeconds(atMs)}"}\nerror: failed to execute wrapped command: exit status 1\n`
  );
}

export function renderRun(ctx: Ctx, run: RunPlan): RenderedRun {
  const render = new RunRenderer(ctx, run);
  render.startLog();
  // Nothing but started.json and prowjob.json reach the bucket before the sidecar uploads.
  if (run.fate === 'pending' || run.fate === 'died') return render.unstarted(run.fate === 'pending' ? 'pending' : 'error');
  const preEnd = render.prePhase();
  let result: RenderedResult;
  if (run.fate === 'aborted') result = render.abort();
  else if (run.fate !== 'install-failure') result = render.testPhase();
  else result = 'failure';
  if (run.fate !== 'aborted') render.postPhase(result, preEnd);
  return render.finish(result);
}

/** When each phase of a run begins and ends (epoch ms). */
interface Timeline {
  /** The pod started: ci-operator's first log line. */
  t0: number;
  setupEnd: number;
  installEnd: number;
  testsStart: number;
  /** Length of the upgrade suite (0 on jobs without an upgrade). */
  upgradeMs: number;
  confStart: number;
  /** Length of the conformance suite. */
  confMs: number;
  testsEnd: number;
  /** The run's end, or +Infinity for a run still pending. */
  end: number;
}

/** Phase boundaries, as fractions of the run's undisturbed length. */
function planTimeline(run: RunPlan, r: Rng, upgrade: boolean): Timeline {
  const D = run.fullDurationMs;
  const t0 = run.podStartMs;
  const setupEnd = t0 + r.int(3, 7) * MINUTE;
  const installEnd = setupEnd + D * r.float(0.24, 0.3);
  const testsStart = installEnd + r.int(1, 3) * MINUTE;
  const upgradeMs = upgrade ? D * r.float(0.3, 0.34) : 0;
  const confMs = D * (upgrade ? r.float(0.22, 0.26) : run.job.suite === 'serial' ? r.float(0.46, 0.52) : r.float(0.4, 0.46));
  const confStart = testsStart + upgradeMs + (upgrade ? r.int(1, 3) * MINUTE : 0);
  const testsEnd = confStart + confMs;
  const end = run.endMs ?? Number.POSITIVE_INFINITY;
  return { t0, setupEnd, installEnd, testsStart, upgradeMs, confStart, confMs, testsEnd, end };
}

/**
 * One run being rendered, phase by phase: the files written so far, ci-operator's steps and build log. Every
 * draw comes from the run's one stream in a fixed order, so the methods must run in the order renderRun calls them.
 */
class RunRenderer {
  readonly files: RenderedFile[] = [];
  private readonly steps: StepCase[] = [];
  private readonly log: LogLine[] = [];
  private readonly ctx: Ctx;
  private readonly run: RunPlan;
  private readonly job: JobDef;
  private readonly r: Rng;
  private readonly workNamespace: string;
  private readonly podName: string;
  private readonly releaseSha: string;
  private readonly releaseImage: string;
  private readonly testVersion: string;
  private readonly upgrade: boolean;
  private readonly t: Timeline;
  private readonly junitDir: string;
  private plantedTest: RenderedRun['plantedTest'];
  private plantedBackendSeconds: number | undefined;

  constructor(ctx: Ctx, run: RunPlan) {
    const r = rngFor(ctx.seed, 'render', run.key);
    this.ctx = ctx;
    this.run = run;
    this.job = run.job;
    this.r = r;
    this.workNamespace = `ci-op-${r.alnum(8)}`;
    this.podName = uuid(r);
    this.releaseSha = r.hex(40);
    this.releaseImage = run.payloadTag ?? `0.0.1-0.test-${payloadStamp(run.startMs)}-${this.workNamespace}-latest`;
    this.testVersion = `v4.1.0-${10200 + Math.floor((run.startMs / 86_400_000) % 400)}-g${r.hex(7)}`;
    this.upgrade = run.job.upgrade !== 'none';
    this.t = planTimeline(run, r, this.upgrade);
    this.junitDir = `artifacts/${run.job.target}/openshift-e2e-test/artifacts/junit/`;
  }

  private add(name: string, content: string, mtimeMs: number): void {
    this.files.push({ path: this.run.path + name, content, mtimeMs });
  }

  private stepSeconds(ms: number): number {
    return ms / 1000 + this.r.next() / 1000;
  }

  /** ci-operator's first log lines, and the setup steps: payload imports for periodics, image builds for the presubmit. */
  startLog(): void {
    const { run, job, r, log } = this;
    const { t0, setupEnd } = this.t;
    log.push({ at: t0, level: 'INFO', text: `ci-operator version v20261118-${r.hex(9)}` });
    log.push({
      at: t0,
      level: 'INFO',
      text: run.pull
        ? `Loading configuration from https://config.ci.openshift.org for openshift/origin@main`
        : `Loading configuration from https://config.ci.openshift.org for openshift/release@main [${configVariant(job)}]`,
    });
    log.push({
      at: t0 + 2000,
      level: 'INFO',
      text: `Using namespace https://console.${job.cluster}.ci.openshift.org/k8s/cluster/projects/${this.workNamespace}`,
    });
    const setupNames = run.pull
      ? this.ctx.cat.buildStepNames
      : this.upgrade
        ? ['Import the release payload "initial" from an external source', 'Import the release payload "latest" from an external source']
        : ['Import the release payload "latest" from an external source'];
    for (const name of setupNames) this.steps.push({ name, seconds: this.stepSeconds((setupEnd - t0) / setupNames.length) });
  }

  /** A run still pending, or whose pod died: only started.json and prowjob.json. */
  unstarted(result: 'pending' | 'error'): RenderedRun {
    const { run } = this;
    this.add('started.json', startedJson(run, this.releaseSha), run.podStartMs);
    this.add('prowjob.json', prowjobJson(run, this.r, result, this.podName), run.endMs === null ? run.podStartMs + 60_000 : run.endMs + 20_000);
    return { files: this.files, result };
  }

  /** The pre phase (cluster install); returns when it ended. An install failure or an abort cuts it short. */
  prePhase(): number {
    const { run, job, steps, log } = this;
    const { setupEnd, installEnd, end } = this.t;
    const pre = preSteps(job);
    const failedInstall = run.fate === 'install-failure';
    let cursor = setupEnd;
    let preComplete = true;
    for (const step of pre) {
      const share = step === installStep(job) ? 0.8 : 0.2 / (pre.length - 1);
      const ms = (installEnd - setupEnd) * share;
      if (run.fate === 'aborted' && cursor + ms > end - MINUTE) {
        // The abort came while this step was still running: it never reports.
        preComplete = false;
        break;
      }
      log.push({ at: cursor, level: 'INFO', text: `Running step ${job.target}-${step}.` });
      cursor += ms;
      if (failedInstall && step === installStep(job)) {
        const failure = this.installFailure(cursor);
        steps.push({ name: stepCaseName(job, step), seconds: this.stepSeconds(ms), failure });
        log.push({ at: cursor, level: 'ERROR', text: `Step ${job.target}-${step} failed after ${goDurationSeconds(ms / 1000)}.` });
        break;
      }
      steps.push({ name: stepCaseName(job, step), seconds: this.stepSeconds(ms) });
      log.push({ at: cursor, level: 'INFO', text: `Step ${job.target}-${step} succeeded after ${goDurationSeconds(ms / 1000)}.` });
    }
    if (preComplete)
      steps.push(
        failedInstall
          ? {
              name: 'Run multi-stage test pre phase',
              seconds: this.stepSeconds(cursor - setupEnd),
              failure: `"${job.target}" pre steps failed: "${job.target}" pod "${job.target}-${installStep(job)}" failed: the pod ${this.workNamespace}/${job.target}-${installStep(job)} failed after ${goDurationSeconds((cursor - setupEnd) / 1000)} (failed containers: test): ContainerFailed one or more containers exited`,
            }
          : { name: 'Run multi-stage test pre phase', seconds: this.stepSeconds(installEnd - setupEnd) },
      );
    return cursor;
  }

  private installFailure(atMs: number): string {
    const { job } = this;
    return (
      `Installing from release registry.${job.cluster}.ci.openshift.org/${this.workNamespace}/release@sha256:${this.r.hex(64)}\n` +
      `level=error msg=Cluster operator authentication Degraded is True with OAuthServerRouteEndpointAccessibleController_SyncError\n` +
      `level=error msg=Cluster operator console Available is False with RouteHealth_FailedGet\n` +
      `level=fatal msg=failed to initialize the cluster: Cluster operators authentication, console are not available\n` +
      entrypointFailure(atMs)
    );
  }

  abort(): RenderedResult {
    const { end } = this.t;
    this.log.push({ at: end - 30_000, level: 'INFO', text: 'Received signal, cancelling execution.' });
    this.log.push({ at: end - 20_000, level: 'ERROR', text: 'Some steps failed:' });
    this.log.push({ at: end - 20_000, level: 'ERROR', text: '  * could not run steps: execution cancelled' });
    return 'aborted';
  }

  /** The test phase: openshift-tests (upgrade first on upgrade jobs, then conformance), and its step. */
  testPhase(): RenderedResult {
    const { ctx, job, r } = this;
    const badSet = new Set<string>();
    if (r.chance(0.06)) {
      // A bad cluster: a handful of unrelated tests fail together in one run.
      const candidates = testsFor(ctx, job, 'conformance').filter((t) => t !== ctx.cat.regressedTest);
      for (const t of r.shuffle(candidates).slice(0, r.int(3, 12))) badSet.add(t);
    }
    const testFailures: string[] = [];
    let confDisruption: DisruptionPart | undefined;
    if (this.upgrade) {
      const forced = new Map<string, string | null>();
      const disruption = this.upgradeDisruption(forced);
      confDisruption = disruption.conformance;
      testFailures.push(...this.upgradeSuite(forced, disruption.upgrade));
    }
    const conf = this.conformanceSuite(badSet, confDisruption);
    testFailures.push(...conf.failed);
    return this.testStep(testFailures, conf);
  }

  /**
   * Each backend's disruption during the upgrade and during conformance after it; the availability test of each
   * backend is forced to fail when the upgrade's disruption passes its limit.
   */
  private upgradeDisruption(forced: Map<string, string | null>): { upgrade: DisruptionPart; conformance: DisruptionPart } {
    const { ctx, run, job, r, workNamespace } = this;
    const { cat } = ctx;
    const fromRelease = baselineFromRelease(job.upgrade);
    const backends = cat.backends.filter((b) => backendRunsOn(b, job.platform));
    const upgradePart: DisruptionPart = { seconds: new Map() };
    const confPart: DisruptionPart = { seconds: new Map() };
    for (const backend of backends) {
      const p = cat.baselines.get(baselineKey(job.platform, fromRelease, backend)) ?? { p50: 0, p75: 0, p95: 0, p99: 0 };
      let up: number;
      let conf: number;
      if (run.zeroDisruption) {
        up = 0;
        conf = 0;
      } else if (backend === PLANTED.disruptionRegression.backend && run.plantedBackendSeconds !== undefined) {
        up = run.plantedBackendSeconds;
        conf = r.chance(0.3) ? 1 : 0;
      } else {
        const total = sampleDisruption(r, p);
        conf = total >= 2 && r.chance(0.25) ? Math.min(total, r.int(1, 2)) : 0;
        up = Math.round((total - conf) * 10) / 10;
      }
      upgradePart.seconds.set(backend, up);
      confPart.seconds.set(backend, conf);
      const limit = allowedSeconds(p);
      forced.set(
        availabilityTestName(backend),
        up > limit
          ? `${backend} was unreachable during disruption testing for at least ${goDuration(Math.round(up * 1000))} of ` +
              `${goDuration(Math.round(this.t.upgradeMs / 1000) * 1000)} (maxAllowed=${goDuration(limit * 1000)}):\n\n` +
              (disruptionMessages(r, backend, up, workNamespace, this.t.testsStart) ?? []).join('\n')
          : null,
      );
      if (backend === PLANTED.disruptionRegression.backend && job.name === PLANTED.disruptionRegression.job) {
        this.plantedBackendSeconds = Math.ceil(up) + Math.ceil(conf);
      }
    }
    return { upgrade: upgradePart, conformance: confPart };
  }

  /** The upgrade suite: the upgrade tests, the monitor tests, one availability test per backend. Returns its failures. */
  private upgradeSuite(forced: Map<string, string | null>, disruption: DisruptionPart): string[] {
    const { ctx, run, r, releaseImage } = this;
    const { cat } = ctx;
    const { testsStart, upgradeMs, end } = this.t;
    const upgradeTests = [...cat.upgradeTests, ...cat.invariantTests, ...[...forced.keys()]];
    const functional = cat.upgradeTests.find((t) => t.includes('Cluster should remain functional during upgrade'));
    if (functional && r.chance(0.015)) {
      forced.set(
        functional,
        `fail [github.com/openshift/origin/test/e2e/upgrade/upgrade.go:${200 + (hash32(functional) % 200)}]: during upgrade to ${releaseImage}: ` +
          `Cluster did not complete upgrade: timed out waiting for the condition: Working towards ${releaseImage}: 711 of 903 done (78% complete), waiting on machine-config`,
      );
    }
    const up = runSuite(ctx, run, r, upgradeTests, testsStart, upgradeMs, this.workNamespace, new Set(), forced);
    const stamp = fileStamp(testsStart);
    this.add(`${this.junitDir}junit_e2e__${stamp}.xml`, openshiftTestsJunit('openshift-tests-upgrade', this.testVersion, upgradeMs / 1000, up.cases), end);
    this.add(`${this.junitDir}backend-disruption_${stamp}.json`, disruptionJson(r, disruption, this.workNamespace, testsStart), end);
    this.add(`${this.junitDir}cluster-data_${stamp}.json`, clusterData(run, releaseImage), end);
    return up.failed;
  }

  /** The conformance suite and the files it leaves, damaged as the run's plan says. */
  private conformanceSuite(badSet: ReadonlySet<string>, disruption: DisruptionPart | undefined): SuiteOutcome {
    const { ctx, run, job, r, junitDir } = this;
    const { confStart, confMs, end } = this.t;
    const confTests = testsFor(ctx, job, this.upgrade ? 'upgrade-conformance' : 'conformance');
    const conf = runSuite(ctx, run, r, confTests, confStart, confMs, this.workNamespace, badSet, new Map());
    if (conf.plantedTest !== undefined) this.plantedTest = conf.plantedTest;
    const stamp = fileStamp(confStart);
    let confXml = openshiftTestsJunit('openshift-tests', this.testVersion, confMs / 1000, conf.cases);
    if (run.fate === 'truncated-junit') confXml = truncateXml(confXml, r);
    this.add(`${junitDir}junit_e2e__${stamp}.xml`, confXml, end);
    if (disruption) {
      let text = disruptionJson(r, disruption, this.workNamespace, confStart);
      // A writer that died half way: the JSON stops mid-object.
      if (run.malformedDisruption) text = text.slice(0, Math.floor(text.length * 0.4));
      this.add(`${junitDir}backend-disruption_${stamp}.json`, text, end);
    }
    this.add(`${junitDir}cluster-data_${stamp}.json`, clusterData(run, this.releaseImage), end);
    if (run.oddArtifact) this.add(`artifacts/${job.target}/gather-extra/artifacts/junit/junit_gather.xml`, oddHtml(this.workNamespace), end);
    return conf;
  }

  /** The test step and its phase, as ci-operator reports them; their outcome is the run's. */
  private testStep(suiteFailures: string[], conf: SuiteOutcome): RenderedResult {
    const { run, job, r, steps, log } = this;
    const { installEnd, confStart, confMs, testsEnd } = this.t;
    const testStepMs = testsEnd - installEnd;
    const stepName = stepCaseName(job, 'openshift-e2e-test');
    let testFailures = suiteFailures;
    log.push({ at: installEnd, level: 'INFO', text: `Running step ${job.target}-openshift-e2e-test.` });
    if (run.fate === 'truncated-junit') {
      testFailures = ['(timeout)'];
      const failure = `Process did not finish before 2h0m0s timeout\n${entrypointFailure(testsEnd)}`;
      steps.push({ name: stepName, seconds: this.stepSeconds(testStepMs), failure });
    } else if (testFailures.length > 0) {
      const unique = [...new Set(testFailures)];
      const failure =
        unique
          .slice(0, 10)
          .map((t) => `failed: (${r.float(1, 300).toFixed(1)}s) ${isoSeconds(confStart + r.next() * confMs)} "${t}"`)
          .join('\n') +
        `\n\n${unique.length} fail, ${conf.passed} pass, ${conf.skipped} skip (${goDurationSeconds(confMs / 1000)})\n` +
        `error: ${unique.length} fail, ${conf.passed} pass, ${conf.skipped} skip (${goDurationSeconds(confMs / 1000)})\n` +
        entrypointFailure(testsEnd);
      steps.push({ name: stepName, seconds: this.stepSeconds(testStepMs), failure });
    } else {
      steps.push({ name: stepName, seconds: this.stepSeconds(testStepMs) });
    }
    const testFailed = testFailures.length > 0;
    log.push({
      at: testsEnd,
      level: testFailed ? 'ERROR' : 'INFO',
      text: `Step ${job.target}-openshift-e2e-test ${testFailed ? 'failed' : 'succeeded'} after ${goDurationSeconds(testStepMs / 1000)}.`,
    });
    steps.push(
      testFailed
        ? {
            name: 'Run multi-stage test test phase',
            seconds: this.stepSeconds(testStepMs),
            failure: `"${job.target}" test steps failed: "${job.target}" pod "${job.target}-openshift-e2e-test" failed: the pod ${this.workNamespace}/${job.target}-openshift-e2e-test failed after ${goDurationSeconds(testStepMs / 1000)} (failed containers: test): ContainerFailed one or more containers exited`,
          }
        : { name: 'Run multi-stage test test phase', seconds: this.stepSeconds(testStepMs) },
    );
    return testFailed ? 'failure' : 'success';
  }

  /** The post phase: gather and teardown run whatever happened before (they start where the pre phase ended on an install failure). */
  postPhase(result: RenderedResult, preEnd: number): void {
    const { run, job, steps, log } = this;
    const { t0, testsEnd, end } = this.t;
    const failedInstall = run.fate === 'install-failure';
    const post = postSteps(job);
    const postStart = failedInstall ? preEnd : testsEnd;
    const postMs = Math.max(5 * MINUTE, end - 60_000 - postStart);
    let at = postStart;
    for (const step of post) {
      const ms = postMs / post.length;
      steps.push({ name: stepCaseName(job, step), seconds: this.stepSeconds(ms) });
      at += ms;
    }
    steps.push({ name: 'Run multi-stage test post phase', seconds: this.stepSeconds(postMs) });
    log.push({ at, level: 'INFO', text: `Ran for ${goDurationSeconds((end - t0) / 1000)}` });
    if (result === 'failure') {
      log.push({ at, level: 'ERROR', text: 'Some steps failed:' });
      log.push({
        at,
        level: 'ERROR',
        text: `  * could not run steps: step ${job.target} failed: "${job.target}" ${failedInstall ? 'pre' : 'test'} steps failed`,
      });
    }
  }

  /** The files every started run ends with: ci-operator's JUnit and log, and Prow's metadata. */
  finish(result: RenderedResult): RenderedRun {
    const { run } = this;
    const { end } = this.t;
    this.add('artifacts/junit_operator.xml', operatorJunit(this.steps), end);
    this.add('build-log.txt', buildLog(this.log), end);
    this.add('started.json', startedJson(run, this.releaseSha), run.podStartMs);
    this.add('finished.json', finishedJson(run, result, this.workNamespace), end + (run.crierFinished ? 25_000 : 0));
    this.add('prowjob.json', prowjobJson(run, this.r, result, this.podName), end + 20_000);
    const rendered: RenderedRun = { files: this.files, result };
    if (this.plantedTest !== undefined) rendered.plantedTest = this.plantedTest;
    if (this.plantedBackendSeconds !== undefined) rendered.plantedBackendSeconds = this.plantedBackendSeconds;
    return rendered;
  }
}
