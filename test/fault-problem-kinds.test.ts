/**
 * Fault injection, problems that say what happened: a presubmit pointer that cannot be downloaded is a fetch
 * failure and counts as an incomplete run (it was labelled "parse" and counted nowhere); artifact names with '..',
 * '.' or empty segments are refused as unsafe names and leave the run complete (they kept it incomplete, read again
 * forever); a run that starts after the as-of instant is noted, not dropped without a word.
 */
import { describe, expect, it } from 'vitest';
import { createLocalSource } from '../src/source/local-source.ts';
import type { BucketSource } from '../src/source/source.ts';
import { buildIdFor } from '../src/sample/format.ts';
import { useGcsTestServer, withGcsTestServer } from './support/gcs-harness.ts';
import { analyzeWith, fetchWith, staged } from './support/plans.ts';
import { AS_OF_MS, AS_OF_S, BUCKET } from './support/constants.ts';
import { writeTree } from './support/prow-tree.ts';

const PRESUBMIT = 'pull-ci-example-e2e-aws';
const JOB = 'periodic-ci-example-e2e-aws';
const id = (startS: number): string => buildIdFor(startS * 1000 - 60_000);

const gcs = useGcsTestServer({ sourceDefaults: { baseDelayMs: 1, maxDelayMs: 10, retries: 1 } });

describe('a presubmit pointer that cannot be downloaded', () => {
  it('is a fetch failure, counted as an incomplete run', async () => {
    const tree = gcs.tempDir('ratchet-pointer-');
    const starts = [AS_OF_S - 3600, AS_OF_S - 7200];
    writeTree(
      tree,
      starts.map((start, i) => ({ job: PRESUBMIT, buildId: id(start), start, pr: 10 + i, tests: [{ name: 't', status: 'pass' as const }] })),
      BUCKET,
    );
    const broken = `pr-logs/directory/${PRESUBMIT}/${id(starts[0]!)}.txt`;
    await withGcsTestServer({ root: tree, bucket: BUCKET, faults: { brokenObjects: [broken] } }, async (server) => {
      const s = staged(gcs.source({ endpoint: server.url }), { out: gcs.tempDir('ratchet-pointer-out-'), config: { gcs: { workers: 0 } } });
      const report = await fetchWith(s);
      expect(report.stats).toMatchObject({ runsFound: 1, runsIncomplete: 1 });
      expect(report.discoveryProblems).toEqual([
        {
          job: PRESUBMIT,
          buildId: id(starts[0]!),
          object: broken,
          kind: 'fetch',
          reason: expect.stringMatching(/presubmit pointer could not be read: .*HTTP 503/),
        },
      ]);
    });
  });
});

describe('artifact names with "..", "." or empty segments', () => {
  it('are refused as unsafe names; the run is complete and not read again', async () => {
    const tree = gcs.tempDir('ratchet-dotdot-');
    const start = AS_OF_S - 3600;
    const [folder] = writeTree(tree, [{ job: JOB, buildId: id(start), start, tests: [{ name: 't', status: 'pass' }] }]);
    const local = createLocalSource(tree);
    const bad = [`${folder}artifacts/../junit_up.xml`, `${folder}artifacts/./junit_here.xml`, `${folder}artifacts//junit_empty.xml`];
    // A bucket can hold such names; a directory cannot, so the listing of the run folder gets them added.
    const source: BucketSource = {
      description: local.description,
      bucket: local.bucket,
      async list(prefix, options) {
        const page = await local.list(prefix, options);
        if (prefix === folder && !options?.delimiter && !options?.pageToken) page.objects.push(...bad.map((name) => ({ name, size: 10 })));
        return page;
      },
      read: (name) => local.read(name),
    };
    const s = staged(source, { out: gcs.tempDir('ratchet-dotdot-out-'), config: { gcs: { workers: 0 } } });
    const first = await fetchWith(s);
    expect(first.stats).toMatchObject({ runsFound: 1, runsIncomplete: 0, objectsFailed: 0 });
    const { snapshot } = await analyzeWith(s);
    expect(snapshot.coverage.runsIncomplete).toBe(0);
    expect(snapshot.dataQuality.problems.map((p) => [p.kind, p.object])).toEqual(
      bad.map((name) => ['unsafe-name', name]).sort((a, b) => (a[1]! < b[1]! ? -1 : 1)),
    );
    const second = await fetchWith(s);
    expect(second.stats).toMatchObject({ runsFromCache: 1, runsFetched: 0 });
  });
});

describe('runs outside the window', () => {
  it('are noted when they start after the as-of instant, per job', async () => {
    const tree = gcs.tempDir('ratchet-after-');
    const starts = [AS_OF_S + 7200, AS_OF_S + 3600, AS_OF_S - 3600];
    writeTree(
      tree,
      starts.map((start) => ({ job: JOB, buildId: id(start), start, tests: [{ name: 't', status: 'pass' as const }] })),
    );
    const s = staged(createLocalSource(tree), { out: gcs.tempDir('ratchet-after-out-'), asOf: AS_OF_MS, config: { gcs: { workers: 0 } } });
    await fetchWith(s);
    const { snapshot } = await analyzeWith(s);
    expect(snapshot.coverage.runsRead).toBe(1);
    expect(snapshot.dataQuality.problems).toEqual([
      {
        job: JOB,
        object: `logs/${JOB}/`,
        kind: 'outside-window',
        reason: expect.stringMatching(/^2 runs started after the as-of instant \(2026-11-28T06:00:00\.000Z\) and are not counted: .*newest /),
      },
    ]);
  });
});
