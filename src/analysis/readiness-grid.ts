/**
 * sippy's Component Readiness grid, from Ratchet's own verdicts: components × variant groups, each
 * cell the worst verdict of the component's tests in the group (a new regression, an open one, tests
 * that ran without one, or no data) with the number of tests and the ids of its regressions. Only the
 * default mode's test regressions count, as the report shows them first; the grid lists every
 * component, "unknown" included, with its owner, bug project and alert switches (component-map.ts).
 */
import type { ComponentsConfig } from '../config/config-schema.ts';
import type { RegressionMode, Snapshot, TestRegression } from '../snapshot/schema.ts';
import { type ComponentMapper, componentInfo, componentSlug, UNKNOWN_COMPONENT } from './component-map.ts';

type Components = NonNullable<Snapshot['components']>;
type Verdict = Components['cells'][number]['verdict'];

const WORSE: Record<Verdict, number> = { regressed: 3, open: 2, ok: 1, 'no-data': 0 };

export interface GridInput {
  config: Pick<ComponentsConfig, 'info'>;
  mapper: ComponentMapper;
  /** Each test × variant key that ran in the current window (TestAccumulator.forEachCurrentCell). */
  cells: Iterable<{ suite: string; name: string; variantKey: string; failures: number }>;
  regressions: readonly TestRegression[];
  mode: RegressionMode;
  /** Variant key of each job: test × job cells are placed in their job's variant group. */
  variantKeyOfJob: ReadonlyMap<string, string>;
}

export function readinessGrid(input: GridInput): Components {
  const cells = new Map<string, { component: string; variantKey: string; tests: Set<string>; failing: Set<string>; regressions: TestRegression[] }>();
  const perComponent = new Map<string, { tests: Set<string>; failing: Set<string>; via: Set<string> }>();
  const cellOf = (component: string, variantKey: string) => {
    const key = `${component}\u0000${variantKey}`;
    let cell = cells.get(key);
    if (!cell) cells.set(key, (cell = { component, variantKey, tests: new Set(), failing: new Set(), regressions: [] }));
    return cell;
  };
  const componentOf = (suite: string, name: string) => {
    const match = input.mapper.map(suite, name);
    let entry = perComponent.get(match.component);
    if (!entry) perComponent.set(match.component, (entry = { tests: new Set(), failing: new Set(), via: new Set() }));
    entry.via.add(match.via);
    return { component: match.component, entry };
  };
  for (const c of input.cells) {
    const test = `${c.suite}\u0000${c.name}`;
    const { component, entry } = componentOf(c.suite, c.name);
    entry.tests.add(test);
    const cell = cellOf(component, c.variantKey);
    cell.tests.add(test);
    if (c.failures > 0) {
      cell.failing.add(test);
      entry.failing.add(test);
    }
  }
  for (const r of input.regressions) {
    if (r.mode !== input.mode || r.status === 'resolved') continue;
    const variantKey = r.groupBy === 'job' ? input.variantKeyOfJob.get(r.group) : r.group;
    if (variantKey === undefined) continue;
    cellOf(componentOf(r.suite, r.name).component, variantKey).regressions.push(r);
  }

  const names = [...perComponent.keys()].sort((a, b) => (a === UNKNOWN_COMPONENT ? 1 : b === UNKNOWN_COMPONENT ? -1 : a < b ? -1 : a > b ? 1 : 0));
  const slugs = new Set<string>();
  const variantKeys = [...new Set([...cells.values()].map((c) => c.variantKey))].sort();
  const cellList = [...cells.values()]
    .sort((a, b) => cmp(a.component, b.component) || cmp(a.variantKey, b.variantKey))
    .map((c) => ({
      component: c.component,
      variantKey: c.variantKey,
      tests: c.tests.size,
      failingTests: c.failing.size,
      verdict: verdictOf(c.tests.size, c.regressions),
      regressions: c.regressions.map((r) => r.id).sort(),
    }));
  return {
    mode: input.mode,
    list: names.map((name) => {
      const entry = perComponent.get(name)!;
      const info = name === UNKNOWN_COMPONENT ? undefined : componentInfo(input.config, name);
      const own = cellList.filter((c) => c.component === name);
      return {
        name,
        slug: componentSlug(name, slugs),
        via: [...entry.via].sort() as Components['list'][number]['via'],
        owner: info?.owner ?? null,
        team: info?.team ?? null,
        bugProject: info?.bugProject ?? null,
        labels: info?.labels ?? [],
        alerts: { feed: info?.alerts.feed ?? false, github: info?.alerts.github ?? false, slack: info?.alerts.slack ?? false },
        tests: entry.tests.size,
        failingTests: entry.failing.size,
        verdict: own.reduce<Verdict>((worst, c) => (WORSE[c.verdict] > WORSE[worst] ? c.verdict : worst), 'no-data'),
        regressions: own.reduce((n, c) => n + c.regressions.length, 0),
      };
    }),
    variantKeys,
    cells: cellList,
  };
}

function verdictOf(tests: number, regressions: readonly TestRegression[]): Verdict {
  if (regressions.some((r) => r.status === 'new')) return 'regressed';
  if (regressions.length > 0) return 'open';
  return tests > 0 ? 'ok' : 'no-data';
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
