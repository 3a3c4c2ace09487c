/**
 * The routes of the per-snapshot pages (src/site/pages/snapshots/[id]/**). Every such page's
 * getStaticPaths is one of these functions, so which snapshots get pages (RATCHET_RENDER_IDS, see
 * snapshots.ts) and which jobs, tests and modes get one within a snapshot is decided here once, and a
 * page and the JSON document beside it can never disagree about it.
 *
 * A path carries `{ id }` (plus the item's segment) as params and the validated `snapshot` (plus the
 * item) as props; the page hands the props to its component.
 */
import type { Components, FailureCluster, JobSummary, RegressionMode, Snapshot, TestSummary } from '../../snapshot/schema.ts';
import { clustersWithPages } from './ownership.ts';
import { defaultMode, modesOf } from './regressions.ts';
import { testsWithPages } from './report.ts';
import { loadSnapshot, loadSnapshotsToRender, previousId } from './snapshots.ts';

export interface SnapshotPath<Props extends object = object> {
  params: { id: string };
  props: { snapshot: Snapshot } & Props;
}

/** A path for one item of a snapshot: the param and the prop share the item's name (`job`, `test`, `mode`). */
export interface SnapshotItemPath<Name extends string, Item> {
  params: { id: string } & Record<Name, string>;
  props: { snapshot: Snapshot } & Record<Name, Item>;
}

/** One path per snapshot this build renders, newest first; `more` adds props beside the snapshot. */
async function snapshotPathsWith<Props extends object>(more: (snapshot: Snapshot) => Props | Promise<Props>): Promise<SnapshotPath<Props>[]> {
  const snapshots = await loadSnapshotsToRender();
  return Promise.all(snapshots.map(async (snapshot) => ({ params: { id: snapshot.id }, props: { snapshot, ...(await more(snapshot)) } })));
}

/** One path per snapshot this build renders, newest first, with the snapshot as the only prop. */
export async function snapshotPaths(): Promise<SnapshotPath[]> {
  return (await loadSnapshotsToRender()).map((snapshot) => ({ params: { id: snapshot.id }, props: { snapshot } }));
}

/** One path per item of each snapshot this build renders: `segment` names the item in the URL. */
async function snapshotItemPaths<Name extends string, Item>(
  name: Name,
  items: (snapshot: Snapshot) => readonly Item[],
  segment: (item: Item) => string,
): Promise<SnapshotItemPath<Name, Item>[]> {
  return (await loadSnapshotsToRender()).flatMap((snapshot) =>
    items(snapshot).map((item) => ({
      // Computed keys widen to an index signature; `name` is the one key added, so the cast is exact.
      params: { id: snapshot.id, [name]: segment(item) } as SnapshotItemPath<Name, Item>['params'],
      props: { snapshot, [name]: item } as SnapshotItemPath<Name, Item>['props'],
    })),
  );
}

/** The report and its summary.json: with the id of the snapshot before, the one they link to. */
export const snapshotPathsWithPreviousId = (): Promise<SnapshotPath<{ previous: string | undefined }>[]> =>
  snapshotPathsWith(async (snapshot) => ({ previous: await previousId(snapshot.id) }));

/** "What changed": with the snapshot before, which the page compares with (undefined for the first). */
export const snapshotPathsWithPrevious = (): Promise<SnapshotPath<{ previous: Snapshot | undefined }>[]> =>
  snapshotPathsWith(async (snapshot) => {
    const before = await previousId(snapshot.id);
    return { previous: before ? await loadSnapshot(before) : undefined };
  });

/** /regressions/: the snapshot's default mode (ratchet for a snapshot made before regressions existed). */
export const defaultModePaths = (): Promise<SnapshotPath<{ mode: RegressionMode }>[]> =>
  snapshotPathsWith((snapshot) => ({ mode: defaultMode(snapshot) ?? 'ratchet' }));

/** /regressions/<mode>/: every mode but the default, which lives at /regressions/ itself. */
export const otherModePaths = (): Promise<SnapshotItemPath<'mode', RegressionMode>[]> =>
  snapshotItemPaths(
    'mode',
    (snapshot) => modesOf(snapshot).slice(1),
    (mode) => mode,
  );

/** A page per job in the snapshot. */
export const jobPaths = (): Promise<SnapshotItemPath<'job', JobSummary>[]> =>
  snapshotItemPaths(
    'job',
    (snapshot) => snapshot.jobs,
    (job) => job.name,
  );

/** A page per test that gets one (report.ts, testsWithPages: the page budget). */
export const testPaths = (): Promise<SnapshotItemPath<'test', TestSummary>[]> =>
  snapshotItemPaths(
    'test',
    (snapshot) => testsWithPages(snapshot),
    (test) => test.id,
  );

/** A page per component of the readiness grid (snapshots before components have none). */
export const componentPaths = (): Promise<SnapshotItemPath<'component', Components['list'][number]>[]> =>
  snapshotItemPaths(
    'component',
    (snapshot) => snapshot.components?.list ?? [],
    (component) => component.slug,
  );

/** A page per failure cluster that gets one (ownership.ts, clustersWithPages: the page budget). */
export const clusterPaths = (): Promise<SnapshotItemPath<'cluster', FailureCluster>[]> =>
  snapshotItemPaths(
    'cluster',
    (snapshot) => clustersWithPages(snapshot),
    (cluster) => cluster.id,
  );
