/**
 * The snapshot's failure clusters: every test's failures grouped by normalised text (test-summary.ts),
 * clustered across tests and jobs (failure-clusters.ts), then summed per cluster: the tests and jobs
 * it spans, its failures by day, when it was first seen, its newest runs and one original message.
 *
 * A cluster's id is a hash of its key text, so the same failure keeps its id while its most frequent
 * text does. firstSeen carries over from the previous snapshot when that snapshot's cluster of the
 * same key text (or of any text this cluster now holds) was seen earlier.
 */
import { createHash } from 'node:crypto';
import { compareBuildIds } from '../ingest/run-record.ts';
import type { Snapshot } from '../snapshot/schema.ts';
import { clusterTexts } from './failure-clusters.ts';
import type { FailedRun, TextGroup } from './test-summary.ts';

type FailureCluster = NonNullable<Snapshot['failureClusters']>[number];

/** Clusters listed in a snapshot at most (the largest, plus every cluster of a regressed test). */
const MAX_CLUSTERS = 500;
const MAX_TESTS = 100;
const MAX_JOBS = 100;
const MAX_RUNS = 20;

export interface ClusterSource {
  test: number;
  text: string;
  group: TextGroup;
}

export interface ClusterResult {
  clusters: FailureCluster[];
  /** Cluster id of each test's normalised text, for the clusters listed: `${test}\0${text}` → id. */
  clusterOf: Map<string, string>;
}

function clusterId(keyText: string): string {
  return createHash('sha256').update(keyText).digest('hex').slice(0, 16);
}

export const groupKey = (test: number, text: string): string => `${test}\u0000${text}`;

export function summariseClusters(input: {
  groups: readonly ClusterSource[];
  dates: readonly string[];
  test: (index: number) => { id: string; suite: string; name: string };
  /** Tests that regressed: their clusters are always listed, however small. */
  regressedTests: ReadonlySet<string>;
  previous: Snapshot | null;
}): ClusterResult {
  const { groups, dates } = input;
  // One entry per distinct text across tests; the text's heaviest test is its hint.
  const byText = new Map<string, { weight: number; hint: number; members: ClusterSource[] }>();
  for (const g of groups) {
    const entry = byText.get(g.text);
    if (!entry) byText.set(g.text, { weight: g.group.count, hint: g.test, members: [g] });
    else {
      entry.weight += g.group.count;
      entry.members.push(g);
    }
  }
  const texts = [...byText].map(([text, e]) => ({ text, weight: e.weight, hint: e.hint }));
  const { clusterOf, keys } = clusterTexts(texts);

  const members: ClusterSource[][] = keys.map(() => []);
  const textsOf: string[][] = keys.map(() => []);
  texts.forEach((t, i) => {
    const c = clusterOf[i]!;
    members[c]!.push(...byText.get(t.text)!.members);
    textsOf[c]!.push(t.text);
  });

  const earlier = carriedFirstSeen(input.previous, texts, clusterOf);
  const all = keys.map((keyIndex, c) => {
    const key = texts[keyIndex]!.text;
    const list = members[c]!;
    const count = list.reduce((n, m) => n + m.group.count, 0);
    const testIds = new Set(list.map((m) => input.test(m.test).id));
    return { c, key, list, count, tests: testIds.size, regressed: [...testIds].some((id) => input.regressedTests.has(id)) };
  });
  all.sort((a, b) => b.count - a.count || b.tests - a.tests || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const listed = all.filter((x, rank) => rank < MAX_CLUSTERS || x.regressed);

  const clusters: FailureCluster[] = [];
  const clusterIdOf = new Map<string, string>();
  for (const x of listed) {
    const id = clusterId(x.key);
    for (const m of x.list) clusterIdOf.set(groupKey(m.test, m.text), id);
    clusters.push(summarise(id, x.key, x.list, textsOf[x.c]!.length, dates, input.test, earlier.get(x.c)));
  }
  return { clusters, clusterOf: clusterIdOf };
}

/** Per cluster index: the earliest firstSeen of a previous snapshot's cluster whose key text it now holds. */
function carriedFirstSeen(previous: Snapshot | null, texts: ReadonlyArray<{ text: string }>, clusterOf: Int32Array): Map<number, string> {
  const out = new Map<number, string>();
  const before = previous?.failureClusters;
  if (!before || before.length === 0) return out;
  const indexOf = new Map(texts.map((t, i) => [t.text, i]));
  for (const old of before) {
    const i = indexOf.get(old.text);
    if (i === undefined) continue;
    const c = clusterOf[i]!;
    const seen = out.get(c);
    if (seen === undefined || old.firstSeen < seen) out.set(c, old.firstSeen);
  }
  return out;
}

function summarise(
  id: string,
  key: string,
  list: ClusterSource[],
  distinctTexts: number,
  dates: readonly string[],
  test: (index: number) => { id: string; suite: string; name: string },
  carried: string | undefined,
): FailureCluster {
  const byTest = new Map<number, number>();
  const byJob = new Map<string, number>();
  const byDay = new Int32Array(dates.length);
  let first = Infinity;
  let last = -Infinity;
  let example: { text: string; run: FailedRun } | undefined;
  const runs: FailedRun[] = [];
  for (const { test: t, group } of list) {
    byTest.set(t, (byTest.get(t) ?? 0) + group.count);
    for (const [job, n] of group.jobs) byJob.set(job, (byJob.get(job) ?? 0) + n);
    if (group.days) for (let d = 0; d < byDay.length; d++) byDay[d]! += group.days[d]!;
    first = Math.min(first, group.first);
    last = Math.max(last, group.last);
    runs.push(...group.runs);
    if (!example || newest(group.exampleRun, example.run) < 0) example = { text: group.example, run: group.exampleRun };
  }
  const tests = [...byTest]
    .map(([t, count]) => ({ ...test(t), count }))
    .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || (a.suite < b.suite ? -1 : 1));
  const jobs = [...byJob].map(([job, count]) => ({ job, count })).sort((a, b) => b.count - a.count || (a.job < b.job ? -1 : 1));
  const seen = new Set<string>();
  // A run with both a failure and a flake of the cluster shows as failed, whatever order its tests came in.
  const newestRuns = runs
    .sort((a, b) => newest(a, b) || (a.job < b.job ? -1 : a.job > b.job ? 1 : 0) || (a.status === b.status ? 0 : a.status === 'fail' ? -1 : 1))
    .filter((r) => {
      const k = `${r.job}\u0000${r.buildId}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .slice(0, MAX_RUNS);
  const firstSeen = new Date(first).toISOString();
  return {
    id,
    text: key,
    example: example?.text ?? '',
    failures: tests.reduce((n, t) => n + t.count, 0),
    texts: distinctTexts,
    testCount: tests.length,
    tests: tests.slice(0, MAX_TESTS).map((t) => ({ testId: t.id, suite: t.suite, name: t.name, failures: t.count })),
    jobCount: jobs.length,
    jobs: jobs.slice(0, MAX_JOBS).map((j) => ({ job: j.job, failures: j.count })),
    byDay: dates.map((date, d) => ({ date, failures: byDay[d]! })),
    firstSeen: carried !== undefined && carried < firstSeen ? carried : firstSeen,
    lastSeen: new Date(last).toISOString(),
    runs: newestRuns.map((r) => ({ job: r.job, buildId: r.buildId, url: r.url, status: r.status })),
  };
}

function newest(a: FailedRun, b: FailedRun): number {
  return b.time - a.time || compareBuildIds(b.buildId, a.buildId);
}
