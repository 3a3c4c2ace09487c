/**
 * What the site's pages select from a snapshot, and in which order, proved on the example snapshots
 * (test/fixtures/snapshots): the regressions a job, test or disruption cell shows, the disruption
 * overview, the rows of tables, and the paths of the per-snapshot pages. The components only bind
 * these to markup, so this is what a reader sees.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { disruptionOverviewChart, regressionChart } from '../src/site/lib/charts.ts';
import {
  CELL_STATUSES,
  cellStatus,
  MODES,
  regressionsForCell,
  regressionsForJob,
  regressionsForTest,
  regressionTitle,
  topDisruptionCells,
  type AnyRegression,
} from '../src/site/lib/regressions.ts';
import { breakdownRows, failureGroupsByCount, jobStatusesIn, problemKinds, runsByJob, testsWithPages, variantGroupsByConcern } from '../src/site/lib/report.ts';
import {
  defaultModePaths,
  jobPaths,
  otherModePaths,
  snapshotPaths,
  snapshotPathsWithPrevious,
  snapshotPathsWithPreviousId,
  testPaths,
} from '../src/site/lib/snapshot-paths.ts';
import { clearLoaderCache, readSnapshots } from '../src/site/lib/snapshots.ts';
import { regressionSubjectHref } from '../src/site/lib/subject-links.ts';
import type { FailureGroup, Snapshot, TestSummary } from '../src/snapshot/schema.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/snapshots/', import.meta.url));
const IDS = ['2026-11-28T0600Z', '2026-11-27T0600Z', '2026-11-26T0600Z'];
const PR = 'pull-ci-openshift-origin-main-e2e-aws-ovn';
const UPGRADE = 'periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-ovn-upgrade';
const PERIODIC = 'periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-ovn';
const METAL = 'periodic-ci-openshift-release-main-nightly-4.22-e2e-metal-ipi-ovn-ipv6';

let latest: Snapshot;
let empty: Snapshot;

beforeAll(async () => {
  const all = await readSnapshots(FIXTURES);
  latest = all[0]!;
  empty = all[2]!;
});

/** A regression in a few words: kind, mode, status, severity and what it is about (a test by the first two words of its name). */
const brief = (r: AnyRegression) => {
  const about =
    r.kind === 'test'
      ? r.name
          .replace(/^\[[^\]]+\] /, '')
          .split(' ')
          .slice(0, 2)
          .join(' ')
      : regressionTitle(r);
  return `${r.kind} ${r.mode} ${r.status} ${r.severity}: ${about}`;
};
const testNamed = (name: string): TestSummary => latest.tests.find((t) => t.name.includes(name))!;

