/**
 * Components and owners, the readiness grid, known issues and the run grid, through analyze() on
 * run records made here: which component each test gets and why, what each grid cell says, which
 * regressions a known issue tracks, and what TestGrid's grid of a job shows; then what the site
 * selects from that snapshot for its grid, component, cluster and regression pages and feeds.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.ts';
import { ComponentMapper, testTags } from '../src/analysis/component-map.ts';
import { KnownIssues } from '../src/analysis/known-issues.ts';
import { readinessGrid } from '../src/analysis/readiness-grid.ts';
import { configSchema } from '../src/config/config-schema.ts';
import type { TestResult } from '../src/ingest/run-record.ts';
import type { TestRegression } from '../src/snapshot/schema.ts';
import { componentFeed } from '../src/site/lib/feed.ts';
import {
  cellAnchor,
  clustersOfRegression,
  componentCells,
  componentOfTest,
  outcomeCell,
  readinessRows,
  trackedBy,
  untrackedNew,
  verdictBadge,
} from '../src/site/lib/ownership.ts';
import { activeRegressions, bugMarkdown } from '../src/site/lib/regressions.ts';
import { summarise } from '../src/site/lib/summary.ts';
import { AS_OF_MS, DAY, HOUR, JOB } from './support/constants.ts';
import { analysisInput, runRecord } from './support/run-records.ts';

const UDN =
  '[sig-network][OCPFeatureGate:NetworkSegmentation][Feature:UserDefinedPrimaryNetworks] pods reach the gateway [Suite:openshift/conformance/parallel]';
const JIRA = '[Jira:"Networking / router"] [sig-network-edge] routes answer [Suite:openshift/conformance/parallel]';
const SIG = '[sig-storage] CSI volumes mount [Suite:openshift/conformance/parallel]';
const PLAIN = 'a test with no tags at all';

describe('component rules', () => {
  const config = configSchema.parse({
    components: {
      rules: [
        { component: 'Networking / ovn-kubernetes', sig: '^network$', feature: 'UserDefinedPrimaryNetworks' },
        { component: 'Test Framework', suite: '^step graph$' },
      ],
    },
  }).components;
  const mapper = new ComponentMapper(config);

  it("reads OpenShift's tags from a test name", () => {
    expect(testTags(`${UDN} [Jira:"Networking"]`)).toEqual({
      sig: ['network'],
      jira: ['Networking'],
      feature: ['UserDefinedPrimaryNetworks'],
      suiteTag: ['openshift/conformance/parallel'],
    });
  });

  it('maps by the first matching rule, then the Jira tag, then the sig tag, else unknown', () => {
    expect(mapper.map('openshift-tests', UDN)).toEqual({ component: 'Networking / ovn-kubernetes', via: 'rule' });
    expect(mapper.map('step graph', PLAIN)).toEqual({ component: 'Test Framework', via: 'rule' });
    expect(mapper.map('openshift-tests', JIRA)).toEqual({ component: 'Networking / router', via: 'jira' });
    expect(mapper.map('openshift-tests', SIG)).toEqual({ component: 'sig-storage', via: 'sig' });
    expect(mapper.map('openshift-tests', PLAIN)).toEqual({ component: 'unknown', via: 'unknown' });
  });

  it('needs every matcher of a rule to match', () => {
    // The sig matches, the feature does not: the rule does not apply, the sig tag names the component.
    expect(mapper.map('openshift-tests', '[sig-network] services work').component).toBe('sig-network');
  });

  it('refuses a rule without matchers and a known issue without regexes', () => {
    expect(configSchema.safeParse({ components: { rules: [{ component: 'x' }] } }).success).toBe(false);
    expect(configSchema.safeParse({ knownIssues: [{ bug: 'https://bugs.example/1' }] }).success).toBe(false);
    expect(configSchema.safeParse({ knownIssues: [{ test: '(', bug: 'https://bugs.example/1' }] }).success).toBe(false);
  });
});

/** 20 basis runs where every test passes, then 10 current runs where UDN fails in 8. */
function runs(job = JOB) {
  const out = [];
  for (let i = 0; i < 30; i++) {
    const current = i >= 20;
    const started = current ? AS_OF_MS - 6 * DAY + (i - 20) * 12 * HOUR : AS_OF_MS - 30 * DAY + i * DAY;
    const udnFails = current && i < 28;
    const tests: TestResult[] = [
      {
        suite: 'openshift-tests',
        name: UDN,
        status: udnFails ? 'fail' : 'pass',
        durationSec: 1,
        ...(udnFails ? { message: `pod client-${i}x could not reach 10.0.0.${i}:8080 over the primary UDN` } : {}),
      },
      { suite: 'openshift-tests', name: SIG, status: i === 25 ? 'flake' : 'pass', durationSec: 1, ...(i === 25 ? { message: 'mount timed out' } : {}) },
      { suite: 'openshift-tests', name: PLAIN, status: i === 29 ? 'skip' : 'pass', durationSec: 1 },
    ];
    out.push(runRecord(job, String(1000 + i), started, { tests, result: udnFails ? 'failure' : 'success' }));
  }
  return out;
}

