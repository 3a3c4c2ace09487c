/**
 * The fetch stage through the real @google-cloud/storage client against the local test server: the same tree read
 * through GCS and as a directory gives identical records; only the objects a run needs are downloaded; with a fifth
 * of all requests failing nothing is lost; a permanently broken object makes its run incomplete and listed, and the
 * next fetch completes it; the overall deadline leaves unread runs listed, and the next fetch reads them.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PlanFlags } from '../src/config/run-plan.ts';
import { analyzeWith, cacheOf, fetchWith, type Staged, staged } from './support/plans.ts';
import { createLocalSource } from '../src/source/local-source.ts';
import { listAll, type BucketSource, type ObjectInfo } from '../src/source/source.ts';
import { inputLine, inputsDigest } from '../src/ingest/object-digest.ts';
import type { RunRecord } from '../src/ingest/run-record.ts';
import { AS_OF_S, BUCKET, DAY_S, JOB, PRESUBMIT_JOB, UPGRADE_JOB } from './support/constants.ts';
import { useGcsTestServer } from './support/gcs-harness.ts';
import { writeObject } from './support/gcs-test-server.ts';
import { junitXml, writeTree, type TreeRun } from './support/prow-tree.ts';

const E2E_DIR = 'artifacts/e2e/openshift-e2e-test/artifacts/junit';

/** Objects a run may download: root JSON, JUnit, disruption, cluster-data, and presubmit pointers. */
const WANTED = /(\/(started|finished|prowjob)\.json|\.xml|\/backend-disruption_[^/]*\.json|\/cluster-data_[^/]*\.json|^pr-logs\/directory\/.*\.txt)$/;

let runCount = 0;
let brokenJunit: string;
let upgradeBuild: string;

function settingsFor(source: BucketSource, out = gcs.tempDir('ratchet-gcs-out-'), flags: PlanFlags = {}): Staged {
  return staged(source, { out, flags });
}

async function records(settings: Staged): Promise<RunRecord[]> {
  const all: RunRecord[] = [];
  for await (const record of cacheOf(settings).records()) all.push(record);
  return all;
}

/** The bucket: runs of three jobs, with objects never to be read, gzip-encoded ones and one that breaks. */
async function writeBucket(root: string): Promise<void> {
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
      start: AS_OF_S - (i + 1) * 20 * 3600,
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
    job: UPGRADE_JOB,
    buildId: upgradeBuild,
    start: AS_OF_S - DAY_S,
    tests: [
      { name: 'stable test', status: 'pass' },
      { name: 'upgrade-flaky', status: 'fail', message: 'failed before the upgrade' },
    ],
    disruption: [{ 'kube-api-new-connections': '1.2s', 'openshift-api-reused-connections': '0s' }, { 'kube-api-new-connections': '2.1s' }],
    extra: {
      ...extra,
      [`${E2E_DIR}/junit_e2e__20261127-050000.xml`]: junitXml([
        { name: 'upgrade-flaky', status: 'pass' },
        { name: 'after upgrade only', status: 'pass' },
      ]),
      [`${E2E_DIR}/cluster-data_20261127-040000.json`]: JSON.stringify({ Platform: 'gcp', Release: '4.21' }),
      [`${E2E_DIR}/cluster-data_20261127-050000.json`]: JSON.stringify({ Platform: 'aws', Release: '4.22', FromRelease: '4.21', Network: 'ovn' }),
    },
  });
  runs.push({ job: UPGRADE_JOB, buildId: '1900000000000000201', start: AS_OF_S - 3600, pending: true });
  runs.push({ job: UPGRADE_JOB, buildId: '1900000000000000199', start: AS_OF_S - 40 * DAY_S, tests: [{ name: 'stable test', status: 'pass' }] });
  runs.push({ job: PRESUBMIT_JOB, buildId: '1900000000000000300', start: AS_OF_S - DAY_S, pr: 30123, tests: [{ name: 'stable test', status: 'pass' }] });
  runs.push({ job: PRESUBMIT_JOB, buildId: '1900000000000000301', start: AS_OF_S - 2 * DAY_S, pr: 30124, tests: [{ name: 'stable test', status: 'fail' }] });
  writeTree(root, runs, BUCKET);
  runCount = runs.length - 1; // the 40-day-old run is outside the look-back (7-day sample and 30-day basis)

  // gzip-encoded objects, as GCS stores them with Content-Encoding: gzip: a build log, a JUnit file, a truncated
  // JUnit file, and a prowjob.json.
  const first = `logs/${JOB}/1900000000000000100/`;
  await writeObject(root, `${first}build-log.txt`, 'a long log\n'.repeat(10_000), { contentEncoding: 'gzip' });
  await writeObject(root, `${first}${E2E_DIR}/junit_gzip.xml`, junitXml([{ name: 'gzip test', status: 'pass' }]), { contentEncoding: 'gzip' });
  await writeObject(root, `${first}artifacts/junit_truncated.xml`, '<testsuite name="s"><testcase name="kept"></testcase><testcase name="cut', {
    contentEncoding: 'gzip',
  });
  const second = `logs/${JOB}/1900000000000000101/`;
  await writeObject(
    root,
    `${second}prowjob.json`,
    JSON.stringify({
      kind: 'ProwJob',
      metadata: { annotations: { 'release.openshift.io/tag': 'gz-tag' } },
      spec: { type: 'periodic', job: JOB },
      status: {
        state: 'success',
        startTime: new Date((AS_OF_S - 40 * 3600) * 1000).toISOString(),
        completionTime: new Date((AS_OF_S - 39 * 3600) * 1000).toISOString(),
      },
    }),
    { contentEncoding: 'gzip' },
  );
  brokenJunit = `logs/${JOB}/1900000000000000105/${E2E_DIR}/junit_e2e__20261120-010203.xml`;
}

