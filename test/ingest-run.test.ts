/**
 * Reading one run (ingestRun) through the GCS test server: big gzip-encoded JUnit files are streamed and a stream
 * broken after the first bytes is read again; failures are listed on the record and make it incomplete, damaged
 * content does not; nothing but the objects the run needs is downloaded.
 */
import { describe, expect, it } from 'vitest';
import { ingestRun } from '../src/ingest/ingest-run.ts';
import type { RunLocation } from '../src/ingest/discover.ts';
import { JOB } from './support/constants.ts';
import { useGcsTestServer } from './support/gcs-harness.ts';
import { writeObject } from './support/gcs-test-server.ts';
import { escapeXml } from './support/prow-tree.ts';

const BIG_CASES = 20_000;

function at(buildId: string): RunLocation {
  return { job: JOB, buildId, path: `logs/${JOB}/${buildId}/`, kindHint: 'periodic' };
}

async function writeRun(root: string, buildId: string, files: Record<string, string>, gzip: string[] = []): Promise<void> {
  const base = `logs/${JOB}/${buildId}/`;
  const defaults: Record<string, string> = {
    'started.json': JSON.stringify({ timestamp: 1_795_000_000 }),
    'finished.json': JSON.stringify({ timestamp: 1_795_003_600, passed: true, result: 'SUCCESS' }),
    'build-log.txt': 'log line\n'.repeat(1000),
  };
  for (const [leaf, content] of Object.entries({ ...defaults, ...files })) {
    await writeObject(root, base + leaf, content, gzip.includes(leaf) ? { contentEncoding: 'gzip' } : {});
  }
}