describe('the readiness grid', () => {
  const config = configSchema.parse({}).components;
  const regression = (status: 'new' | 'open' | 'resolved', id: string) =>
    ({ id, mode: 'ratchet', status, groupBy: 'variant', group: 'aws', suite: 'openshift-tests', name: SIG }) as TestRegression;
  const grid = (regressions: TestRegression[]) =>
    readinessGrid({
      config,
      mapper: new ComponentMapper(config),
      cells: [
        { suite: 'openshift-tests', name: SIG, variantKey: 'aws', failures: 2 },
        { suite: 'openshift-tests', name: SIG, variantKey: 'gcp', failures: 0 },
      ],
      regressions,
      mode: 'ratchet',
      variantKeyOfJob: new Map(),
    });

  it('gives a cell its worst verdict: regressed (new) over open over ok, and a resolved one counts for nothing', () => {
    const verdicts = (regressions: TestRegression[]) => grid(regressions).cells.map((c) => `${c.variantKey}: ${c.verdict} ${c.regressions.join()}`);
    expect(verdicts([])).toEqual(['aws: ok ', 'gcp: ok ']);
    expect(verdicts([regression('resolved', 'r0')])).toEqual(['aws: ok ', 'gcp: ok ']);
    expect(verdicts([regression('open', 'r1')])).toEqual(['aws: open r1', 'gcp: ok ']);
    expect(verdicts([regression('open', 'r1'), regression('new', 'r2')])).toEqual(['aws: regressed r1,r2', 'gcp: ok ']);
    // The component takes the worst of its cells.
    expect(grid([regression('open', 'r1')]).list.map((c) => [c.name, c.verdict, c.regressions])).toEqual([['sig-storage', 'open', 1]]);
  });
});

