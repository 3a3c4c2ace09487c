/**
 * The fetch stage through the real @google-cloud/storage client against the local test server: the same tree read
 * through GCS and as a directory gives identical records; only the objects a run needs are downloaded; with a fifth
 * of all requests failing nothing is lost; a permanently broken object makes its run incomplete and listed, and the
 * next fetch completes it; the overall deadline leaves unread runs listed, and the next fetch reads them.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PlanFlags, RunPlan } from '../src/config/run-plan.ts';
import { analyzeStage, fetchStage, openCache } from '../src/pipeline.ts';
import { runPlan } from './support/plans.ts';
import { createGcsSource } from '../src/source/gcs-source.ts';
import { createLocalSource } from '../src/source/local-source.ts';
import type { BucketSource } from '../src/source/source.ts';
import type { RunRecord } from '../src/ingest/run-record.ts';
import { startGcsTestServer, writeObject, type GcsTestServer } from './support/gcs-test-server.ts';
import { junitXml, tempDir, writeTree, type TreeRun } from './support/prow-tree.ts';

const BUCKET = 'test-platform-results';
const AS_OF = new Date('2026-11-28T06:00:00Z');
const t0 = AS_OF.getTime() / 1000;
const day = 86_400;
const JOB = 'periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-ovn';
const UPGRADE = 'periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-ovn-upgrade';
const PRESUBMIT = 'pull-ci-openshift-origin-main-e2e-aws-ovn';
const E2E_DIR = 'artifacts/e2e/openshift-e2e-test/artifacts/junit';

/** Objects a run may download: root JSON, JUnit, disruption, cluster-data, and presubmit pointers. */
const WANTED = /(\/(started|finished|prowjob)\.json|\.xml|\/backend-disruption_[^/]*\.json|\/cluster-data_[^/]*\.json|^pr-logs\/directory\/.*\.txt)$/;

let root: string;
let server: GcsTestServer;
const dirs: string[] = [];
const sources: BucketSource[] = [];
let runCount = 0;
let brokenJunit: string;
let upgradeBuild: string;

function gcs(): BucketSource {
  const source = createGcsSource({ bucket: BUCKET, endpoint: server.url, baseDelayMs: 1, maxDelayMs: 20, retries: 6 });
  sources.push(source);
  return source;
}

/** A plan with its own output folder, and the source the stages read instead of the plan's. */
interface Setup {
  plan: RunPlan;
  source: BucketSource;
}

function settingsFor(source: BucketSource, out = tempDir('ratchet-gcs-out-'), flags: PlanFlags = {}): Setup {
  dirs.push(out);
  return { plan: runPlan({ out, asOf: AS_OF, flags }), source };
}

const fetchWith = (s: Setup) => fetchStage(s.plan, { source: s.source });
const analyzeWith = (s: Setup) => analyzeStage(s.plan, { source: s.source });

async function records(s: Setup): Promise<RunRecord[]> {
  const all: RunRecord[] = [];
  for await (const record of openCache(s.plan, s.source).records()) all.push(record);
  return all;
}