const gcs = useGcsTestServer({ fill: writeBucket, sourceDefaults: { baseDelayMs: 1, maxDelayMs: 20, retries: 6 }, timeoutMs: 60_000 });

/** A record without its provenance digest, which depends on how the source checks what it reads. */
const content = ({ inputsDigest: _digest, ...rest }: RunRecord): Omit<RunRecord, 'inputsDigest'> => rest;

describe('fetch through the GCS test server', () => {
  /** The records read as a directory, then (the first test) through GCS: later tests compare with these. */
  let reference: RunRecord[];

  beforeAll(async () => {
    const local = settingsFor(createLocalSource(gcs.root, { bucket: BUCKET }));
    const report = await fetchWith(local);
    expect(report.stats.runsFound).toBe(runCount);
    reference = await records(local);
  }, 60_000);

  it('gives records identical to reading the same tree as a directory, but for the provenance digest', async () => {
    const settings = settingsFor(gcs.source());
    const report = await fetchWith(settings);
    expect(report.stats).toMatchObject({ runsFound: runCount, runsFetched: runCount + 1, runsIncomplete: 0, objectsFailed: 0, runsSkipped: 0 });
    const got = await records(settings);
    expect(got).toHaveLength(reference.length);
    expect(got.map(content)).toEqual(reference.map(content));
    // Provenance: each object's line holds the crc32c the server stored for it, which the read was checked against,
    // not a hash of its bytes (object-digest.ts). Rebuilt here from the listing and the objects' metadata.
    const run = got.find((r) => r.buildId === '1900000000000000101')!; // its prowjob.json is gzip-encoded
    const read = [...gcs.server.stats.mediaByObject.keys()].filter((name) => name.startsWith(run.path));
    expect(read.length).toBeGreaterThanOrEqual(4);
    const listed = new Map<string, ObjectInfo>();
    for await (const page of listAll(gcs.source(), run.path)) for (const o of page.objects) listed.set(o.name, o);
    const lines = await Promise.all(
      read.map(async (name) => {
        const meta = (await (await fetch(`${gcs.server.url}/storage/v1/b/${BUCKET}/o/${encodeURIComponent(name)}`)).json()) as { crc32c: string };
        return inputLine(name, listed.get(name), `crc32c:${meta.crc32c}`, 0);
      }),
    );
    expect(run.inputsDigest).toBe(inputsDigest(lines));
    expect(run.inputsDigest).not.toBe(reference.find((r) => r.buildId === run.buildId)!.inputsDigest);
    reference = got;
    // gzip-encoded objects were served compressed and decoded by the client.
    expect(gcs.server.stats.gzipServed).toBeGreaterThanOrEqual(3);
    const first = got.find((r) => r.buildId === '1900000000000000100')!;
    expect(first.tests.map((t) => t.name)).toEqual(expect.arrayContaining(['gzip test', 'kept']));
    expect(got.find((r) => r.buildId === '1900000000000000101')!.payloadTag).toBe('gz-tag');
  });

  it('downloads only root JSON, JUnit, disruption and cluster-data files, never build logs or other artifacts', async () => {
    await fetchWith(settingsFor(gcs.source()));
    const downloaded = [...gcs.server.stats.mediaByObject.keys()];
    expect(downloaded.length).toBeGreaterThan(runCount * 4);
    expect(downloaded.filter((name) => !WANTED.test(name))).toEqual([]);
    expect(downloaded.some((name) => name.endsWith('build-log.txt'))).toBe(false);
    // Every object was downloaded once: no run read twice, no object re-read.
    expect([...gcs.server.stats.mediaByObject.values()].every((count) => count === 1)).toBe(true);
    // Of two cluster-data files only the newest is read.
    expect(downloaded.filter((name) => name.includes('cluster-data_'))).toEqual([
      `logs/${UPGRADE_JOB}/${upgradeBuild}/${E2E_DIR}/cluster-data_20261127-050000.json`,
    ]);
  });

  it('combines the JUnit and disruption files of an upgrade run', async () => {
    const settings = settingsFor(gcs.source());
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
    const settings = settingsFor(gcs.source());
    await fetchWith(settings);
    const first = (await records(settings)).find((r) => r.buildId === '1900000000000000100')!;
    expect(first.tests.find((t) => t.name === 'kept')).toMatchObject({ status: 'pass' });
    expect(first.tests.some((t) => t.name === 'cut')).toBe(false);
    const problem = first.problems.find((p) => p.object.endsWith('junit_truncated.xml'))!;
    expect(problem).toMatchObject({ kind: 'partial' });
    // Said once, by the parser: what was kept and where the file ends.
    expect(problem.reason).toMatch(/truncated; kept the 1 test case completed before it$/);
    // Partial data is not a fetch failure: the run is complete and not read again.
    expect(first.complete).toBe(true);
  });

  it('loses nothing with 20 % of all requests failing (429, 503, resets, truncated bodies)', async () => {
    gcs.server.setFaults({ probability: 0.2, seed: 42, kinds: ['429', '503', 'reset', 'truncate'] });
    const settings = settingsFor(gcs.source());
    const report = await fetchWith(settings);
    const faults = gcs.server.stats.faults;
    // The faults happened, of every kind, on a real share of the requests…
    expect(faults.total).toBeGreaterThan(gcs.server.stats.requests.total * 0.1);
    for (const kind of ['429', '503', 'reset', 'truncate'] as const) expect(faults[kind], kind).toBeGreaterThan(0);
    // …and every run is still there, complete, with the same content as without faults.
    expect(report.stats).toMatchObject({ runsFound: runCount, runsIncomplete: 0, objectsFailed: 0 });
    expect(report.discoveryProblems.filter((p) => p.kind === 'fetch')).toEqual([]);
    expect(await records(settings)).toEqual(reference);
  });

  it('marks a run with a permanently broken object incomplete, lists the object, and completes it on the next fetch', async () => {
    gcs.server.setFaults({ brokenObjects: [brokenJunit] });
    const out = gcs.tempDir('ratchet-gcs-out-');
    const settings = settingsFor(gcs.source(), out);
    const first = await fetchWith(settings);
    expect(first.stats).toMatchObject({ runsFound: runCount, runsIncomplete: 1, objectsFailed: 1 });
    const broken = (await records(settings)).find((r) => r.buildId === '1900000000000000105')!;
    expect(broken.complete).toBe(false);
    expect(broken.problems).toEqual([{ object: brokenJunit, kind: 'fetch', reason: expect.stringMatching(/HTTP 503|retry budget/) }]);
    const { snapshot } = await analyzeWith(settings);
    expect(snapshot.dataQuality.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ object: brokenJunit, kind: 'fetch', buildId: '1900000000000000105' })]),
    );

    // The fault is gone: the next fetch reads that run (and only that one) again, and it is complete.
    gcs.server.setFaults(undefined);
    gcs.server.resetStats();
    const second = await fetchWith(settingsFor(gcs.source(), out));
    expect(second.stats).toMatchObject({ runsFound: runCount, runsFetched: 1, runsIncomplete: 0, objectsFailed: 0 });
    const fixed = (await records(settings)).find((r) => r.buildId === '1900000000000000105')!;
    expect(fixed).toEqual(reference.find((r) => r.buildId === '1900000000000000105'));
    expect(gcs.server.stats.mediaByObject.get(brokenJunit)).toBe(1);
  });

  it('past the overall deadline starts nothing more, lists what it left, and the next fetch reads it', async () => {
    // Every download takes 150 ms, and the deadline allows about one round of reads.
    gcs.server.setFaults(({ kind }) => (kind === 'media' ? { kind: 'slow', delayMs: 150 } : undefined));
    const out = gcs.tempDir('ratchet-gcs-out-');
    const cut = await fetchWith(settingsFor(gcs.source(), out, { concurrency: '2', workers: '0', deadline: String(400 / 60_000) }));
    expect(cut.deadline).toBeDefined();
    expect(cut.stats.runsSkipped).toBeGreaterThan(0);
    const left = cut.discoveryProblems.filter((p) => /deadline/.test(p.reason));
    expect(left.length).toBeGreaterThan(0);
    for (const problem of left) expect(problem.reason).toMatch(/^overall deadline reached.*the next fetch reads them$/);
    // Nothing vanished: each run was read or is accounted for as left at the deadline.
    const counted = left.reduce((n, p) => n + Number(/(\d+) build\(s\) not read/.exec(p.reason)?.[1] ?? 0), 0);
    expect(counted).toBe(cut.stats.runsSkipped);

    gcs.server.setFaults(undefined);
    const rest = await fetchWith(settingsFor(gcs.source(), out));
    expect(rest.stats).toMatchObject({ runsFound: runCount, runsIncomplete: 0, runsSkipped: 0 });
    expect(rest.stats.runsFromCache).toBeGreaterThan(0);
    expect(await records(settingsFor(gcs.source(), out))).toEqual(reference);
  });
});

describe('worker threads', () => {
  it('gives the same records with and without worker threads', async () => {
    const inline = settingsFor(gcs.source(), undefined, { workers: '0' });
    await fetchWith(inline);
    const pooled = settingsFor(gcs.source(), undefined, { workers: '2' });
    await fetchWith(pooled);
    expect(await records(inline)).toEqual(await records(pooled));
    expect(path.basename(cacheOf(inline).dir)).toBe(path.basename(cacheOf(pooled).dir));
  });
});
