/**
 * Prow installations other than OpenShift's: Kubernetes' bucket layout (Prow's `legacy` path strategy, the
 * kubernetes-ci-logs bucket), variants that degrade gracefully for 505 real Kubernetes job names (they follow no
 * OpenShift convention), and the example config for Kubernetes' release-blocking jobs.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.ts';
import { resolvePlan } from '../src/config/run-plan.ts';
import { fetchRuns } from '../src/ingest/fetch-runs.ts';
import { RunCache } from '../src/ingest/run-cache.ts';
import type { RunRecord } from '../src/ingest/run-record.ts';
import { variantKey, variantsFromJobName } from '../src/ingest/variants.ts';
import { createLocalSource } from '../src/source/local-source.ts';
import { prowRunUrl } from '../src/util/prow-links.ts';
import { AS_OF_MS, DAY_S } from './support/constants.ts';
import { tempDir } from './support/prow-tree.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const lines = (file: string): string[] =>
  readFileSync(path.join(ROOT, file), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
const K8S_NAMES = lines('test/fixtures/kubernetes/test-infra-job-names.txt');
const BLOCKING = lines('test/fixtures/kubernetes/sig-release-master-blocking.txt');
const OPENSHIFT_NAMES = [
  ...lines('test/fixtures/real/openshift/sippy/pkg/testidentification/ocp_never_stable.txt'),
  ...lines('test/fixtures/real/openshift/sippy/config/openshift.nightly-jobs.txt'),
  ...lines('test/fixtures/real/openshift/sippy/config/openshift.blocking-jobs.txt'),
];

describe('variants of Kubernetes job names', () => {
  it('holds the names the provenance states', () => {
    expect(K8S_NAMES).toHaveLength(505);
    expect(BLOCKING).toHaveLength(22);
    expect(BLOCKING.every((n) => K8S_NAMES.includes(n))).toBe(true);
  });

  it('never describes a Kubernetes job as an OpenShift cluster: no installer, topology or defaulted network', () => {
    for (const name of K8S_NAMES) {
      const v = variantsFromJobName(name);
      expect(v.installer, name).toBeUndefined();
      expect(v.topology, name).toBeUndefined();
      expect(v.fromRelease, name).toBeUndefined();
      expect(v.aggregated, name).toBe(false);
      expect(variantKey(v), name).not.toMatch(/\b(ipi|ha)\b/);
    }
  });

  it('takes only what a name states: its provider, architecture, network, release-branch suffix, suite', () => {
    for (const name of K8S_NAMES) {
      const v = variantsFromJobName(name);
      const tokens = name.split('-');
      if (v.architecture !== undefined) expect(tokens, name).toContain(v.architecture);
      if (v.network !== undefined) expect(tokens, name).toContain(v.network);
      const suffix = /-(\d+)-(\d+)$/.exec(name);
      expect(v.release, name).toBe(suffix ? `${Number(suffix[1])}.${Number(suffix[2])}` : undefined);
      if (v.upgrade !== undefined) expect(tokens, name).toContain('upgrade');
    }
    const platforms = new Set(K8S_NAMES.map((n) => variantsFromJobName(n).platform));
    expect([...platforms]).toEqual(expect.arrayContaining(['aws', 'azure', 'gce', 'kind', 'openstack', undefined]));
  });

  it('reads some by hand', () => {
    const key = (job: string) => variantKey(variantsFromJobName(job));
    expect(key('ci-kubernetes-e2e-gce-cos-default-master')).toBe('gce');
    expect(key('ci-kubernetes-integration-arm64-master')).toBe('arm64');
    expect(key('ci-kubernetes-gce-conformance-latest-1-34')).toBe('gce 1.34 conformance');
    expect(key('ci-kubernetes-csi-1-34-on-kubernetes-1-35')).toBe('1.35');
    expect(key('ci-kubernetes-unit')).toBe('');
    expect(key('pull-kubernetes-e2e-capz-windows-master')).toBe('azure');
  });

  it('every real OpenShift name still follows the OpenShift rules (with their defaults)', () => {
    for (const name of OPENSHIFT_NAMES) expect(variantsFromJobName(name).installer, name).toBeDefined();
  });
});

// -------------------------------------------------------------------------------------------------------------

const START = Math.floor(AS_OF_MS / 1000) - DAY_S;

/** One run folder as Prow's pod utilities write it, without prowjob.json and with no pull in started.json. */
function writeRun(root: string, folder: string, test: string): void {
  const dir = path.join(root, folder);
  mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
  writeFileSync(path.join(dir, 'started.json'), JSON.stringify({ timestamp: START }));
  writeFileSync(path.join(dir, 'finished.json'), JSON.stringify({ timestamp: START + 600, passed: true, result: 'SUCCESS' }));
  writeFileSync(
    path.join(dir, 'artifacts', 'junit_01.xml'),
    `<testsuite name="Kubernetes e2e suite"><testcase classname="Kubernetes e2e suite" name="${test}" status="passed" time="1"/></testsuite>`,
  );
}