beforeAll(async () => {
  root = tempDir('ratchet-gcs-tree-');
  dirs.push(root);
  const runs: TreeRun[] = [];
  const extra = {
    // Never to be downloaded: other artifacts, gzip-encoded or not.
    'artifacts/e2e/gather-extra/artifacts/pods.json': '{"items": []}',
    [`${E2E_DIR}/e2e-events_20261120-010203.json`]: '{"items": []}',
    'artifacts/e2e/gather-must-gather/artifacts/must-gather.tar': 'tar'.repeat(1000),
  };
  for (let i = 0; i < 12; i++) {
    runs.push({
      job: JOB,
      buildId: String(1900000000000000100n + BigInt(i)),
      start: t0 - (i + 1) * 20 * 3600,
      tests: [
        { name: 'stable test', status: 'pass' },
        { name: 'flaky test', status: i % 4 === 0 ? 'flake' : 'pass', message: 'timeout' },
        { name: 'broken test', status: i < 3 ? 'fail' : 'pass', message: 'expected 3 got 4' },
      ],
      payloadTag: `4.22.0-0.nightly-2026-11-${String(10 + i).padStart(2, '0')}-010203`,
      extra,
    });
  }
  // An upgrade run with two JUnit files (the test ran before and after the upgrade) and two disruption files.
  upgradeBuild = '1900000000000000200';
  runs.push({
    job: UPGRADE,
    buildId: upgradeBuild,
    start: t0 - day,
    tests: [
      { name: 'stable test', status: 'pass' },
      { name: 'upgrade-flaky', status: 'fail', message: 'failed before the upgrade' },
    ],
    disruption: [{ 'kube-api-new-connections': '1.2s', 'openshift-api-reused-connections': '0s' }, { 'kube-api-new-connections': '2.1s' }],
    extra: {
      ...extra,
      [`${E2E_DIR}/junit_e2e__20261127-050000.xml`]: junitXml([{ name: 'upgrade-flaky', status: 'pass' }, { name: 'after upgrade only', status: 'pass' }]),
      [`${E2E_DIR}/cluster-data_20261127-040000.json`]: JSON.stringify({ Platform: 'gcp', Release: '4.21' }),
      [`${E2E_DIR}/cluster-data_20261127-050000.json`]: JSON.stringify({ Platform: 'aws', Release: '4.22', FromRelease: '4.21', Network: 'ovn' }),
    },
  });
  runs.push({ job: UPGRADE, buildId: '1900000000000000201', start: t0 - 3600, pending: true });
  runs.push({ job: UPGRADE, buildId: '1900000000000000199', start: t0 - 30 * day, tests: [{ name: 'stable test', status: 'pass' }] });
  runs.push({ job: PRESUBMIT, buildId: '1900000000000000300', start: t0 - day, pr: 30123, tests: [{ name: 'stable test', status: 'pass' }] });
  runs.push({ job: PRESUBMIT, buildId: '1900000000000000301', start: t0 - 2 * day, pr: 30124, tests: [{ name: 'stable test', status: 'fail' }] });
  writeTree(root, runs, BUCKET);
  runCount = runs.length - 1; // the 30-day-old run is outside the window

  // gzip-encoded objects, as GCS stores them with Content-Encoding: gzip: a build log, a JUnit file, a truncated
  // JUnit file, and a prowjob.json.
  const first = `logs/${JOB}/1900000000000000100/`;
  await writeObject(root, `${first}build-log.txt`, 'a long log\n'.repeat(10_000), { contentEncoding: 'gzip' });
  await writeObject(root, `${first}${E2E_DIR}/junit_gzip.xml`, junitXml([{ name: 'gzip test', status: 'pass' }]), { contentEncoding: 'gzip' });
  await writeObject(root, `${first}artifacts/junit_truncated.xml`, '<testsuite name="s"><testcase name="kept"></testcase><testcase name="cut', { contentEncoding: 'gzip' });
  const second = `logs/${JOB}/1900000000000000101/`;
  await writeObject(root, `${second}prowjob.json`, JSON.stringify({ kind: 'ProwJob', metadata: { annotations: { 'release.openshift.io/tag': 'gz-tag' } }, spec: { type: 'periodic', job: JOB }, status: { state: 'success', startTime: new Date((t0 - 40 * 3600) * 1000).toISOString(), completionTime: new Date((t0 - 39 * 3600) * 1000).toISOString() } }), { contentEncoding: 'gzip' });
  brokenJunit = `logs/${JOB}/1900000000000000105/${E2E_DIR}/junit_e2e__20261120-010203.xml`;

  server = await startGcsTestServer({ root, bucket: BUCKET });
}, 60_000);

afterAll(async () => {
  for (const source of sources) await source.close?.();
  await server?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  server.setFaults(undefined);
  server.resetStats();
});

