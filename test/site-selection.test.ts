/**
 * What the site's pages select from a snapshot, and in which order, proved on the example snapshots
 * (test/fixtures/snapshots, and the version 2 example in snapshots-v2): the regressions a job, test or
 * disruption cell shows, the disruption overview, the rows of tables, the payloads page, a regression's
 * window, onset and frozen line, runs kept out of test verdicts, and the paths of the per-snapshot
 * pages. The components only bind these to markup, so this is what a reader sees.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { disruptionOverviewChart, regressionChart } from '../src/site/lib/charts.ts';
import { excludedClass } from '../src/site/lib/format.ts';
import { payloadHref } from '../src/site/lib/links.ts';
import { aggregatedVerdict, payloadAnchor, payloadTotals, payloadViews, RUN_MARKS, runMark } from '../src/site/lib/payloads.ts';
import { designEffectText, evidenceWindows, frozenLineText, heldOpenNote, onsetFacts, windowWords } from '../src/site/lib/regression-facts.ts';
import {
  bugMarkdown,
  CELL_STATUSES,
  cellSetText,
  cellStatus,
  cellTestWindow,
  MODES,
  modeExplanation,
  regressionsForCell,
  regressionsForJob,
  regressionsForTest,
  regressionTitle,
  topDisruptionCells,
  type AnyRegression,
} from '../src/site/lib/regressions.ts';
import {
  breakdownRows,
  excludedRuns,
  excludedRunsText,
  failureGroupsByCount,
  jobStatusesIn,
  problemKinds,
  runsByJob,
  testsWithPages,
  variantGroupsByConcern,
} from '../src/site/lib/report.ts';
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
import { snapshotSchema } from '../src/snapshot/schema.ts';
import type { FailureGroup, Snapshot, TestRegression, TestSummary } from '../src/snapshot/schema.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/snapshots/', import.meta.url));
const IDS = ['2026-11-28T0600Z', '2026-11-27T0600Z', '2026-11-26T0600Z'];
const PR = 'pull-ci-openshift-origin-main-e2e-aws-ovn';
const UPGRADE = 'periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-ovn-upgrade';
const PERIODIC = 'periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-ovn';
const METAL = 'periodic-ci-openshift-release-main-nightly-4.22-e2e-metal-ipi-ovn-ipv6';

const V2 = fileURLToPath(new URL('./fixtures/snapshots-v2/2026-11-29T0600Z/snapshot.json', import.meta.url));

let latest: Snapshot;
let empty: Snapshot;
/** The version 2 example: the day after `latest`. */
let v2: Snapshot;