/** A presubmit: its folder under pr-logs/pull/, and the pointer Prow writes under pr-logs/directory/. */
function writePresubmit(root: string, runPath: string, test: string): void {
  writeRun(root, runPath, test);
  const [job, build] = runPath.split('/').slice(-3, -1) as [string, string];
  mkdirSync(path.join(root, 'pr-logs', 'directory', job), { recursive: true });
  writeFileSync(path.join(root, 'pr-logs', 'directory', job, `${build}.txt`), `gs://kubernetes-ci-logs/${runPath.slice(0, -1)}`);
}

describe("Kubernetes' bucket layout (legacy path strategy)", () => {
  it('reads periodics, and presubmits and batches of every repository form, with their kinds and pull numbers', async () => {
    const root = tempDir('ratchet-k8s-layout-');
    const build = (i: number) => String(1_960_000_000_000_000_000n + BigInt(i));
    writeRun(root, `logs/ci-kubernetes-e2e-gce-cos-default-master/${build(1)}/`, '[It] periodic');
    // kubernetes/kubernetes: pr-logs/pull/<pr>/...
    writePresubmit(root, `pr-logs/pull/123456/pull-kubernetes-e2e-kind/${build(2)}/`, '[It] default repo');
    // another kubernetes repository: pr-logs/pull/<repo>/<pr>/...
    writePresubmit(root, `pr-logs/pull/test-infra/35000/pull-test-infra-unit-test/${build(3)}/`, '[It] other repo');
    // another org: pr-logs/pull/<org>_<repo>/<pr>/...
    writePresubmit(root, `pr-logs/pull/kubernetes-sigs_kind/3900/pull-kind-e2e-kubernetes/${build(4)}/`, '[It] other org');
    // batches: pr-logs/pull/batch/... for the default repo, pr-logs/pull/<org>_<repo>/batch/... otherwise
    writePresubmit(root, `pr-logs/pull/batch/pull-kubernetes-e2e-kind/${build(5)}/`, '[It] batch');
    writePresubmit(root, `pr-logs/pull/kubernetes-sigs_kind/batch/pull-kind-e2e-kubernetes/${build(6)}/`, '[It] org batch');

    const cache = new RunCache(tempDir('ratchet-k8s-cache-'), 'k8s');
    const report = await fetchRuns({
      source: createLocalSource(root),
      cache,
      selection: { include: [], exclude: [], kinds: ['periodic', 'postsubmit', 'presubmit', 'batch'], prefixes: [] },
      lookbackStart: new Date(AS_OF_MS - 14 * DAY_S * 1000),
      workers: 0,
    });
    expect(report.discoveryProblems).toEqual([]);
    const records: RunRecord[] = [];
    for await (const r of cache.records()) records.push(r);
    const seen = records
      .map((r) => ({ path: r.path, kind: r.kind, pull: r.pull, test: r.tests[0]!.name, problems: r.problems.length }))
      .sort((a, b) => (a.path < b.path ? -1 : 1));
    expect(seen).toEqual([
      { path: `logs/ci-kubernetes-e2e-gce-cos-default-master/${build(1)}/`, kind: 'periodic', pull: undefined, test: '[It] periodic', problems: 0 },
      { path: `pr-logs/pull/123456/pull-kubernetes-e2e-kind/${build(2)}/`, kind: 'presubmit', pull: 123456, test: '[It] default repo', problems: 0 },
      { path: `pr-logs/pull/batch/pull-kubernetes-e2e-kind/${build(5)}/`, kind: 'batch', pull: undefined, test: '[It] batch', problems: 0 },
      {
        path: `pr-logs/pull/kubernetes-sigs_kind/3900/pull-kind-e2e-kubernetes/${build(4)}/`,
        kind: 'presubmit',
        pull: 3900,
        test: '[It] other org',
        problems: 0,
      },
      {
        path: `pr-logs/pull/kubernetes-sigs_kind/batch/pull-kind-e2e-kubernetes/${build(6)}/`,
        kind: 'batch',
        pull: undefined,
        test: '[It] org batch',
        problems: 0,
      },
      { path: `pr-logs/pull/test-infra/35000/pull-test-infra-unit-test/${build(3)}/`, kind: 'presubmit', pull: 35000, test: '[It] other repo', problems: 0 },
    ]);
  });

  it('links runs of kubernetes-ci-logs to prow.k8s.io', () => {
    expect(prowRunUrl('kubernetes-ci-logs', 'logs/ci-kubernetes-unit/1960000000000000001/')).toBe(
      'https://prow.k8s.io/view/gs/kubernetes-ci-logs/logs/ci-kubernetes-unit/1960000000000000001',
    );
  });
});

describe('examples/kubernetes-release-blocking.config.json', () => {
  it('is a valid config that selects exactly the 22 release-blocking jobs, and lists only under its prefixes', async () => {
    const plan = resolvePlan(await loadConfig(path.join(ROOT, 'examples/kubernetes-release-blocking.config.json')));
    expect(plan.source.location).toBe('gs://kubernetes-ci-logs');
    const selected = K8S_NAMES.filter((job) => plan.jobs.include.some((re) => re.test(job)) && !plan.jobs.exclude.some((re) => re.test(job)));
    expect(selected).toEqual(BLOCKING);
    for (const job of BLOCKING)
      expect(
        plan.jobs.prefixes.some((p) => job.startsWith(p)),
        job,
      ).toBe(true);
    expect(plan.jobs.kinds).toEqual(['periodic']);
    expect(plan.analysis.regressions.groupBy).toBe('job');
  });
});