describe('regressions a page shows', () => {
  it('gives a job its own, its tests’ and the disruption of the cells it fed: new, open, resolved; extreme first; smallest q (else p) first', () => {
    expect(regressionsForJob(latest, UPGRADE).map(brief)).toEqual([
      'test ratchet new significant: Monitor cluster',
      'disruption ratchet open extreme: kube-api-new-connections',
      'disruption compatible resolved extreme: kube-api-new-connections',
      'test ratchet resolved significant: Cluster completes',
    ]);
    // Compatible mode has no q, so its p (smaller than ratchet's q) puts it first among equals.
    expect(regressionsForJob(latest, PR).map(brief)).toEqual([
      'test compatible new significant: <script>alert(1)</script> names',
      'test ratchet new significant: <script>alert(1)</script> names',
      'test compatible open extreme: NoExecuteTaintManager Single',
      'test ratchet open extreme: NoExecuteTaintManager Single',
      'job ratchet open extreme: pull-ci-openshift-origin-main-e2e-aws-ovn',
    ]);
    // The PR job's runs fed no disruption cell, the passing and the stale job have nothing.
    expect(regressionsForJob(latest, PERIODIC)).toEqual([]);
    expect(regressionsForJob(latest, METAL)).toEqual([]);
    expect(regressionsForJob(empty, PR)).toEqual([]);
  });

  it('gives a test its regressions in both modes, most concerning first, and nothing to a test that did not regress', () => {
    expect(regressionsForTest(latest, testNamed('NoExecuteTaintManager').id).map((r) => `${r.mode} ${r.status}`)).toEqual(['compatible open', 'ratchet open']);
    expect(regressionsForTest(latest, testNamed('Cluster completes upgrade').id).map((r) => `${r.mode} ${r.status}`)).toEqual(['ratchet resolved']);
    expect(regressionsForTest(latest, testNamed('Watchers').id)).toEqual([]);
  });

  it('gives a disruption cell its regressions in the snapshot’s order, matched on backend and variant', () => {
    const [kubeApi, openshiftApi] = latest.disruption!;
    expect(regressionsForCell(latest, kubeApi!).map((r) => `${r.mode} ${r.status}`)).toEqual(['ratchet open', 'compatible resolved']);
    expect(regressionsForCell(latest, openshiftApi!)).toEqual([]);
    expect(regressionsForCell(latest, { backend: kubeApi!.backend, variantKey: 'another-variant' })).toEqual([]);
  });

  it('links a regression to its subject’s page only where that page exists', () => {
    const test = latest.regressions!.tests.find((r) => r.name.includes('NoExecuteTaintManager'))!;
    const job = latest.regressions!.jobs[0]!;
    const disruption = latest.regressions!.disruption[0]!;
    expect(regressionSubjectHref(latest, test)).toBe(`/snapshots/${latest.id}/tests/${test.testId}/`);
    expect(regressionSubjectHref(latest, job)).toBe(`/snapshots/${latest.id}/jobs/${PR}/`);
    expect(regressionSubjectHref(latest, disruption)).toBe(`/snapshots/${latest.id}/disruption/#cell-kube-api-new-connections-aws-ovn-amd64-ha-upgrade-micro`);
    expect(regressionSubjectHref(latest, { ...test, testId: 'not-in-this-snapshot' })).toBeUndefined();
    expect(regressionSubjectHref(latest, { ...job, job: 'a-job-no-longer-listed' })).toBeUndefined();
  });
});

describe('disruption page', () => {
  it('charts the highest current P95 first, ties by backend, without excluded cells', () => {
    const cells = latest.disruption!;
    expect(cells.find((c) => c.excluded)?.backend).toBe('ingress-to-console-new-connections');
    expect(topDisruptionCells(cells).map((c) => c.backend)).toEqual([
      'kube-api-new-connections',
      '"><img src=x onerror=alert(1)>-new-connections',
      'openshift-api-reused-connections',
    ]);
    expect(topDisruptionCells([...cells].reverse(), 1).map((c) => c.backend)).toEqual(['kube-api-new-connections']);
    expect(topDisruptionCells([{ ...cells[0]!, current: null }])).toEqual([]);
  });

  it('charts each chosen cell’s current P95 against its basis P95', () => {
    const top = topDisruptionCells(latest.disruption!, 1);
    const chart = disruptionOverviewChart(top);
    expect(chart.labels).toEqual(['kube-api-new-connections · aws-ovn-amd64-ha-upgrade-micro']);
    expect(chart.series.map((s) => s.label)).toEqual(['Current P95', 'Basis P95']);
    expect(chart.series[0]!.values).toEqual([top[0]!.current!.p95]);
    expect(chart.series[1]!.values).toEqual([top[0]!.basis?.p95 ?? top[0]!.historical?.p95 ?? null]);
  });

  it('files each cell under one filter status: regressed in either mode, else ok in either, else not checked', () => {
    expect(latest.disruption!.map(cellStatus)).toEqual(['regressed', 'ok', 'ok', 'not-checked']);
    expect(cellStatus({ ratchet: 'ok', compatible: 'regressed' })).toBe('regressed');
    expect(cellStatus({ ratchet: 'not-checked', compatible: 'ok' })).toBe('ok');
    expect(CELL_STATUSES.map((s) => s.value)).toEqual(['regressed', 'ok', 'not-checked']);
  });
});

