/**
 * The pipeline on a Prow-layout directory built here (not the bundled sample): fetch → analyze gives
 * the counts the tree holds; a second fetch reads no run again; bad objects are listed, never fatal.
 */
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunPlan } from '../src/config/run-plan.ts';
import { runPlan } from './support/plans.ts';
import { analyzeStage, fetchStage } from '../src/pipeline.ts';
import { decodeColumns } from '../src/ingest/run-cache-layout.ts';
import { tempDir, writeTree, type TreeRun } from './support/prow-tree.ts';
import { AS_OF, AS_OF_S, DAY_S, JOB as JOB_A, PRESUBMIT_JOB as PRESUBMIT, UPGRADE_JOB as JOB_B } from './support/constants.ts';

const STABLE = '[sig-network] Services should serve endpoints [Suite:openshift/conformance/parallel]';
const FLAKY = '[sig-storage] CSI volumes should mount [Suite:openshift/conformance/parallel]';
const BROKEN = '[sig-api-machinery] API data in etcd should be stored [Suite:openshift/conformance/serial]';

function runs(): TreeRun[] {
  const list: TreeRun[] = [];
  // Job A: 10 runs in the current window (2 failing BROKEN), 5 in the previous one (all passing), 1 too old.
  for (let i = 0; i < 10; i++) {
    list.push({
      job: JOB_A,
      buildId: String(1900000000000000000n + BigInt(100 + i)),
      start: AS_OF_S - (i + 1) * 12 * 3600,
      tests: [
        { name: STABLE, status: 'pass' },
        { name: FLAKY, status: i % 3 === 0 ? 'flake' : 'pass', message: `timed out at 2026-11-2${i % 10}T01:02:03Z on pod csi-7d9f8c6b5-x2k4q` },
        { name: BROKEN, status: i < 2 ? 'fail' : 'pass', message: 'expected 3 got 4' },
      ],
    });
  }
  for (let i = 0; i < 5; i++) {
    list.push({
      job: JOB_A,
      buildId: String(1900000000000000000n + BigInt(50 + i)),
      start: AS_OF_S - 8 * DAY_S - i * DAY_S,
      tests: [
        { name: STABLE, status: 'pass' },
        { name: BROKEN, status: 'pass' },
      ],
    });
  }
  list.push({ job: JOB_A, buildId: String(1900000000000000000n + 1n), start: AS_OF_S - 40 * DAY_S, tests: [{ name: STABLE, status: 'fail' }] });
  // Job B: an upgrade job with two disruption files, one aborted run, one pending run, one malformed started.json.
  list.push({
    job: JOB_B,
    buildId: '1900000000000000200',
    start: AS_OF_S - DAY_S,
    tests: [{ name: STABLE, status: 'pass' }],
    disruption: [{ 'kube-api-new-connections': '1.2s' }, { 'kube-api-new-connections': '2.1s' }],
  });
  list.push({ job: JOB_B, buildId: '1900000000000000201', start: AS_OF_S - 2 * DAY_S, result: 'ABORTED' });
  list.push({ job: JOB_B, buildId: '1900000000000000202', start: AS_OF_S - 3600, pending: true });
  list.push({
    job: JOB_B,
    buildId: '1900000000000000203',
    start: AS_OF_S - 3 * DAY_S,
    tests: [{ name: STABLE, status: 'pass' }],
    extra: {
      'artifacts/e2e/junit/junit_truncated.xml': '<testsuite name="openshift-tests"><testcase name="kept case"></testcase><testcase name="cut',
      'artifacts/e2e/junit/junit_html.xml': '<html><body>502 Bad Gateway</body></html>',
    },
  });
  // A presubmit found only through pr-logs/directory.
  list.push({ job: PRESUBMIT, buildId: '1900000000000000300', start: AS_OF_S - DAY_S, pr: 30123, tests: [{ name: STABLE, status: 'pass' }] });
  return list;
}

