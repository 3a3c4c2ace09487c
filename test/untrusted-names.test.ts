/**
 * Names from the bucket are untrusted: nothing derived from a job name, build id, object name or
 * presubmit pointer may escape the cache or output directory.
 */
import { mkdirSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSafeObjectName, isSafeSegment, resolveInside, assertSafeSegment } from '../src/util/safe-name.ts';
import { RunCache } from '../src/ingest/run-cache.ts';
import { createLocalSource } from '../src/source/local-source.ts';
import { discoverJobs, resolvePresubmitPointer } from '../src/ingest/discover.ts';
import type { DataProblem, RunRecord } from '../src/ingest/run-record.ts';
import { RUN_RECORD_VERSION } from '../src/ingest/run-record.ts';
import { tempDir } from './support/prow-tree.ts';

describe('untrusted names', () => {
  it('accepts real job names and build ids as path segments', () => {
    for (const name of [
      'periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-ovn',
      'pull-ci-openshift-origin-main-e2e-aws-ovn',
      'ci-kubernetes-e2e-gce',
      '2050205768946290688',
    ]) {
      expect(isSafeSegment(name), name).toBe(true);
    }
  });

  it('rejects traversal, absolute paths, separators and control characters', () => {
    for (const bad of ['..', '.', '../x', 'a/b', 'a\\b', '/etc', '', 'x\u0000y', 'job\nname', '-leading-dash', 'a..b', 'x'.repeat(300)]) {
      expect(isSafeSegment(bad), JSON.stringify(bad)).toBe(false);
    }
    for (const bad of ['../a', 'logs/../../a', '/abs', 'a\\b', 'logs//x', 'a/./b', 'x\u0007']) {
      expect(isSafeObjectName(bad), JSON.stringify(bad)).toBe(false);
    }
    expect(isSafeObjectName('logs/job/123/artifacts/junit.xml')).toBe(true);
    expect(() => resolveInside('/tmp/root', '../outside')).toThrow(/would escape/);
    expect(() => assertSafeSegment('../../etc', 'job name')).toThrow(/unsafe job name/);
  });

  it('never writes a cache file outside the cache directory', async () => {
    const root = tempDir();
    const cache = new RunCache(root, 'bucket-abc');
    const record = {
      recordVersion: RUN_RECORD_VERSION,
      job: '../../escape',
      buildId: '1',
      kind: 'periodic',
      path: 'logs/x/1/',
      started: null,
      finished: null,
      result: 'pending',
      final: false,
      complete: true,
      variants: {},
      tests: [],
      disruption: [],
      problems: [],
      objectsRead: 0,
      bytesRead: 0,
      inputsDigest: 'd',
    } as RunRecord;
    await expect(cache.put(record)).rejects.toThrow(/unsafe job name/);
    await expect(cache.put({ ...record, job: 'ok', buildId: '../1' })).rejects.toThrow(/unsafe build id/);
    expect(existsSync(path.join(root, '..', 'escape'))).toBe(false);
  });

  it('skips job folders with unsafe names and reports them', async () => {
    const root = tempDir();
    mkdirSync(path.join(root, 'logs', 'good-job', '1'), { recursive: true });
    mkdirSync(path.join(root, 'logs', 'bad job;rm -rf', '1'), { recursive: true });
    const problems: DataProblem[] = [];
    const jobs = await discoverJobs(createLocalSource(root), { include: [], exclude: [], kinds: ['periodic'], prefixes: [] }, problems);
    expect(jobs.map((j) => j.job)).toEqual(['good-job']);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: 'unsafe-name', object: 'logs/bad job;rm -rf/' });
  });

  it('accepts a presubmit pointer only when it names the same job and build under pr-logs/pull/', async () => {
    const root = tempDir();
    const dir = path.join(root, 'pr-logs', 'directory', 'pull-job');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, '5.txt'), 'gs://b/pr-logs/pull/org_repo/12/pull-job/5');
    writeFileSync(path.join(dir, '6.txt'), 'gs://b/logs/other-job/6');
    writeFileSync(path.join(dir, '7.txt'), 'gs://b/pr-logs/pull/../../../etc/pull-job/7');
    const source = createLocalSource(root);
    await expect(resolvePresubmitPointer(source, 'pull-job', '5', 'pr-logs/directory/pull-job/5.txt')).resolves.toMatchObject({
      path: 'pr-logs/pull/org_repo/12/pull-job/5/',
      kindHint: 'presubmit',
    });
    await expect(resolvePresubmitPointer(source, 'pull-job', '6', 'pr-logs/directory/pull-job/6.txt')).rejects.toThrow(/not pr-logs\/pull/);
    await expect(resolvePresubmitPointer(source, 'pull-job', '7', 'pr-logs/directory/pull-job/7.txt')).rejects.toThrow(/not pr-logs\/pull/);
    expect(readdirSync(root)).toEqual(['pr-logs']);
  });
});