describe('charts of a regression', () => {
  it('draws a test or job rate as basis against sample, a new test’s sample alone, and disruption by percentile', () => {
    const test = latest.regressions!.tests.find((r) => r.basis !== null)!;
    expect(regressionChart(test).spec.labels).toEqual(['Basis', 'Sample']);
    expect(regressionChart(test).title).toBe('Working rate with 95% intervals, basis and sample');
    expect(regressionChart({ ...test, basis: null }).spec.labels).toEqual(['Sample']);
    const job = regressionChart(latest.regressions!.jobs[0]!);
    expect(job.title).toBe('Pass rate with 95% intervals, basis and sample');
    expect(job.spec.series[0]!.label).toBe('Pass rate');
    const disruption = regressionChart(latest.regressions!.disruption[0]!);
    expect(disruption.spec.kind).toBe('quantile');
    expect(disruption.title).toBe('Disruption per run at each percentile');
  });
});

describe('tables', () => {
  it('lists a test’s troubled jobs, most failures then most flakes first, and counts the clean ones', () => {
    const services = testNamed('Services should serve endpoints');
    // Listed even with no failure in the current window: it failed in the previous one.
    const rows = breakdownRows([...services.byJob].reverse());
    expect(rows.troubled.map((r) => r.key)).toEqual([PERIODIC, PR, METAL]);
    expect(rows.clean).toBe(0);
    const watchers = breakdownRows(testNamed('Watchers').byJob);
    expect(watchers.troubled.map((r) => r.key)).toEqual([PR, PERIODIC]);
    expect(watchers.clean).toBe(1);
    expect(watchers.cleanRuns).toBe(
      testNamed('Watchers')
        .byJob.filter((r) => !watchers.troubled.includes(r))
        .reduce((n, r) => n + r.current.runs, 0),
    );
  });

  it('puts the largest failure group first and keeps equal groups in their order', () => {
    const groups = testNamed('<script>').failureGroups;
    expect(failureGroupsByCount([...groups].reverse()).map((g) => g.count)).toEqual([4, 1]);
    const tie = (text: string, count: number): FailureGroup => ({ ...groups[0]!, text, count });
    expect(failureGroupsByCount([tie('a', 1), tie('b', 2), tie('c', 1)]).map((g) => g.text)).toEqual(['b', 'a', 'c']);
  });

  it('groups a failure’s runs by job, jobs in order of first appearance, runs in their order', () => {
    const runs = testNamed('Services should serve endpoints').failureGroups[0]!.runs;
    expect(runsByJob(runs).map(([job, list]) => [job, list.length])).toEqual([
      [PR, 4],
      [PERIODIC, 1],
    ]);
    const interleaved = [
      { job: 'b', buildId: '1' },
      { job: 'a', buildId: '2' },
      { job: 'b', buildId: '3' },
    ];
    expect(runsByJob(interleaved)).toEqual([
      ['b', [interleaved[0], interleaved[2]]],
      ['a', [interleaved[1]]],
    ]);
  });

  it('counts data problems by kind, most first, then by name, leaving out empty kinds unless asked', () => {
    expect(problemKinds(latest.dataQuality).map(([kind]) => kind)).toEqual(['fetch', 'missing', 'parse', 'unknown', 'unsafe-name']);
    const byKind = { fetch: 0, partial: 1, parse: 3 };
    expect(problemKinds({ byKind })).toEqual([
      ['parse', 3],
      ['partial', 1],
    ]);
    expect(problemKinds({ byKind }, { withEmpty: true })).toEqual([
      ['parse', 3],
      ['partial', 1],
      ['fetch', 0],
    ]);
  });

  it('offers the job statuses present, worst first, and orders variant groups worst first', () => {
    expect(jobStatusesIn(latest.jobs)).toEqual(['failing', 'degraded', 'stale', 'passing']);
    expect(jobStatusesIn([...latest.jobs].reverse().filter((j) => j.status !== 'failing'))).toEqual(['degraded', 'stale', 'passing']);
    // Two degraded groups, lower pass rate first, then the stale one.
    expect(variantGroupsByConcern([...latest.variantGroups!].reverse()).map((g) => `${g.variantKey} ${g.status}`)).toEqual([
      'aws-ovn-amd64-ha degraded',
      'aws-ovn-amd64-ha-upgrade-micro degraded',
      'metal-ovn-amd64-ha-ipv6 stale',
    ]);
  });
});