describe('fetch through the GCS test server', () => {
  let reference: RunRecord[];

  beforeAll(async () => {
    const local = settingsFor(createLocalSource(root, { bucket: BUCKET }));
    const report = await fetchWith(local);
    expect(report.stats.runsFound).toBe(runCount);
    reference = await records(local);
  }, 60_000);

  it('gives records identical to reading the same tree as a directory', async () => {
    const settings = settingsFor(gcs());
    const report = await fetchWith(settings);
    expect(report.stats).toMatchObject({ runsFound: runCount, runsFetched: runCount + 1, runsIncomplete: 0, objectsFailed: 0, runsSkipped: 0 });
    const got = await records(settings);
    expect(got).toHaveLength(reference.length);
    expect(got).toEqual(reference);
    // gzip-encoded objects were served compressed and decoded by the client.
    expect(server.stats.gzipServed).toBeGreaterThanOrEqual(3);
    const first = got.find((r) => r.buildId === '1900000000000000100')!;
    expect(first.tests.map((t) => t.name)).toEqual(expect.arrayContaining(['gzip test', 'kept']));
    expect(got.find((r) => r.buildId === '1900000000000000101')!.payloadTag).toBe('gz-tag');
  });

  it('downloads only root JSON, JUnit, disruption and cluster-data files, never build logs or other artifacts', async () => {
    await fetchWith(settingsFor(gcs()));
    const downloaded = [...server.stats.mediaByObject.keys()];
    expect(downloaded.length).toBeGreaterThan(runCount * 4);
    expect(downloaded.filter((name) => !WANTED.test(name))).toEqual([]);
    expect(downloaded.some((name) => name.endsWith('build-log.txt'))).toBe(false);
    // Every object was downloaded once: no run read twice, no object re-read.
    expect([...server.stats.mediaByObject.values()].every((count) => count === 1)).toBe(true);
    // Of two cluster-data files only the newest is read.
    expect(downloaded.filter((name) => name.includes('cluster-data_'))).toEqual([`logs/${UPGRADE}/${upgradeBuild}/${E2E_DIR}/cluster-data_20261127-050000.json`]);
  });

  it('combines the JUnit and disruption files of an upgrade run', async () => {
    const settings = settingsFor(gcs());
    await fetchWith(settings);
    const upgrade = (await records(settings)).find((r) => r.buildId === upgradeBuild)!;
    // Failed in the first file, passed in the second: a flake of the run.
    expect(upgrade.tests.find((t) => t.name === 'upgrade-flaky')).toMatchObject({ status: 'flake', message: 'failed before the upgrade' });
    expect(upgrade.tests.map((t) => t.name).sort()).toEqual(['after upgrade only', 'stable test', 'upgrade-flaky']);
    // Summed per backend over both files, each rounded up to whole seconds: 2 + 3.
    expect(upgrade.disruption).toEqual([
      { backend: 'kube-api-new-connections', seconds: 5 },
      { backend: 'openshift-api-reused-connections', seconds: 0 },
    ]);
    expect(upgrade.variants).toMatchObject({ platform: 'aws', release: '4.22', fromRelease: '4.21' });
  });

  it('keeps the test cases before the cut of a truncated (gzip-encoded) JUnit file, flagged as partial', async () => {
    const settings = settingsFor(gcs());
    await fetchWith(settings);
    const first = (await records(settings)).find((r) => r.buildId === '1900000000000000100')!;
    expect(first.tests.find((t) => t.name === 'kept')).toMatchObject({ status: 'pass' });
    expect(first.tests.some((t) => t.name === 'cut')).toBe(false);
    const problem = first.problems.find((p) => p.object.endsWith('junit_truncated.xml'))!;
    expect(problem).toMatchObject({ kind: 'partial' });
    expect(problem.reason).toMatch(/1 test case\(s\) before the damage were kept/);
    // Partial data is not a fetch failure: the run is complete and not read again.
    expect(first.complete).toBe(true);
  });

  it('loses nothing with 20 % of all requests failing (429, 503, resets, truncated bodies)', async () => {
    server.setFaults({ probability: 0.2, seed: 42, kinds: ['429', '503', 'reset', 'truncate'] });
    const settings = settingsFor(gcs());
    const report = await fetchWith(settings);
    const faults = server.stats.faults;
    // The faults happened, of every kind, on a real share of the requests…
    expect(faults.total).toBeGreaterThan(server.stats.requests.total * 0.1);
    for (const kind of ['429', '503', 'reset', 'truncate'] as const) expect(faults[kind], kind).toBeGreaterThan(0);
    // …and every run is still there, complete, with the same content as without faults.
    expect(report.stats).toMatchObject({ runsFound: runCount, runsIncomplete: 0, objectsFailed: 0 });
    expect(report.discoveryProblems.filter((p) => p.kind === 'fetch')).toEqual([]);
    expect(await records(settings)).toEqual(reference);
  });

  it('marks a run with a permanently broken object incomplete, lists the object, and completes it on the next fetch', async () => {
    server.setFaults({ brokenObjects: [brokenJunit] });
    const out = tempDir('ratchet-gcs-out-');
    const settings = settingsFor(gcs(), out);
    const first = await fetchWith(settings);
    expect(first.stats).toMatchObject({ runsFound: runCount, runsIncomplete: 1, objectsFailed: 1 });
    const broken = (await records(settings)).find((r) => r.buildId === '1900000000000000105')!;
    expect(broken.complete).toBe(false);
    expect(broken.problems).toEqual([{ object: brokenJunit, kind: 'fetch', reason: expect.stringMatching(/HTTP 503|retry budget/) }]);
    const { snapshot } = await analyzeWith(settings);
    expect(snapshot.dataQuality.problems).toEqual(expect.arrayContaining([expect.objectContaining({ object: brokenJunit, kind: 'fetch', buildId: '1900000000000000105' })]));

    // The fault is gone: the next fetch reads that run (and only that one) again, and it is complete.
    server.setFaults(undefined);
    server.resetStats();
    const second = await fetchWith(settingsFor(gcs(), out));
    expect(second.stats).toMatchObject({ runsFound: runCount, runsFetched: 1, runsIncomplete: 0, objectsFailed: 0 });
    const fixed = (await records(settings)).find((r) => r.buildId === '1900000000000000105')!;
    expect(fixed).toEqual(reference.find((r) => r.buildId === '1900000000000000105'));
    expect(server.stats.mediaByObject.get(brokenJunit)).toBe(1);
  });

  it('past the overall deadline starts nothing more, lists what it left, and the next fetch reads it', async () => {
    // Every download takes 150 ms, and the deadline allows about one round of reads.
    server.setFaults(({ kind }) => (kind === 'media' ? { kind: 'slow', delayMs: 150 } : undefined));
    const out = tempDir('ratchet-gcs-out-');
    const cut = await fetchWith(settingsFor(gcs(), out, { concurrency: '2', workers: '0', deadline: String(400 / 60_000) }));
    expect(cut.deadline).toBeDefined();
    expect(cut.stats.runsSkipped).toBeGreaterThan(0);
    const left = cut.discoveryProblems.filter((p) => /deadline/.test(p.reason));
    expect(left.length).toBeGreaterThan(0);
    for (const problem of left) expect(problem.reason).toMatch(/^overall deadline reached.*the next fetch reads them$/);
    // Nothing vanished: each run was read or is accounted for as left at the deadline.
    const counted = left.reduce((n, p) => n + Number(/(\d+) build\(s\) not read/.exec(p.reason)?.[1] ?? 0), 0);
    expect(counted).toBe(cut.stats.runsSkipped);

    server.setFaults(undefined);
    const rest = await fetchWith(settingsFor(gcs(), out));
    expect(rest.stats).toMatchObject({ runsFound: runCount, runsIncomplete: 0, runsSkipped: 0 });
    expect(rest.stats.runsFromCache).toBeGreaterThan(0);
    expect(await records(settingsFor(gcs(), out))).toEqual(reference);
  });
});

describe('worker threads', () => {
  it('gives the same records with and without worker threads', async () => {
    const inline = settingsFor(gcs(), undefined, { workers: '0' });
    await fetchWith(inline);
    const pooled = settingsFor(gcs(), undefined, { workers: '2' });
    await fetchWith(pooled);
    expect(await records(inline)).toEqual(await records(pooled));
    expect(path.basename(openCache(inline.plan, inline.source).dir)).toBe(path.basename(openCache(pooled.plan, pooled.source).dir));
  });
});