beforeAll(async () => {
  const all = await readSnapshots(FIXTURES);
  latest = all[0]!;
  empty = all[2]!;
  v2 = snapshotSchema.parse(JSON.parse(await readFile(V2, 'utf8')));
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

describe('version 2: a regression’s window, onset, frozen line and design effects', () => {
  const ratchetTest = (match: string): TestRegression => v2.regressions!.tests.find((r) => r.mode === 'ratchet' && r.name.includes(match))!;

  it('says a scan window in words, and leaves a label it does not know as it is', () => {
    expect(['6h', '12h', '24h', '3d', '7d', '1d', '1h', '2w', 'current', 'recent', 'odd'].map(windowWords)).toEqual([
      'last 6 hours',
      'last 12 hours',
      'last 24 hours',
      'last 3 days',
      'last 7 days',
      'last day',
      'last hour',
      'last 2 weeks',
      'current window',
      'recent window',
      'odd',
    ]);
  });

  it('dates the sample by its scan window and the basis by the frozen line; version 1 as before', () => {
    const etcd = evidenceWindows(ratchetTest('etcdMembersDown'), v2);
    expect(etcd).toEqual({
      label: 'last 24 hours',
      recent: false,
      sample: '2026-11-28 06:00 UTC to 2026-11-29 06:00 UTC',
      basis: '2026-11-15 06:00 UTC to 2026-11-22 06:00 UTC',
      current: '2026-11-22 06:00 UTC to 2026-11-29 06:00 UTC',
      narrower: true,
    });
    // Frozen on the 27th: that snapshot's basis, not this one's.
    expect(evidenceWindows(ratchetTest('NoExecuteTaintManager'), v2)).toMatchObject({
      label: 'last 7 days',
      basis: '2026-11-13 06:00 UTC to 2026-11-20 06:00 UTC',
      narrower: false,
    });
    // A disruption line freezes only the P75: its basis row is the basis window.
    expect(evidenceWindows(v2.regressions!.disruption[0]!, v2)).toMatchObject({
      label: 'last 3 days',
      basis: '2026-11-15 06:00 UTC to 2026-11-22 06:00 UTC',
      narrower: true,
    });
    const recent = latest.regressions!.tests.find((r) => r.window === 'recent')!;
    expect(evidenceWindows(recent, latest)).toMatchObject({ label: 'recent window', recent: true, sample: '2026-11-26 06:00 UTC to 2026-11-28 06:00 UTC' });
    const plain = latest.regressions!.tests.find((r) => r.window === undefined)!;
    expect(evidenceWindows(plain, latest)).toMatchObject({
      label: undefined,
      recent: false,
      narrower: false,
      sample: '2026-11-21 06:00 UTC to 2026-11-28 06:00 UTC',
    });
  });

  it('places the onset: its run and payloads, and whether the payloads page lists them', () => {
    const etcd = onsetFacts(v2, ratchetTest('etcdMembersDown'))!;
    expect(etcd.run?.buildId).toBe('1914677039104000001');
    expect(etcd).toMatchObject({
      payloadTag: '4.22.0-0.nightly-2026-11-28-000415',
      lastGoodPayloadTag: '4.22.0-0.nightly-2026-11-27-190415',
      payloadListed: true,
      lastGoodListed: true,
    });
    // A presubmit names no payload; a payload before the window has no entry on the page.
    expect(onsetFacts(v2, ratchetTest('NoExecuteTaintManager'))).toMatchObject({ payloadTag: null, payloadListed: false, lastGoodListed: false });
    const old = {
      ...ratchetTest('etcdMembersDown'),
      onset: { ...ratchetTest('etcdMembersDown').onset!, lastGoodPayloadTag: '4.22.0-0.nightly-2026-11-01-000415' },
    };
    expect(onsetFacts(v2, old)).toMatchObject({ payloadListed: true, lastGoodListed: false });
    // null: the analysis could not place it; undefined: not recorded (version 1, compatible mode).
    expect(onsetFacts(v2, { ...old, onset: null })).toBeNull();
    expect(onsetFacts(v2, v2.regressions!.tests.find((r) => r.mode === 'compatible')!)).toBeUndefined();
    expect(onsetFacts(latest, latest.regressions!.tests[0]!)).toBeUndefined();
  });

  it('words the frozen line of an open ratchet regression: basis, how far it fell or rose, what resolves it', () => {
    expect(frozenLineText(ratchetTest('NoExecuteTaintManager'))).toBe(
      'Judged against the basis frozen on 2026-11-27: 40 of 40 runs working, 100.0%. It fell to at most 63.5%; it resolves when a window since the onset is significantly above 81.8%.',
    );
    expect(frozenLineText(v2.regressions!.jobs[0]!)).toBe(
      'Judged against the basis frozen on 2026-11-27: 34 of 42 runs passed, 81.0%. It fell to at most 61.3%; it resolves when a window since the onset is significantly above 71.1%.',
    );
    const disruption = v2.regressions!.disruption[0]!;
    expect(frozenLineText(disruption)).toBe(
      'Judged against the basis frozen on 2026-11-27: P75 2\u00a0s over 19 runs, with 26.0% of runs above it. The share of runs above it rose to at least 61.0%; it resolves when a window since the onset has significantly fewer than 43.5% above it.',
    );
    expect(frozenLineText({ ...disruption, line: { ...disruption.line!, basis: { ...disruption.line!.basis, historical: true } } })).toContain(
      "a historical record's P75 of 2\u00a0s (19 runs)",
    );
    // Resolved, compatible or version 1: no line to show.
    expect(frozenLineText({ ...ratchetTest('NoExecuteTaintManager'), status: 'resolved' })).toBeUndefined();
    expect(frozenLineText(v2.regressions!.tests.find((r) => r.mode === 'compatible')!)).toBeUndefined();
    expect(frozenLineText(latest.regressions!.tests[0]!)).toBeUndefined();
  });

  it('mentions design effects only above 1, and says why a regression is held open in its own mode’s terms', () => {
    expect(designEffectText(ratchetTest('NoExecuteTaintManager'))).toBe(
      'Design effect 1.25 in the window and 1.10 in the basis: failures cluster by day or payload, so each side counted as that many times fewer independent runs.',
    );
    expect(designEffectText(ratchetTest('etcdMembersDown'))).toBeUndefined();
    expect(designEffectText({ ...ratchetTest('etcdMembersDown'), design: { sample: 1.004, basis: 1 } })).toBeUndefined();
    expect(designEffectText(latest.regressions!.tests[0]!)).toBeUndefined();
    const held = ratchetTest('<script>');
    expect(held.heldByHysteresis).toBe(true);
    expect(heldOpenNote(held)).toBe('held open: not significant in any window now, but not recovered against its frozen basis either');
    expect(heldOpenNote({ ...held, line: undefined })).toBe('held open: it was open before, and open regressions face looser thresholds');
    expect(heldOpenNote({ ...held, mode: 'compatible' })).toBe('held open: it was open before, and sippy’s thresholds for open regressions are looser');
    expect(heldOpenNote(ratchetTest('etcdMembersDown'))).toBeUndefined();
  });

  it('explains ratchet mode with the snapshot’s own scan windows and basis; version 1 keeps its explanation', () => {
    expect(modeExplanation(v2, 'ratchet')).toContain('over the last 6 hours, 12 hours, 24 hours, 3 days and 7 days, against a 7-day basis window');
    expect(modeExplanation(v2, 'ratchet')).toContain('design effects');
    expect(modeExplanation(latest, 'ratchet')).toContain('the 7-day and the recent 3-day window');
    expect(modeExplanation(v2, 'compatible')).toBe(modeExplanation(latest, 'compatible'));
  });

  it('carries the onset, the frozen line and the window into the Markdown for a bug', () => {
    const md = bugMarkdown(ratchetTest('etcdMembersDown'), v2, 'https://example.github.io/r/#r-1');
    expect(md).toContain('- Sample (last 24 hours, 2026-11-28 06:00 UTC to 2026-11-29 06:00 UTC):');
    expect(md).toContain(
      '- First bad run: [periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-ovn-upgrade #1914677039104000001](https://prow.ci.openshift.org/view/gs/test-platform-results/logs/periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-ovn-upgrade/1914677039104000001), started 2026-11-29 00:40 UTC',
    );
    expect(md).toContain('- First bad payload: 4.22.0-0.nightly-2026-11-28-000415\n');
    expect(md).toContain('- Last good payload: 4.22.0-0.nightly-2026-11-27-190415 (the change to revert lies between the two)\n');
    expect(md).toContain('- Judged against the basis frozen on 2026-11-29: 19 of 19 runs working');
    const pr = bugMarkdown(ratchetTest('NoExecuteTaintManager'), v2, 'x');
    expect(pr).toContain('- First bad payload: none named (the run carries no payload tag)');
    expect(pr).toContain('- Last good payload: none seen\n');
    expect(pr).toContain('- Design effect 1.25 in the window');
    const disruption = bugMarkdown(v2.regressions!.disruption[0]!, v2, 'x');
    expect(disruption).toContain('- Window the verdict rests on (last 3 days, 2026-11-26 06:00 UTC to 2026-11-29 06:00 UTC): P50 5\u00a0s');
    // A hostile payload tag stays text.
    const hostile = { ...ratchetTest('etcdMembersDown'), onset: { ...ratchetTest('etcdMembersDown').onset!, payloadTag: '[x](javascript:alert(1))' } };
    expect(bugMarkdown(hostile, v2, 'x')).toContain('- First bad payload: \\[x\\]\\(javascript:alert\\(1\\)\\)');
    // Version 1 bug Markdown has no onset.
    expect(bugMarkdown(latest.regressions!.tests[0]!, latest, 'x')).not.toContain('First bad');
  });
});

describe('version 2: payloads page', () => {
  it('lists every payload newest first, blocking and informing jobs apart from the others, with the regressions that started there', () => {
    const views = payloadViews(v2)!;
    expect(views.map((v) => v.payload.tag)).toEqual(v2.payloads!.map((p) => p.tag));
    expect(views.slice(0, 3).map((v) => v.payload.tag)).toEqual([
      '4.22.0-0.nightly-2026-11-28-000415',
      '4.22.0-0.nightly-2026-11-27-190415',
      '4.22.0-0.nightly-2026-11-27-130415',
    ]);
    const first = views[0]!;
    expect(first.anchor).toBe('payload-4.22.0-0.nightly-2026-11-28-000415');
    expect(first.release.map((j) => `${j.kind} ${j.job}`)).toEqual([
      'blocking periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-ovn',
      'informing periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-ovn-upgrade',
    ]);
    expect(first.other).toEqual([]);
    expect(first.started.map((r) => `${r.kind} ${r.status} ${r.id}`)).toEqual(['test new dfc830422066']);
    expect(views.slice(1).every((v) => v.started.length === 0)).toBe(true);
    // A job the config did not name is "other"; an id the snapshot does not list is kept apart, not dropped silently.
    const other = {
      ...first.payload,
      jobs: [...first.payload.jobs, { ...first.payload.jobs[0]!, job: 'some-other-job', kind: 'other' as const }],
      regressionsStarted: ['dfc830422066', 'gone'],
    };
    const [view] = payloadViews({ ...v2, payloads: [other] })!;
    expect(view!.other.map((j) => j.job)).toEqual(['some-other-job']);
    expect(view!.unknownStarted).toEqual(['gone']);
    // Compatible-mode ids are not onsets.
    const compatibleId = v2.regressions!.tests.find((r) => r.mode === 'compatible')!.id;
    expect(payloadViews({ ...v2, payloads: [{ ...other, regressionsStarted: [compatibleId] }] })![0]!.unknownStarted).toEqual([compatibleId]);
  });

  it('says nothing was recorded for version 1, and an empty list when no run named a payload', () => {
    expect(payloadViews(latest)).toBeUndefined();
    expect(payloadViews({ ...v2, payloads: [] })).toEqual([]);
  });

  it('counts payloads with a failed blocking job and with onsets, and knows when no job was named blocking or informing', () => {
    const views = payloadViews(v2)!;
    expect(payloadTotals(views)).toEqual({ payloads: 37, blockingFailed: 1, withOnsets: 1, kindsKnown: true });
    const untyped = payloadViews({ ...v2, payloads: v2.payloads!.map((p) => ({ ...p, jobs: p.jobs.map((j) => ({ ...j, kind: 'other' as const })) })) })!;
    expect(payloadTotals(untyped).kindsKnown).toBe(false);
  });

  it('makes an anchor of any tag: readable when it can be, distinct when it must be changed', () => {
    expect(payloadAnchor('4.22.0-0.nightly-2026-11-28-000415')).toBe('payload-4.22.0-0.nightly-2026-11-28-000415');
    const a = payloadAnchor('"><img src=x>');
    const b = payloadAnchor('"><img src=y>');
    expect(a).toMatch(/^payload--img-src-x--[0-9a-z]+$/);
    expect(a).not.toBe(b);
    expect(payloadAnchor('a b')).not.toBe(payloadAnchor('a-b'));
    expect(payloadHref('2026-11-29T0600Z', '4.22.0-0.nightly-2026-11-28-000415')).toBe(
      '/snapshots/2026-11-29T0600Z/payloads/#payload-4.22.0-0.nightly-2026-11-28-000415',
    );
  });

  it('marks each run result with an icon, a letter and a word, and words aggregated verdicts', () => {
    expect(RUN_MARKS.map((m) => `${m.icon} ${m.letter} ${m.word}`)).toEqual(['✓ S success', '✗ F failure', '✗ E error', '– A aborted', '… P pending']);
    expect(new Set(RUN_MARKS.map((m) => m.letter)).size).toBe(RUN_MARKS.length);
    expect(runMark('error')).toMatchObject({ letter: 'E', tone: 'bad' });
    const [blocking, informing] = v2.payloads![0]!.jobs;
    expect(aggregatedVerdict(blocking!.aggregated)).toEqual({
      badge: { text: 'Failed', icon: '✗', tone: 'bad' },
      detail: "4 runs; 2 tests failed the aggregator's check, 1 test the Fisher test",
    });
    expect(aggregatedVerdict(informing!.aggregated)).toEqual({ badge: { text: 'Passed', icon: '✓', tone: 'ok' }, detail: '3 runs; no test failed' });
    expect(aggregatedVerdict(null)).toBeUndefined();
  });
});

describe('version 2: runs kept out of test verdicts, disruption sets and windows', () => {
  it('lists excluded runs newest first with their counts by class; version 1 did not record them', () => {
    const excluded = excludedRuns(v2)!;
    expect(excluded.runs.map((r) => `${r.class} ${r.job}`)).toEqual([
      'mass-failure pull-ci-openshift-origin-main-e2e-aws-ovn',
      'infrastructure periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-ovn',
    ]);
    expect(excluded).toMatchObject({ massFailure: 1, infrastructure: 1 });
    expect(excludedRunsText(excluded)).toBe('1 mass failure and 1 infrastructure failure');
    expect(excludedRunsText({ massFailure: 3, infrastructure: 0 })).toBe('3 mass failures');
    expect(excludedRunsText({ massFailure: 0, infrastructure: 2 })).toBe('2 infrastructure failures');
    expect(excludedRunsText({ massFailure: 0, infrastructure: 0 })).toBe('none');
    expect(excludedRunsText({ massFailure: 0, infrastructure: 0, badDay: 1 })).toBe('1 run of bad days');
    expect(excludedRunsText({ massFailure: 2, infrastructure: 1, badDay: 12 })).toBe('2 mass failures, 1 infrastructure failure and 12 runs of bad days');
    expect(excludedClass('bad-day').text).toBe('Bad day');
    expect(excludedRuns(latest)).toBeUndefined();
    expect(excludedRuns({ ...v2, dataQuality: { ...v2.dataQuality, excludedRuns: [] } })).toEqual({ runs: [], massFailure: 0, infrastructure: 0, badDay: 0 });
    expect(v2.jobs.find((j) => j.name === PR)!.excludedRuns).toEqual({ massFailure: 1, infrastructure: 0 });
    expect(excludedClass('mass-failure')).toEqual({ text: 'Mass failure', icon: '‼', tone: 'warn' });
    expect(excludedClass('infrastructure').text).toBe('Infrastructure');
  });

  it('says which runs the aggregator judged in a cell, and over which window the ratchet test ran', () => {
    const [kubeApi, , hostile, excluded] = v2.disruption!;
    expect(cellSetText(kubeApi!)).toBe('The aggregator’s checks judged the 3 runs of payload 4.22.0-0.nightly-2026-11-28-000415.');
    expect(cellSetText({ ...kubeApi!, set: { payloadTag: null, runs: 10 } })).toBe(
      'The aggregator’s checks judged the newest 10 runs (the runs name no payload).',
    );
    expect(cellSetText(hostile!)).toBe('The aggregator’s checks had no set to judge: too few runs on any one payload, or without a payload tag.');
    // Never judged (excluded, or no basis), or version 1 (the whole window): nothing to say.
    expect(cellSetText(excluded!)).toBeUndefined();
    expect(cellSetText({ ...hostile!, basisKind: 'none' })).toBeUndefined();
    expect(cellSetText(latest.disruption![0]!)).toBeUndefined();
    expect(cellTestWindow(kubeApi!)).toBe('last 3 days');
    expect(cellTestWindow(excluded!)).toBeUndefined();
    expect(cellTestWindow(latest.disruption![0]!)).toBeUndefined();
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
