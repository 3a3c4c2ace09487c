/**
 * Fault injection, "bounded memory for every object": objects over their kind's size limit (limits.* in the config)
 * are refused from the listing's size before download, or stopped while reading when the listing cannot tell (a
 * gzip-encoded object that inflates); JSON nested deeper than limits.jsonDepth is refused before parsing. Each is a
 * data-quality problem of kind too-large, not a fetch failure: the run is complete, the rest of it is read, and the
 * object is not downloaded again while its size and generation stay the same. Before the fix every such object was
 * read whole (a 1 GB finished.json failed as "fetch" and was downloaded again on every fetch).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RatchetConfigInput } from '../src/config/config-schema.ts';
import { buildIdFor } from '../src/sample/format.ts';
import { writeObject } from './support/gcs-test-server.ts';
import { useGcsTestServer } from './support/gcs-harness.ts';
import { analyzeWith, fetchWith, staged } from './support/plans.ts';
import { AS_OF_MS, AS_OF_S } from './support/constants.ts';
import { junitXml, writeTree, type TreeRun } from './support/prow-tree.ts';

const JOB = 'periodic-ci-example-e2e-aws';
const start = (i: number): number => AS_OF_S - 3600 - i * 6 * 3600;
const id = (i: number): string => buildIdFor(start(i) * 1000 - 60_000);
const folder = (i: number): string => `logs/${JOB}/${id(i)}/`;
const JUNIT = 'artifacts/e2e/junit/junit_big.xml';

const MB = 1024 * 1024;

async function fill(root: string): Promise<void> {
  const runs: TreeRun[] = Array.from({ length: 8 }, (_, i) => ({
    job: JOB,
    buildId: id(i),
    start: start(i),
    tests: [{ name: 'small test', status: 'pass' as const }],
  }));
  writeTree(root, runs);
  // Run 1: a 17 MB finished.json (over the 16 MB default): the listing tells, it is never downloaded.
  writeFileSync(
    path.join(root, folder(1), 'finished.json'),
    JSON.stringify({ timestamp: start(1) + 3600, passed: true, result: 'SUCCESS', pad: 'x'.repeat(17 * MB) }),
  );
  // Run 2: finished.json stored gzip-encoded, 40 KB in the listing and 20 MB when decoded: stopped while reading.
  await writeObject(
    root,
    `${folder(2)}finished.json`,
    `${JSON.stringify({ timestamp: start(2) + 3600, passed: true, result: 'SUCCESS' })}${' '.repeat(20 * MB)}`,
    {
      contentEncoding: 'gzip',
    },
  );
  // Run 3: a started.json nested 100,000 levels deep (200 KB).
  writeFileSync(path.join(root, folder(3), 'started.json'), `{"timestamp": ${start(3)}, "metadata": {"deep": ${'['.repeat(100_000)}${']'.repeat(100_000)}}}`);
  // Run 4: a 2 MB JUnit next to the small one (the test sets a 1 MB JUnit limit).
  const big = junitXml(Array.from({ length: 12_000 }, (_, i) => ({ name: `big test ${i} ${'y'.repeat(120)}`, status: 'pass' as const })));
  mkdirSync(path.dirname(path.join(root, folder(4), JUNIT)), { recursive: true });
  writeFileSync(path.join(root, folder(4), JUNIT), big);
}

const gcs = useGcsTestServer({ fill, sourceDefaults: { baseDelayMs: 1, maxDelayMs: 10 }, timeoutMs: 60_000 });

const config: RatchetConfigInput = { limits: { junitMB: 1 }, gcs: { workers: 0 } };

describe('objects over their size limit', () => {
  it('are listed as too-large, not downloaded (or not read on), and the runs stay complete and counted', async () => {
    const s = staged(gcs.source(), { out: gcs.tempDir('ratchet-oversized-'), asOf: AS_OF_MS, config });
    const report = await fetchWith(s);
    expect(report.stats).toMatchObject({ runsFound: 8, runsIncomplete: 0, objectsFailed: 0 });
    const media = gcs.server.stats.mediaByObject;
    expect(media.get(`${folder(1)}finished.json`) ?? 0).toBe(0);
    expect(media.get(`${folder(4)}${JUNIT}`) ?? 0).toBe(0);

    const { snapshot } = await analyzeWith(s);
    expect(snapshot.coverage).toMatchObject({ runsRead: 8, runsIncomplete: 0, objectsFailed: 0 });
    const tooLarge = snapshot.dataQuality.problems.filter((p) => p.kind === 'too-large');
    expect(tooLarge.map((p) => p.object).sort()).toEqual(
      [`${folder(1)}finished.json`, `${folder(2)}finished.json`, `${folder(3)}started.json`, `${folder(4)}${JUNIT}`].sort(),
    );
    expect(tooLarge.find((p) => p.object.startsWith(folder(1)))!.reason).toMatch(/17\.0 MB.*limits\.metadataMB \(16 MB\)/);
    expect(tooLarge.find((p) => p.object.startsWith(folder(2)))!.reason).toMatch(/more than 16 MB when decoded/);
    expect(tooLarge.find((p) => p.object.startsWith(folder(3)))!.reason).toMatch(/nested deeper than 64 levels/);
    expect(snapshot.dataQuality.byKind.fetch ?? 0).toBe(0);
    // The small JUnit of run 4 was read: its test counts.
    expect(snapshot.jobs[0]!.current.runs).toBe(8);
  });

  it('are not downloaded again while their size and generation are unchanged, and are read again once changed', async () => {
    const s = staged(gcs.source(), { out: gcs.tempDir('ratchet-oversized-again-'), asOf: AS_OF_MS, config });
    await fetchWith(s);
    const media = gcs.server.stats.mediaByObject;
    const decodedLarge = `${folder(2)}finished.json`;
    expect(media.get(decodedLarge)).toBe(1);
    gcs.server.resetStats();
    const again = await fetchWith(s);
    expect(again.stats).toMatchObject({ runsFound: 8, runsFetched: 0, runsFromCache: 8 });
    expect(gcs.server.stats.requests.media).toBe(0);

    // A new generation of the object, within the limit: read again, and the problem is gone.
    await writeObject(gcs.root, decodedLarge, JSON.stringify({ timestamp: start(2) + 3600, passed: true, result: 'SUCCESS' }), { contentEncoding: 'gzip' });
    gcs.server.resetStats();
    const changed = await fetchWith(s);
    expect(changed.stats.runsFetched).toBe(1);
    const { snapshot } = await analyzeWith(s);
    expect(snapshot.dataQuality.problems.filter((p) => p.object === decodedLarge)).toEqual([]);
  });
});
