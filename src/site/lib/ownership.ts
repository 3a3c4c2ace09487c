/**
 * What the ownership pages select from a snapshot: the readiness grid (components × variant groups),
 * a component's cells and regressions, failure clusters (which get a page, which belong to a test or
 * a regression), the known issue that tracks a regression, and the run grid's cells. Nothing here
 * decides a verdict: the analysis did (readiness-grid.ts, cluster-summary.ts, known-issues.ts).
 */
import type { Components, FailureCluster, RunGrid, Snapshot, TestRegression, TrackedRegression } from '../../snapshot/schema.ts';
import type { Badge } from './format.ts';
import { type AnyRegression, byConcern } from './regressions.ts';

type Component = Components['list'][number];
type Cell = Components['cells'][number];
export type Verdict = Cell['verdict'];

/** Colour, icon and word of a verdict: the grid reads the same in greyscale and to a screen reader. */
export function verdictBadge(verdict: Verdict): Badge {
  switch (verdict) {
    case 'regressed':
      return { text: 'Regressed', icon: '▲', tone: 'bad' };
    case 'open':
      return { text: 'Open', icon: '!', tone: 'warn' };
    case 'ok':
      return { text: 'OK', icon: '✓', tone: 'ok' };
    case 'no-data':
      return { text: 'No data', icon: '–', tone: 'muted' };
  }
}

export interface GridRow {
  component: Component;
  /** One entry per column (variantKeys order): the cell, or undefined for no data. */
  cells: Array<Cell | undefined>;
}

/** The grid: one row per component (the snapshot's order, "unknown" last), a cell per variant key. */
export function readinessRows(snapshot: Snapshot): { columns: string[]; rows: GridRow[] } {
  const components = snapshot.components;
  if (!components) return { columns: [], rows: [] };
  const byKey = new Map(components.cells.map((c) => [`${c.component}\u0000${c.variantKey}`, c]));
  return {
    columns: components.variantKeys,
    rows: components.list.map((component) => ({ component, cells: components.variantKeys.map((k) => byKey.get(`${component.name}\u0000${k}`)) })),
  };
}

/** The fragment of a cell on its component's page. */
export function cellAnchor(variantKey: string): string {
  return `cell-${variantKey.replace(/[^A-Za-z0-9_-]+/g, '-')}`;
}

export function componentOfTest(snapshot: Snapshot, testId: string): Component | undefined {
  const name = snapshot.tests.find((t) => t.id === testId)?.component;
  return name === undefined ? undefined : snapshot.components?.list.find((c) => c.name === name);
}

/** A component's cells with data, each with its regressions (most concerning first). */
export function componentCells(snapshot: Snapshot, component: Component): Array<{ cell: Cell; regressions: TestRegression[] }> {
  const byId = new Map((snapshot.regressions?.tests ?? []).map((r) => [r.id, r]));
  return (snapshot.components?.cells ?? [])
    .filter((c) => c.component === component.name)
    .map((cell) => ({ cell, regressions: byConcern(cell.regressions.flatMap((id) => byId.get(id) ?? [])) }));
}

/** Tests of a component that failed or flaked, most failures first. */
export function componentTests(snapshot: Snapshot, component: Component, limit = 50) {
  return snapshot.tests
    .filter((t) => t.component === component.name && t.current.failures + t.current.flakes > 0)
    .sort((a, b) => b.current.failures - a.current.failures || b.current.flakes - a.current.flakes || a.name.localeCompare(b.name))
    .slice(0, limit);
}

/** At most this many cluster pages per snapshot besides the clusters of regressed tests. */
const CLUSTER_PAGES = 100;

const clusterPageCache = new WeakMap<Snapshot, FailureCluster[]>();

/** Clusters that get a page: every cluster of a regressed test, then the largest, up to the budget. */
export function clustersWithPages(snapshot: Snapshot): FailureCluster[] {
  const cached = clusterPageCache.get(snapshot);
  if (cached) return cached;
  const regressed = new Set((snapshot.regressions?.tests ?? []).map((r) => r.testId));
  const all = snapshot.failureClusters ?? [];
  const chosen = all.filter((c, rank) => rank < CLUSTER_PAGES || c.tests.some((t) => regressed.has(t.testId)));
  clusterPageCache.set(snapshot, chosen);
  return chosen;
}

/** Cluster ids that have a page, for linking only where one exists. */
export function pagedClusterIds(snapshot: Snapshot): ReadonlySet<string> {
  return new Set(clustersWithPages(snapshot).map((c) => c.id));
}

/** A test's clusters with a page, in the order of its failure groups. */
export function clustersOfTest(snapshot: Snapshot, testId: string): FailureCluster[] {
  const paged = new Map(clustersWithPages(snapshot).map((c) => [c.id, c]));
  const groups = snapshot.tests.find((t) => t.id === testId)?.failureGroups ?? [];
  return [...new Set(groups.flatMap((g) => (g.cluster ? [g.cluster] : [])))].flatMap((id) => paged.get(id) ?? []);
}

/**
 * The clusters of a regression's failures: for a test regression, its test's clusters whose runs
 * include one of the regression's failed runs, else all of the test's clusters. Job and disruption
 * regressions have none.
 */
export function clustersOfRegression(snapshot: Snapshot, r: AnyRegression): FailureCluster[] {
  if (r.kind !== 'test') return [];
  const clusters = clustersOfTest(snapshot, r.testId);
  const failed = new Set(r.failedRuns.map((run) => `${run.job}\u0000${run.buildId}`));
  const own = clusters.filter((c) => c.runs.some((run) => failed.has(`${run.job}\u0000${run.buildId}`)));
  return own.length > 0 ? own : clusters;
}

/** The known issue that tracks a regression, if any. */
export function trackedBy(snapshot: Snapshot, regressionId: string): TrackedRegression | undefined {
  return snapshot.knownIssues?.find((k) => k.regressionId === regressionId);
}

/** What the home page leads with: new regressions no known issue tracks yet, most concerning first. */
export function untrackedNew(snapshot: Snapshot, active: readonly AnyRegression[]): AnyRegression[] {
  const tracked = new Set((snapshot.knownIssues ?? []).map((k) => k.regressionId));
  return active.filter((r) => r.status === 'new' && !tracked.has(r.id));
}

/** One cell of a run grid: the outcome's word, a letter or icon, and its tone (never colour alone). */
export function outcomeCell(code: string): { text: string; icon: string; tone: Badge['tone'] | 'none' } {
  switch (code) {
    case 'p':
      return { text: 'passed', icon: '✓', tone: 'ok' };
    case 'f':
      return { text: 'failed', icon: 'F', tone: 'bad' };
    case 'k':
      return { text: 'flaked', icon: 'K', tone: 'warn' };
    case 's':
      return { text: 'skipped', icon: 'S', tone: 'muted' };
    default:
      return { text: 'not run', icon: '·', tone: 'none' };
  }
}

export function runGridOf(snapshot: Snapshot, job: string): RunGrid | undefined {
  return snapshot.runGrids?.find((g) => g.job === job);
}

/** The busiest day of a cluster, for scaling its bars. */
export function busiestDay(cluster: FailureCluster): number {
  return cluster.byDay.reduce((max, d) => Math.max(max, d.failures), 0);
}
