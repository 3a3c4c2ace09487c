/**
 * Discovery at bucket scale through the real client: 1,600 build folders of one job page correctly; a known window
 * edge lets the listing start there (GCS startOffset) only where that cannot skip a newer build; failures while
 * listing jobs, and an ingest worker that cannot start, become listed problems instead of ending the fetch.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalSource } from '../src/source/local-source.ts';
import type { BucketSource } from '../src/source/source.ts';
import { listingStart, listLogBuilds, listPresubmitBuilds } from '../src/ingest/discover.ts';
import { createdBefore, fetchRuns, defaultWorkers } from '../src/ingest/fetch-runs.ts';
import { buildIdFor } from '../src/sample/format.ts';
import { RunCache } from '../src/ingest/run-cache.ts';
import type { DataProblem } from '../src/ingest/run-record.ts';
import { AS_OF_MS, BUCKET, DAY_S, HOUR, JOB, PRESUBMIT_JOB as PRESUBMIT } from './support/constants.ts';
import { useGcsTestServer, withGcsTestServer } from './support/gcs-harness.ts';
import { writeTree } from './support/prow-tree.ts';

const BUILDS = 1600;
const buildId = (i: number): string => (1850000000000000000n + BigInt(i) * 1000n).toString();
const ALL = { include: [], exclude: [], kinds: ['periodic' as const, 'postsubmit' as const, 'presubmit' as const, 'batch' as const], prefixes: [] };

/** 1,600 build folders of one job, and 250 presubmit pointers. */
function writeBucket(root: string): void {
  for (let i = 0; i < BUILDS; i++) {
    const dir = path.join(root, 'logs', JOB, buildId(i));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'started.json'), '{}');
  }
  writeFileSync(path.join(root, 'logs', JOB, 'latest-build.txt'), buildId(BUILDS - 1));
  const pointers = path.join(root, 'pr-logs', 'directory', PRESUBMIT);
  mkdirSync(pointers, { recursive: true });
  for (let i = 0; i < 250; i++) writeFileSync(path.join(pointers, `${buildId(i)}.txt`), `gs://${BUCKET}/pr-logs/pull/1/${PRESUBMIT}/${buildId(i)}`);
}

const gcs = useGcsTestServer({ fill: writeBucket, sourceDefaults: { baseDelayMs: 1, maxDelayMs: 10 }, timeoutMs: 60_000 });

describe('build listing', () => {
  it(`pages ${BUILDS} build folders of one job through the client in pages of 100: all found once, newest first`, async () => {
    const problems: DataProblem[] = [];
    const builds = await listLogBuilds(gcs.source(), JOB, problems, { pageSize: 100 });
    // 1,600 folders + latest-build.txt: 17 pages.
    expect(gcs.server.stats.requests.list).toBe(17);
    expect(builds).toHaveLength(BUILDS);
    expect(new Set(builds.map((b) => b.buildId)).size).toBe(BUILDS);
    expect(builds.map((b) => b.buildId)).toEqual(Array.from({ length: BUILDS }, (_, i) => buildId(BUILDS - 1 - i)));
    expect(builds[0]).toEqual({ job: JOB, buildId: buildId(BUILDS - 1), path: `logs/${JOB}/${buildId(BUILDS - 1)}/`, kindHint: 'periodic' });
    expect(problems).toEqual([]);
  });

  it('pages faulty listings to the same result', async () => {
    gcs.server.setFaults({ probability: 0.3, seed: 3, kinds: ['429', '503', 'reset', 'truncate'], requestKinds: ['list'] });
    const builds = await listLogBuilds(gcs.source(), JOB, [], { pageSize: 400 });
    expect(gcs.server.stats.faults.total).toBeGreaterThan(0);
    expect(new Set(builds.map((b) => b.buildId)).size).toBe(BUILDS);
  });

  it('starts after a known 19-digit edge: one page instead of 17, and every newer build', async () => {
    const edge = buildId(1500);
    const builds = await listLogBuilds(gcs.source(), JOB, [], { pageSize: 100, after: edge });
    expect(gcs.server.stats.requests.list).toBe(2);
    const newer = builds.filter((b) => b.buildId > edge).map((b) => b.buildId);
    expect(newer).toEqual(Array.from({ length: 99 }, (_, i) => buildId(BUILDS - 1 - i)));
    const pointers = await listPresubmitBuilds(gcs.source(), PRESUBMIT, [], { after: buildId(200) });
    expect(pointers.map((p) => p.buildId)).toEqual(Array.from({ length: 50 }, (_, i) => buildId(249 - i)));
  });

  it('never starts after an edge that could be followed by a longer id', () => {
    expect(listingStart('logs/j/', '1850000000000000000')).toBe('logs/j/1850000000000000000');
    // "10000" is newer than "9999" but sorts before it: shorter ids get no offset.
    expect(listingStart('logs/j/', '9999')).toBeUndefined();
    expect(listingStart('logs/j/', '185000000000000000')).toBeUndefined();
    expect(listingStart('logs/j/', undefined)).toBeUndefined();
  });
});