describe('per-snapshot page paths', () => {
  const saved = { dir: process.env.RATCHET_SNAPSHOTS_DIR, ids: process.env.RATCHET_RENDER_IDS, archive: process.env.RATCHET_ARCHIVE_DIR };
  beforeAll(() => {
    process.env.RATCHET_SNAPSHOTS_DIR = FIXTURES;
    delete process.env.RATCHET_RENDER_IDS;
    delete process.env.RATCHET_ARCHIVE_DIR;
    clearLoaderCache();
  });
  afterEach(() => {
    delete process.env.RATCHET_RENDER_IDS;
    clearLoaderCache();
  });
  afterAll(() => {
    for (const [key, value] of [
      ['RATCHET_SNAPSHOTS_DIR', saved.dir],
      ['RATCHET_RENDER_IDS', saved.ids],
      ['RATCHET_ARCHIVE_DIR', saved.archive],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    clearLoaderCache();
  });

  it('gives each snapshot one path, newest first, its id as the param and the snapshot as the prop', async () => {
    const paths = await snapshotPaths();
    expect(paths.map((p) => p.params)).toEqual(IDS.map((id) => ({ id })));
    expect(paths.every((p) => p.props.snapshot.id === p.params.id && Object.keys(p.props).join() === 'snapshot')).toBe(true);
  });

  it('adds the snapshot before: its id for the report, the snapshot itself for what changed', async () => {
    expect((await snapshotPathsWithPreviousId()).map((p) => [p.params.id, p.props.previous])).toEqual([
      [IDS[0], IDS[1]],
      [IDS[1], IDS[2]],
      [IDS[2], undefined],
    ]);
    expect((await snapshotPathsWithPrevious()).map((p) => [p.params.id, p.props.previous?.id])).toEqual([
      [IDS[0], IDS[1]],
      [IDS[1], IDS[2]],
      [IDS[2], undefined],
    ]);
  });

  it('puts the default mode at /regressions/ (ratchet before regressions existed) and a page per other mode', async () => {
    expect((await defaultModePaths()).map((p) => [p.params.id, p.props.mode])).toEqual([
      [IDS[0], 'ratchet'],
      [IDS[1], 'ratchet'],
      [IDS[2], 'ratchet'],
    ]);
    const others = await otherModePaths();
    expect(others.map((p) => p.params)).toEqual([
      { id: IDS[0], mode: 'compatible' },
      { id: IDS[1], mode: 'compatible' },
    ]);
    expect(others.every((p) => p.props.mode === p.params.mode && MODES.includes(p.props.mode))).toBe(true);
  });

  it('gives every job a page, and every test the page budget chooses, named by its URL segment', async () => {
    const jobs = await jobPaths();
    expect(jobs.map((p) => `${p.params.id}/${p.params.job}`)).toEqual(
      [latest, (await readSnapshots(FIXTURES))[1]!].flatMap((s) => s.jobs.map((j) => `${s.id}/${j.name}`)),
    );
    expect(jobs.every((p) => p.props.job.name === p.params.job && p.props.snapshot.id === p.params.id)).toBe(true);
    const tests = await testPaths();
    expect(tests.filter((p) => p.params.id === latest.id).map((p) => p.params.test)).toEqual(testsWithPages(latest).map((t) => t.id));
    expect(tests.every((p) => p.props.test.id === p.params.test)).toBe(true);
  });

  it('renders only the snapshots RATCHET_RENDER_IDS names', async () => {
    process.env.RATCHET_RENDER_IDS = IDS[1]!;
    expect((await snapshotPaths()).map((p) => p.params.id)).toEqual([IDS[1]]);
    expect(new Set((await jobPaths()).map((p) => p.params.id))).toEqual(new Set([IDS[1]]));
    // The snapshot before is still found, though it gets no pages of its own in this build.
    expect((await snapshotPathsWithPrevious()).map((p) => p.props.previous?.id)).toEqual([IDS[2]]);
  });
});