describe('the analysis', async () => {
  const snapshot = await analyze(
    analysisInput(runs(), {
      config: {
        components: {
          rules: [{ component: 'Networking / ovn-kubernetes', feature: 'UserDefinedPrimaryNetworks' }],
          info: { 'Networking / ovn-kubernetes': { owner: 'sdn', bugProject: 'https://bugs.example/SDN', labels: ['area/sdn'], alerts: { github: true } } },
        },
        knownIssues: [
          { test: 'no such test', bug: 'https://bugs.example/0' },
          { test: 'UserDefinedPrimaryNetworks', text: 'over the primary UDN', bug: 'https://bugs.example/1', note: 'tracked' },
        ],
      },
    }),
  );

  it('gives each listed test its component', () => {
    expect(snapshot.tests.find((t) => t.name === UDN)?.component).toBe('Networking / ovn-kubernetes');
    expect(snapshot.tests.find((t) => t.name === SIG)?.component).toBe('sig-storage');
  });

  it('lists components with owners and counts, unknown last', () => {
    const list = snapshot.components!.list;
    expect(list.map((c) => c.name)).toEqual(['Networking / ovn-kubernetes', 'sig-storage', 'unknown']);
    expect(list[0]).toMatchObject({
      slug: 'networking-ovn-kubernetes',
      owner: 'sdn',
      bugProject: 'https://bugs.example/SDN',
      labels: ['area/sdn'],
      tests: 1,
      failingTests: 1,
      verdict: 'regressed',
    });
    expect(list[0]!.alerts).toEqual({ feed: false, github: true, slack: false });
    expect(list[2]).toMatchObject({ name: 'unknown', tests: 1, verdict: 'ok', via: ['unknown'] });
  });

  it('marks the cell of a new regression regressed, with its regressions, and others ok', () => {
    const { cells, variantKeys } = snapshot.components!;
    expect(variantKeys).toHaveLength(1);
    const udn = cells.find((c) => c.component === 'Networking / ovn-kubernetes')!;
    const ratchet = snapshot.regressions!.tests.filter((r) => r.mode === 'ratchet' && r.name === UDN);
    expect(ratchet.length).toBeGreaterThan(0);
    expect(udn.verdict).toBe('regressed');
    expect(udn.regressions).toEqual(
      ratchet
        .filter((r) => r.groupBy === 'variant' || r.group === JOB)
        .map((r) => r.id)
        .sort(),
    );
    expect(cells.find((c) => c.component === 'sig-storage')).toMatchObject({ verdict: 'ok', tests: 1, failingTests: 0, regressions: [] });
  });

  it('tracks the regression a known issue matches in full, with the first matching entry', () => {
    const udnIds = new Set(snapshot.regressions!.tests.filter((r) => r.name === UDN).map((r) => r.id));
    expect(snapshot.knownIssues!.length).toBe(udnIds.size);
    for (const k of snapshot.knownIssues!) {
      expect(udnIds.has(k.regressionId)).toBe(true);
      expect(k).toMatchObject({ issue: 1, bug: 'https://bugs.example/1', note: 'tracked' });
    }
  });

  it("tracks nothing when one of an entry's regexes does not match: every one given must", () => {
    const regressions = { tests: snapshot.regressions!.tests, jobs: [], disruption: [] };
    const udn = snapshot.regressions!.tests.filter((r) => r.name === UDN);
    const udnJob = udn[0]!.jobs[0]!;
    const tracked = (entry: Record<string, string>) =>
      new KnownIssues([{ bug: 'https://bugs.example/2', ...entry }]).regressions(regressions, snapshot.tests, []).map((k) => k.regressionId);
    const ids = udn.map((r) => r.id).sort();
    expect(tracked({ test: 'UserDefinedPrimaryNetworks' }).sort()).toEqual(ids);
    expect(tracked({ test: 'UserDefinedPrimaryNetworks', text: 'over the primary UDN' }).sort()).toEqual(ids);
    // The test matches, the text does not; the text matches, the job does not.
    expect(tracked({ test: 'UserDefinedPrimaryNetworks', text: 'no such failure' })).toEqual([]);
    expect(tracked({ text: 'over the primary UDN', job: 'no-such-job' })).toEqual([]);
    expect(tracked({ text: 'over the primary UDN', job: `^${udnJob.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$` })).toEqual(
      udn.filter((r) => r.jobs.includes(udnJob)).map((r) => r.id),
    );
  });

  it('clusters the failures and links each failure group to its cluster', () => {
    const udn = snapshot.tests.find((t) => t.name === UDN)!;
    const cluster = snapshot.failureClusters!.find((c) => c.id === udn.failureGroups[0]!.cluster)!;
    // Eight texts with different pods and addresses, one cluster.
    expect(cluster.failures).toBe(8);
    expect(cluster.tests).toEqual([{ testId: udn.id, suite: 'openshift-tests', name: UDN, failures: 8 }]);
    expect(cluster.jobs).toEqual([{ job: JOB, failures: 8 }]);
    expect(cluster.byDay.reduce((n, d) => n + d.failures, 0)).toBe(8);
    expect(cluster.knownIssue).toMatchObject({ issue: 1, bug: 'https://bugs.example/1' });
    expect(Date.parse(cluster.firstSeen)).toBe(AS_OF_MS - 6 * DAY);
  });

  it("draws the job's run grid: newest runs first, failing and flaky tests as rows", () => {
    const grid = snapshot.runGrids!.find((g) => g.job === JOB)!;
    // The 14 runs of the current and previous windows (the older basis runs are not shown).
    expect(grid.runs.map((r) => r.buildId)).toEqual(Array.from({ length: 14 }, (_, i) => String(1029 - i)));
    expect(grid.tests.map((t) => [t.name, t.failures, t.flakes, t.outcomes])).toEqual([
      [UDN, 8, 0, `pp${'f'.repeat(8)}pppp`],
      [SIG, 0, 1, `ppppk${'p'.repeat(9)}`],
    ]);
    expect(grid.testsWithFailures).toBe(2);
  });

  describe('what the site selects', () => {
    it('lays the grid out as rows of components and a cell (or no data) per variant group', () => {
      const { columns, rows } = readinessRows(snapshot);
      expect(columns).toEqual(snapshot.components!.variantKeys);
      expect(rows.map((r) => r.component.name)).toEqual(['Networking / ovn-kubernetes', 'sig-storage', 'unknown']);
      expect(rows.every((r) => r.cells.length === columns.length)).toBe(true);
      expect(rows[0]!.cells[0]!.verdict).toBe('regressed');
      expect(verdictBadge('regressed')).toEqual({ text: 'Regressed', icon: '▲', tone: 'bad' });
      expect(verdictBadge('no-data').text).toBe('No data');
      expect(cellAnchor('aws ovn amd64 ha ipi 4.22')).toBe('cell-aws-ovn-amd64-ha-ipi-4-22');
    });

    it("gives a component's cells their regressions, and a test its component", () => {
      const component = snapshot.components!.list[0]!;
      const [{ cell, regressions }] = componentCells(snapshot, component) as [ReturnType<typeof componentCells>[number]];
      expect(regressions.map((r) => r.id).sort()).toEqual([...cell.regressions].sort());
      const udn = snapshot.tests.find((t) => t.name === UDN)!;
      expect(componentOfTest(snapshot, udn.id)?.slug).toBe('networking-ovn-kubernetes');
    });

    it('links a test regression to the clusters of its failed runs, and says who tracks it', () => {
      const r = snapshot.regressions!.tests.find((x) => x.name === UDN && x.mode === 'ratchet')!;
      const clusters = clustersOfRegression(snapshot, r);
      expect(clusters).toHaveLength(1);
      expect(clusters[0]!.tests[0]!.name).toBe(UDN);
      expect(trackedBy(snapshot, r.id)?.bug).toBe('https://bugs.example/1');
      expect(bugMarkdown(r, snapshot, 'https://ci.example/r', trackedBy(snapshot, r.id))).toContain(
        '- Tracked by: [https://bugs.example/1](https://bugs.example/1) (tracked)',
      );
      // Every new regression here is tracked, so home has nothing to lead with.
      expect(untrackedNew(snapshot, activeRegressions(snapshot)).filter((x) => x.kind === 'test')).toEqual([]);
    });

    it('spells every run-grid outcome in words besides its icon', () => {
      expect(['p', 'f', 'k', 's', '-'].map((c) => [outcomeCell(c).icon, outcomeCell(c).text])).toEqual([
        ['✓', 'passed'],
        ['F', 'failed'],
        ['K', 'flaked'],
        ['S', 'skipped'],
        ['·', 'not run'],
      ]);
    });

    it('feeds a component only its own regressions', () => {
      const summaries = [summarise(snapshot, undefined)];
      const mine = componentFeed(summaries, { name: 'Networking / ovn-kubernetes', slug: 'networking-ovn-kubernetes' }, 'https://ci.example/');
      const other = componentFeed(summaries, { name: 'sig-storage', slug: 'sig-storage' }, 'https://ci.example/');
      const udnNew = snapshot.regressions!.tests.filter((r) => r.name === UDN && r.mode === snapshot.regressions!.settings.defaultMode && r.status === 'new');
      expect(udnNew.length).toBeGreaterThan(0);
      expect(mine.match(/<entry>/g)?.length).toBe(udnNew.length);
      expect(mine).toContain('<link rel="self" type="application/atom+xml" href="https://ci.example/components/networking-ovn-kubernetes/feed.xml"/>');
      expect(other).not.toContain('<entry>');
    });
  });
});