describe('fetchRuns', () => {
  it('lists from the previous window edge on the next fetch', async () => {
    const tree = gcs.tempDir('ratchet-edge-');
    const now = 1_795_000_000;
    const ids = Array.from({ length: 40 }, (_, i) => (1900000000000000000n + BigInt(i)).toString());
    // 30 runs one per day: the window (10 days) holds the newest 10.
    writeTree(
      tree,
      ids.slice(0, 30).map((id, i) => ({ job: JOB, buildId: id, start: now - (30 - i) * DAY_S, tests: [{ name: 't', status: 'pass' as const }] })),
    );
    await withGcsTestServer({ root: tree, bucket: BUCKET }, async (treeServer) => {
      const source = gcs.source({ endpoint: treeServer.url });
      const cache = new RunCache(gcs.tempDir('ratchet-edge-cache-'), 'k');
      const lookbackStart = new Date((now - 10.5 * DAY_S) * 1000);
      const first = await fetchRuns({ source, cache, selection: ALL, lookbackStart, listPageSize: 5, workers: 0 });
      expect(first.stats.runsFound).toBe(10);
      expect(first.edges[`logs/${JOB}`]).toBeDefined();
      const firstLists = treeServer.stats.requests.list;
      treeServer.resetStats();
      const second = await fetchRuns({ source, cache, selection: ALL, lookbackStart, listPageSize: 5, workers: 0, previousEdges: first.edges });
      expect(second.stats).toMatchObject({ runsFound: 10, runsFromCache: 10, runsFetched: 0 });
      // Listing 30 build folders takes 6 pages (+ job discovery); from the edge it takes 3.
      expect(treeServer.stats.requests.list).toBeLessThan(firstLists - 2);
    });
  });

  it('reads one run past the window edge when build ids tell creation times, and confirms it by start time', async () => {
    const tree = gcs.tempDir('ratchet-snowflake-');
    const now = AS_OF_MS;
    // 100 runs, one every 3 hours, ids made as Prow makes them (created a minute before the start).
    const runs = Array.from({ length: 100 }, (_, i) => now - (i + 1) * 3 * HOUR);
    writeTree(
      tree,
      runs.map((start) => ({ job: JOB, buildId: buildIdFor(start - 60_000), start: start / 1000, tests: [{ name: 't', status: 'pass' as const }] })),
    );
    const lookbackStart = new Date(now - 3 * 24 * HOUR - HOUR); // holds the newest 24
    const cache = new RunCache(gcs.tempDir('ratchet-snowflake-cache-'), 'k');
    const report = await fetchRuns({ source: createLocalSource(tree), cache, selection: ALL, lookbackStart, concurrency: 32, workers: 0 });
    expect(report.stats.runsFound).toBe(24);
    // 24 in the window and the 25th to confirm the edge, instead of a whole batch of 32.
    expect(report.stats.runsFetched).toBe(25);
    // The edge keeps its evidence: the next fetch trusts it only with a plausible start before its window.
    expect(report.edges[`logs/${JOB}`]).toEqual({ buildId: buildIdFor(runs[24]! - 60_000), started: new Date(runs[24]!).toISOString() });

    expect(createdBefore(buildIdFor(now - HOUR), now)).toBe(true);
    expect(createdBefore(buildIdFor(now + HOUR), now)).toBe(false);
    // Short ids tell nothing; a 19-digit id from the far future is not before anything now.
    expect(createdBefore('12345', now)).toBe(false);
    expect(createdBefore('9000000000000000000', now)).toBe(false);
  });

  it('lists a job whose listing fails as a problem and reads the other jobs', async () => {
    const tree = gcs.tempDir('ratchet-listfail-');
    writeTree(tree, [
      { job: 'job-a', buildId: '1900000000000000001', start: 1_795_000_000, tests: [{ name: 't', status: 'pass' }] },
      { job: 'job-b', buildId: '1900000000000000002', start: 1_795_000_000, tests: [{ name: 't', status: 'pass' }] },
    ]);
    await withGcsTestServer(
      { root: tree, bucket: BUCKET, faults: ({ kind, prefix }) => (kind === 'list' && prefix === 'logs/job-a/' ? { kind: '503' } : undefined) },
      async (treeServer) => {
        const source = gcs.source({ endpoint: treeServer.url, retries: 1 });
        const cache = new RunCache(gcs.tempDir('ratchet-listfail-cache-'), 'k');
        const report = await fetchRuns({ source, cache, selection: ALL, lookbackStart: new Date(0), workers: 0 });
        expect(report.runs).toEqual([{ job: 'job-b', buildId: '1900000000000000002' }]);
        expect(report.discoveryProblems).toEqual([
          { job: 'job-a', object: 'logs/job-a/', kind: 'fetch', reason: expect.stringMatching(/^listing failed: .*HTTP 503/) },
        ]);
      },
    );
  });

  it('lists the runs of an ingest worker that cannot start as problems, and finishes', async () => {
    const tree = gcs.tempDir('ratchet-badworker-');
    writeTree(
      tree,
      [1, 2, 3].map((i) => ({ job: 'job-a', buildId: `190000000000000000${i}`, start: 1_795_000_000 + i, tests: [{ name: 't', status: 'pass' as const }] })),
    );
    const local = createLocalSource(tree);
    // The worker's copy points at a directory that does not exist: opening it throws in every worker.
    const source: BucketSource = {
      description: local.description,
      bucket: local.bucket,
      list: (p, o) => local.list(p, o),
      read: (n) => local.read(n),
      spec: { type: 'local', root: path.join(tree, 'gone'), bucket: 'b' },
    };
    const cache = new RunCache(gcs.tempDir('ratchet-badworker-cache-'), 'k');
    const report = await fetchRuns({ source, cache, selection: ALL, lookbackStart: new Date(0), workers: 1 });
    expect(report.runs).toEqual([]);
    expect(report.discoveryProblems).toHaveLength(3);
    for (const problem of report.discoveryProblems) {
      expect(problem).toMatchObject({ job: 'job-a', kind: 'fetch' });
      expect(problem.reason).toMatch(/run not read: .*(ingest worker died|died 3 times).*(does not exist|gone)/s);
    }
  });

  it('uses worker threads only where a source can be reopened and there are cores to use', () => {
    const local = createLocalSource(gcs.tempDir('ratchet-workers-'));
    expect(defaultWorkers(local, 2)).toBe(2);
    expect(defaultWorkers(local, 16)).toBe(4);
    expect(defaultWorkers(local, 1)).toBe(0);
    expect(defaultWorkers({ ...local, spec: undefined } as unknown as BucketSource, 8)).toBe(0);
  });
});