function bigJunit(cases: number): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuite name="openshift-tests" tests="${cases}">`];
  for (let i = 0; i < cases; i++) {
    const name = escapeXml(`[sig-area${i % 30}] component ${i} should behave & recover [Suite:openshift/conformance/parallel]`);
    lines.push(
      i % 500 === 7
        ? `  <testcase name="${name}" time="1"><failure message="boom">stack &lt;${i}&gt;</failure></testcase>`
        : `  <testcase name="${name}" time="0.5"></testcase>`,
    );
  }
  lines.push('</testsuite>');
  return lines.join('\n');
}

/** Three runs: a big gzip-encoded JUnit file, damaged files, a small JUnit file. */
async function writeBucket(root: string): Promise<void> {
  await writeRun(root, '1001', { 'artifacts/e2e/junit/junit_big.xml': bigJunit(BIG_CASES), 'artifacts/e2e/must-gather.tar': 'x'.repeat(100_000) }, [
    'artifacts/e2e/junit/junit_big.xml',
    'build-log.txt',
  ]);
  await writeRun(root, '1002', {
    'started.json': '{"timestamp": "not a number"',
    'prowjob.json': JSON.stringify({
      kind: 'ProwJob',
      metadata: { annotations: { 'release.openshift.io/tag': '4.22.0-0.nightly-x', 'release.openshift.io/from-tag': '4.21.0-0.nightly-y' } },
      spec: { type: 'periodic', job: JOB },
      status: { state: 'failure', startTime: '2026-11-20T00:00:00Z', completionTime: '2026-11-20T01:00:00Z' },
    }),
    'artifacts/junit_operator.xml':
      '<testsuites><testsuite name="step graph"><testcase name="e2e step"><failure message="failed">x</failure></testcase></testsuite></testsuites>',
    'artifacts/e2e/junit/junit_html.xml': '<html><body>502 Bad Gateway</body></html>',
  });
  await writeRun(root, '1003', { 'artifacts/e2e/junit/junit.xml': bigJunit(10) });
}

const gcs = useGcsTestServer({ fill: writeBucket, sourceDefaults: { baseDelayMs: 1, maxDelayMs: 10 }, timeoutMs: 60_000 });

describe('ingestRun', () => {
  it(`streams a gzip-encoded JUnit file of ${BIG_CASES} test cases larger than the read buffer`, async () => {
    const record = await ingestRun(gcs.source({ bufferLimitBytes: 256 * 1024 }), at('1001'));
    expect(record.problems).toEqual([]);
    expect(record.complete).toBe(true);
    expect(record.tests).toHaveLength(BIG_CASES);
    expect(record.tests.filter((t) => t.status === 'fail')).toHaveLength(BIG_CASES / 500);
    expect(record.tests.find((t) => t.name.includes('component 7 '))).toMatchObject({ status: 'fail', message: 'boom\nstack <7>' });
    expect(record.bytesRead).toBeGreaterThan(2_000_000);
    // Downloaded: the two root JSON files and the JUnit file, each once; never the log or the tarball.
    expect([...gcs.server.stats.mediaByObject.entries()].sort()).toEqual([
      [`logs/${JOB}/1001/artifacts/e2e/junit/junit_big.xml`, 1],
      [`logs/${JOB}/1001/finished.json`, 1],
      [`logs/${JOB}/1001/started.json`, 1],
    ]);
    expect(gcs.server.stats.gzipServed).toBe(1);
  });

  it('reads a big JUnit file again when its stream breaks after bytes were handed out', async () => {
    const big = `logs/${JOB}/1001/artifacts/e2e/junit/junit_big.xml`;
    // The first download is cut after half its bytes (beyond the 64 KiB buffer), so the source cannot retry it alone.
    gcs.server.setFaults(({ object, attempt }) => (object === big && attempt === 1 ? { kind: 'truncate' } : undefined));
    const record = await ingestRun(gcs.source({ bufferLimitBytes: 64 * 1024 }), at('1001'));
    expect(gcs.server.stats.mediaByObject.get(big)).toBe(2);
    expect(record.complete).toBe(true);
    expect(record.problems).toEqual([]);
    expect(record.tests).toHaveLength(BIG_CASES);
  });

  it('lists damaged content as problems without making the run incomplete', async () => {
    const record = await ingestRun(gcs.source(), at('1002'));
    expect(record.complete).toBe(true);
    expect(record.problems).toEqual([
      { object: `logs/${JOB}/1002/started.json`, kind: 'parse', reason: expect.any(String) },
      { object: `logs/${JOB}/1002/artifacts/e2e/junit/junit_html.xml`, kind: 'parse', reason: expect.stringMatching(/not a JUnit XML file.*<html>/) },
    ]);
    // The start time falls back to prowjob.json; the payload tags come from its annotations.
    expect(record).toMatchObject({ started: '2026-11-20T00:00:00.000Z', payloadTag: '4.22.0-0.nightly-x', fromPayloadTag: '4.21.0-0.nightly-y' });
    expect(record.tests).toEqual([expect.objectContaining({ suite: 'step graph', name: 'e2e step', status: 'fail' })]);
  });

  it('marks the run incomplete and names the object when a download fails after every retry', async () => {
    const junit = `logs/${JOB}/1003/artifacts/e2e/junit/junit.xml`;
    gcs.server.setFaults({ brokenObjects: [junit] });
    const record = await ingestRun(gcs.source({ retries: 2 }), at('1003'));
    expect(record.complete).toBe(false);
    expect(record.problems).toEqual([{ object: junit, kind: 'fetch', reason: expect.stringMatching(/HTTP 503.*retry budget|retry budget.*HTTP 503/) }]);
    // objectAttempts (2) × (1 + retries): the object was tried six times before giving up.
    expect(gcs.server.stats.mediaByObject.get(junit)).toBe(6);
    expect(record.tests).toEqual([]);
  });

  it('marks the run incomplete when its folder cannot be listed, without inventing missing files', async () => {
    gcs.server.setFaults(({ kind }) => (kind === 'list' ? { kind: '503' } : undefined));
    const record = await ingestRun(gcs.source({ retries: 1 }), at('1003'));
    expect(record.complete).toBe(false);
    expect(record.problems).toEqual([
      { object: `logs/${JOB}/1003/`, kind: 'fetch', reason: expect.stringMatching(/^listing failed: .*the next fetch reads this run again$/) },
    ]);
    // The root files were still read by name.
    expect(record.started).toBe(new Date(1_795_000_000_000).toISOString());
    expect(record.result).toBe('success');
  });

  it('reports a missing started.json', async () => {
    await writeObject(gcs.root, `logs/${JOB}/1004/finished.json`, JSON.stringify({ timestamp: 1_795_003_600, passed: false, result: 'FAILURE' }));
    const record = await ingestRun(gcs.source(), at('1004'));
    expect(record.problems).toEqual([{ object: `logs/${JOB}/1004/started.json`, kind: 'missing', reason: expect.stringMatching(/no started\.json/) }]);
    expect(record.complete).toBe(true);
  });
});