describe('pipeline on a Prow-layout directory', () => {
  let root: string;
  let out: string;
  let settings: RunPlan;

  beforeAll(() => {
    root = tempDir();
    out = tempDir();
    writeTree(root, runs());
    // A run whose started.json is malformed, and an unexpected file in a job folder.
    writeTree(root, [
      {
        job: JOB_B,
        buildId: '1900000000000000204',
        start: AS_OF_S - 4 * DAY_S,
        tests: [{ name: STABLE, status: 'pass' }],
        override: { 'started.json': '{"timestamp": 17' },
      },
    ]);
    writeFileSync(path.join(root, 'logs', JOB_B, 'notes.txt'), 'hello');
    settings = runPlan({ out, asOf: AS_OF, flags: { source: root } });
  });

  it('fetches every run in the look-back window and stops at its edge', async () => {
    const report = await fetchStage(settings);
    // 15 A + 5 B + 1 presubmit in the window; the 40-day-old run is outside it (the look-back is the 7-day sample and the 30-day basis).
    expect(report.stats.runsFound).toBe(21);
    expect(report.stats.runsFetched).toBeGreaterThanOrEqual(21);
    expect(report.stats.runsPending).toBe(1);
    expect(report.runs.map((r) => r.buildId)).not.toContain(String(1900000000000000000n + 1n));
    expect(report.discoveryProblems.some((p) => p.object.endsWith('notes.txt') && p.kind === 'unknown')).toBe(true);
  });

  it('counts job results, test outcomes and flakes per window', async () => {
    const { snapshot, file } = await analyzeStage(settings);
    expect(existsSync(file)).toBe(true);
    expect(file).toBe(path.join(out, 'snapshots', '2026-11-28T0600Z', 'snapshot.json'));
    const a = snapshot.jobs.find((j) => j.name === JOB_A)!;
    expect(a.current).toMatchObject({ runs: 10, success: 8, failure: 2 });
    expect(a.previous).toMatchObject({ runs: 5, success: 5, failure: 0 });
    expect(a.current.passRate).toBeCloseTo(0.8, 10);
    expect(a.delta).toBeCloseTo(-20, 10);
    expect(a.trend).toBe('down');
    const b = snapshot.jobs.find((j) => j.name === JOB_B)!;
    expect(b.current).toMatchObject({ aborted: 1, pending: 1 });
    const pre = snapshot.jobs.find((j) => j.name === PRESUBMIT)!;
    expect(pre.kind).toBe('presubmit');
    expect(pre.recentRuns[0]!.url).toContain('/pr-logs/pull/30123/');

    const broken = snapshot.tests.find((t) => t.name === BROKEN)!;
    expect(broken.current).toMatchObject({ runs: 10, passes: 8, failures: 2, flakes: 0 });
    expect(broken.previous).toMatchObject({ runs: 5, passes: 5 });
    const flaky = snapshot.tests.find((t) => t.name === FLAKY)!;
    expect(flaky.current).toMatchObject({ runs: 10, passes: 6, flakes: 4, failures: 0 });
    // Four messages that differ only in time and pod suffix form one group.
    expect(flaky.failureGroups).toHaveLength(1);
    expect(flaky.failureGroups[0]!.count).toBe(4);
    expect(snapshot.tests.find((t) => t.name === STABLE)).toBeUndefined();
    expect(snapshot.headline.tests).toBeGreaterThanOrEqual(3);
  });

  it('lists every damaged object with its reason in data quality', async () => {
    const { snapshot } = await analyzeStage(settings);
    const problems = snapshot.dataQuality.problems;
    const truncated = problems.find((p) => p.object.endsWith('junit_truncated.xml'))!;
    expect(truncated.kind).toBe('partial');
    expect(truncated.reason).toMatch(/1 test case/);
    expect(problems.find((p) => p.object.endsWith('junit_html.xml'))?.kind).toBe('parse');
    const started = problems.find((p) => p.buildId === '1900000000000000204' && p.object.endsWith('started.json'))!;
    expect(started.kind).toBe('parse');
    expect(snapshot.dataQuality.problemCount).toBe(problems.length);
    // The truncated file's complete case still counts.
    const all = snapshot.jobs.find((j) => j.name === JOB_B)!;
    expect(all.current.runs).toBe(5);
  });

  it('reads no finished run twice: the second fetch comes from the cache', async () => {
    const report = await fetchStage(settings);
    expect(report.stats.runsFound).toBe(21);
    expect(report.stats.runsFetched).toBe(0);
    expect(report.stats.runsFromCache).toBe(21);
  });

  it('re-reads an unfinished run once its folder changes', async () => {
    const folder = path.join(root, 'logs', JOB_B, '1900000000000000202');
    writeFileSync(path.join(folder, 'finished.json'), JSON.stringify({ timestamp: AS_OF_S - 60, passed: true, result: 'SUCCESS' }));
    const report = await fetchStage(settings);
    expect(report.stats.runsFetched).toBe(1);
    expect(report.stats.runsPending).toBe(0);
    const cached = decodeColumns(readFileSync(path.join(out, 'cache', readdir1(path.join(out, 'cache')), 'runs', JOB_B, '1900000000000000202.json')));
    expect(cached?.result).toBe('success');
  });
});

function readdir1(dir: string): string {
  return readdirSync(dir).filter((n) => !n.startsWith('.'))[0]!;
}
