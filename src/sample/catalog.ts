/**
 * Everything the generator takes from real data, loaded from the copies in src/sample/raw/:
 * test names, disruption backends and their historical percentiles, and the release-controller
 * run timings that set the sample's cadence. See data/sample/README.md for provenance.
 */
import { readFileSync } from 'node:fs';
import type { Platform, UpgradeKind } from './jobs.ts';

function raw(name: string): string {
  return readFileSync(new URL(`./raw/${name}`, import.meta.url), 'utf8');
}

function rawLines(name: string): string[] {
  return raw(name)
    .split('\n')
    .filter((l) => l.length > 0);
}

function codePointSort(items: Iterable<string>): string[] {
  return [...items].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface Catalog {
  /** openshift/conformance/parallel tests (origin + kubernetes), code-point sorted. */
  parallelTests: string[];
  /** openshift/conformance/serial tests. */
  serialTests: string[];
  /** [Feature:ClusterUpgrade] tests: the openshift-tests-upgrade suite. */
  upgradeTests: string[];
  /** Monitor/invariant test names taken from sippy's regression records (present in every openshift-tests run). */
  invariantTests: string[];
  /** The real test whose regression is planted (a test sippy once recorded as regressed on AWS OVN). */
  regressedTest: string;
  /** Full backend names (`<backend>-<new|reused>-connections`). */
  backends: string[];
  /** Historical percentiles (seconds) keyed by baselineKey(). */
  baselines: Map<string, Percentiles>;
  /** Real gaps between consecutive nightly payloads' runs of one job (ms). */
  payloadGapsMs: number[];
  /** Real delays from payload creation (its tag time) to job start (ms). */
  startDelaysMs: number[];
  /** Real durations of periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-csi runs (ms). */
  durationsMs: number[];
  /** ci-operator step names from the real junit_operator.xml (presubmit image-build steps). */
  buildStepNames: string[];
}

export interface Percentiles {
  p50: number;
  p75: number;
  p95: number;
  p99: number;
}

export function baselineKey(platform: string, fromRelease: string, backend: string): string {
  return `${platform}|${fromRelease}|${backend}`;
}

/**
 * Origin ships baselines up to 4.20 only; the sample's 4.22 jobs borrow the 4.20 records: micro
 * upgrades (4.22→4.22) the 4.20→4.20 rows, the 4.21→4.22 minor upgrade the 4.19→4.20 rows.
 */
export function baselineFromRelease(upgrade: UpgradeKind): string {
  return upgrade === 'minor' ? '4.19' : '4.20';
}

/** `[Skipped:<x>]` annotations that drop a test from the suite on that platform. */
export const PLATFORM_SKIP_TAG: Record<Platform, string> = {
  aws: '[Skipped:aws]',
  azure: '[Skipped:azure]',
  gcp: '[Skipped:gce]',
  metal: '[Skipped:baremetal]',
  vsphere: '[Skipped:vsphere]',
};

/**
 * The long-standing backends (API servers direct and cached, ingress routes, registry, service
 * load balancer, network liveness). The newer per-protocol and pod/host network backends in
 * backend-names.txt are left out to keep the sample small.
 */
const SAMPLE_BACKEND_BASES = new Set([
  'kube-api',
  'openshift-api',
  'oauth-api',
  'cache-kube-api',
  'cache-openshift-api',
  'cache-oauth-api',
  'ingress-to-console',
  'ingress-to-oauth-server',
  'image-registry',
  'service-load-balancer-with-pdb',
  'ci-cluster-network-liveness',
  'aws-network-liveness',
  'azure-network-liveness',
  'gcp-network-liveness',
]);

/** Whether the sample writes `backend` for a run on `platform` (a cloud's liveness monitor runs only there). */
export function backendRunsOn(backend: string, platform: Platform): boolean {
  const base = backend.replace(/-(new|reused)-connections$/, '');
  if (!SAMPLE_BACKEND_BASES.has(base)) return false;
  const m = /^(aws|azure|gcp)-network-liveness$/.exec(base);
  return m === null || m[1] === platform;
}

interface RegressionRecord {
  TestName: string;
}

interface ReleaseControllerRun {
  release_verify_tag: string;
  prowjob_job_name: string;
  prowjob_start: string;
  prowjob_completion: string | null;
}

interface BaselineRecord {
  BackendName: string;
  FromRelease: string;
  Platform: string;
  P50: string;
  P75: string;
  P95: string;
  P99: string;
}

/** The release-controller file's times have no zone; they are UTC. */
function utc(text: string): number {
  return Date.parse(`${text}Z`);
}

let cached: Catalog | undefined;

export function loadCatalog(): Catalog {
  if (cached) return cached;
  const names = [...rawLines('origin-test-names.excerpt.txt'), ...rawLines('kubernetes-test-names.excerpt.txt')];
  const upgradeTests = codePointSort(names.filter((n) => n.includes('[Feature:ClusterUpgrade]')));
  const parallelTests = codePointSort(names.filter((n) => n.includes('[Suite:openshift/conformance/parallel') && !n.includes('[Feature:ClusterUpgrade]')));
  const serialTests = codePointSort(names.filter((n) => n.includes('[Suite:openshift/conformance/serial')));

  const records: RegressionRecord[] = [];
  for (const file of ['regressions_4.17.json', 'regressions_4.18.json', 'OCPBUGS-44757-node-lifecycle.json', 'OCPBUGS-57351-operators-watch-channels.json']) {
    const parsed = JSON.parse(raw(file)) as RegressionRecord | RegressionRecord[];
    records.push(...(Array.isArray(parsed) ? parsed : [parsed]));
  }
  // Names without a [Suite:...] tag are monitor tests: openshift-tests emits them in every run.
  const invariantTests = codePointSort(new Set(records.map((r) => r.TestName).filter((n) => !n.includes('[Suite:'))));
  const regressedTest = records.map((r) => r.TestName).find((n) => n.includes('with L2 primary UDN'));
  if (!regressedTest || !parallelTests.includes(regressedTest)) throw new Error('planted regression test missing from the raw test names');

  const baselines = new Map<string, Percentiles>();
  for (const r of JSON.parse(raw('query_results.excerpt.json')) as BaselineRecord[]) {
    baselines.set(baselineKey(r.Platform, r.FromRelease, r.BackendName), {
      p50: Number(r.P50),
      p75: Number(r.P75),
      p95: Number(r.P95),
      p99: Number(r.P99),
    });
  }

  // Cadence: the e2e-aws-csi job ran once per accepted nightly payload; its runs give the payload
  // spacing, the delay from payload creation to job start, and a typical e2e run's length.
  const runs = (JSON.parse(raw('bquxjob_65df743f_19de556b6a3.json')) as ReleaseControllerRun[])
    .filter((r) => r.prowjob_job_name.endsWith('-e2e-aws-csi') && r.release_verify_tag.includes('.nightly-') && r.prowjob_completion)
    .map((r) => {
      const stamp = /nightly-(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})(\d{2})$/.exec(r.release_verify_tag);
      if (!stamp) throw new Error(`unexpected tag ${r.release_verify_tag}`);
      const [, y, mo, d, h, mi, s] = stamp;
      return {
        tagMs: Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)),
        startMs: utc(r.prowjob_start),
        endMs: utc(r.prowjob_completion as string),
      };
    })
    .sort((a, b) => a.startMs - b.startMs);
  const payloadGapsMs: number[] = [];
  for (let i = 1; i < runs.length; i++) payloadGapsMs.push((runs[i]?.startMs ?? 0) - (runs[i - 1]?.startMs ?? 0));

  const operator = raw('junit_operator.xml');
  const buildStepNames = [...operator.matchAll(/<testcase name="([^"]*)"/g)].map((m) =>
    (m[1] ?? '').replaceAll('&#34;', '"').replaceAll('ocp/4.10', 'ocp/4.22'),
  );

  cached = {
    parallelTests,
    serialTests,
    upgradeTests,
    invariantTests,
    regressedTest,
    backends: rawLines('backend-names.txt'),
    baselines,
    payloadGapsMs,
    startDelaysMs: runs.map((r) => r.startMs - r.tagMs),
    durationsMs: runs.map((r) => r.endMs - r.startMs),
    buildStepNames,
  };
  return cached;
}
