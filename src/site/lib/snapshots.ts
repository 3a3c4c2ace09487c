/**
 * The site's one typed loader. Pages never read files themselves: they ask this module for validated
 * `Snapshot` documents, so everything the site renders has passed `snapshotSchema` first.
 *
 *   <RATCHET_SNAPSHOTS_DIR>/<id>/snapshot.json   (default ./data/snapshots)
 *   <RATCHET_ARCHIVE_DIR>/snapshots/<id>/…        published snapshots (see src/store/archive.ts)
 *
 * RATCHET_RENDER_IDS (comma-separated) limits which snapshots get their per-snapshot pages built, so a
 * build can add only the snapshots the archive does not have yet. Unset means "all"; set but empty
 * means "none" (the caller found nothing missing). The pages that move (home, /latest/, the snapshot
 * list, the feed) always render, from the newest snapshot and the summaries of all of them.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { listSnapshotIds, readSnapshot, SnapshotReadError } from '../../store/snapshot-store.ts';
import type { Snapshot } from '../../snapshot/schema.ts';
import { isSnapshotId } from '../../snapshot/snapshot-id.ts';
import { isSafeSegment } from '../../util/safe-name.ts';
import { DirectoryArchive } from '../../store/archive.ts';
import { parseSummary, summarise } from './summary.ts';
import { showableDeep } from './text.ts';
import type { SnapshotSummary } from './summary.ts';

const DEFAULT_SNAPSHOTS_DIR = './data/snapshots';
const SNAPSHOT_FILE = 'snapshot.json';
/** Published beside each snapshot's pages (see summary.ts). */
const SUMMARY_FILE = 'summary.json';

/** A snapshot the site cannot render; the message names the file so the pipeline run can be traced. */
export const SnapshotLoadError = SnapshotReadError;

function snapshotsDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.RATCHET_SNAPSHOTS_DIR?.trim();
  return path.resolve(dir ? dir : DEFAULT_SNAPSHOTS_DIR);
}

/** null = render every snapshot; otherwise exactly these ids. */
export function renderIdsFromEnv(env: NodeJS.ProcessEnv = process.env): ReadonlySet<string> | null {
  const raw = env.RATCHET_RENDER_IDS;
  if (raw === undefined) return null;
  return new Set(
    raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );
}

/** Read and validate one snapshot file. `expectedId` is the directory name it was found under. */
export async function readSnapshotFile(file: string, expectedId?: string): Promise<Snapshot> {
  // Control characters and bidi overrides become visible stand-ins before anything renders (text.ts).
  const snapshot = showableDeep(await readSnapshot(file));
  if (expectedId !== undefined && snapshot.id !== expectedId) {
    throw new SnapshotLoadError(file, `its id "${snapshot.id}" differs from its directory "${expectedId}"`);
  }
  assertUrlSafe(file, snapshot);
  return snapshot;
}

/**
 * Ids and job names become directory names in the built site. The ingest already refuses unsafe job
 * names, but a page written outside its folder would be worse than a failed build, so check again.
 */
function assertUrlSafe(file: string, snapshot: Snapshot): void {
  if (!isSnapshotId(snapshot.id)) throw new SnapshotLoadError(file, `id "${snapshot.id}" is not a snapshot id`);
  const seenJobs = new Set<string>();
  for (const job of snapshot.jobs) {
    if (!isSafeSegment(job.name)) throw new SnapshotLoadError(file, `job name ${JSON.stringify(job.name)} cannot be a URL segment`);
    if (seenJobs.has(job.name)) throw new SnapshotLoadError(file, `job "${job.name}" appears twice`);
    seenJobs.add(job.name);
  }
  const seenTests = new Set<string>();
  for (const test of snapshot.tests) {
    if (!isSafeSegment(test.id)) throw new SnapshotLoadError(file, `test id ${JSON.stringify(test.id)} cannot be a URL segment`);
    if (seenTests.has(test.id)) throw new SnapshotLoadError(file, `test id "${test.id}" appears twice`);
    seenTests.add(test.id);
  }
  // Component slugs and cluster ids name pages too.
  for (const segment of [...(snapshot.components?.list.map((c) => c.slug) ?? []), ...(snapshot.failureClusters?.map((c) => c.id) ?? [])]) {
    if (!isSafeSegment(segment)) throw new SnapshotLoadError(file, `component or cluster ${JSON.stringify(segment)} cannot be a URL segment`);
  }
}

function newestFirst(a: Snapshot, b: Snapshot): number {
  const byTime = Date.parse(b.asOf) - Date.parse(a.asOf);
  if (byTime !== 0 && !Number.isNaN(byTime)) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * Every snapshot under `dir`, validated, newest first. Entries whose name is not a snapshot id (a
 * generator script, a temporary directory) are ignored; a snapshot directory without its file is an error.
 */
export async function readSnapshots(dir: string): Promise<Snapshot[]> {
  if (!existsSync(dir)) throw new SnapshotLoadError(dir, 'cannot list the snapshots directory (it does not exist); set RATCHET_SNAPSHOTS_DIR');
  const ids = await listSnapshotIds(dir);
  const snapshots = await Promise.all(ids.map((id) => readSnapshotFile(path.join(dir, id, SNAPSHOT_FILE), id)));
  return snapshots.sort(newestFirst);
}

/** RATCHET_ARCHIVE_DIR, or undefined when this build keeps no archive (a plain `astro build`). */
function archiveDirFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = env.RATCHET_ARCHIVE_DIR?.trim();
  return dir ? path.resolve(dir) : undefined;
}

/**
 * Which snapshots exist and where each is read from. Archived snapshots are read from the archive,
 * because the archive holds what was published; the snapshots directory may be pruned, or hold a
 * re-analysed copy with the same id that must not change a published page.
 */
export interface Catalog {
  /** Every snapshot id, newest first. */
  ids: string[];
  archived: ReadonlySet<string>;
  archive: DirectoryArchive | undefined;
  snapshotsDir: string;
}

async function readCatalog(dir: string, archiveDir: string | undefined): Promise<Catalog> {
  const archive = archiveDir ? new DirectoryArchive(archiveDir) : undefined;
  const [own, archived] = await Promise.all([listSnapshotIds(dir).then((ids) => ids.reverse()), archive ? archive.ids() : Promise.resolve([])]);
  if (!archive && !existsSync(dir)) {
    throw new SnapshotLoadError(dir, 'the snapshots directory does not exist; run `ratchet analyze` first or set RATCHET_SNAPSHOTS_DIR');
  }
  const ids = [...new Set([...own, ...archived])].sort().reverse();
  return { ids, archived: new Set(archived), archive, snapshotsDir: dir };
}

// Every route's getStaticPaths asks for the same data; read it once per build.
const catalogs = new Map<string, Promise<Catalog>>();
const snapshotCache = new Map<string, Promise<Snapshot>>();
const summaryCache = new Map<string, Promise<SnapshotSummary[]>>();

export function loadCatalog(): Promise<Catalog> {
  const dir = snapshotsDir();
  const archiveDir = archiveDirFromEnv();
  const key = `${dir}\u0000${archiveDir ?? ''}`;
  let pending = catalogs.get(key);
  if (!pending) {
    pending = readCatalog(dir, archiveDir);
    catalogs.set(key, pending);
  }
  return pending;
}

/** Forget cached reads (tests that change the environment between calls). */
export function clearLoaderCache(): void {
  catalogs.clear();
  snapshotCache.clear();
  summaryCache.clear();
}

function snapshotFileFor(catalog: Catalog, id: string): string {
  if (catalog.archive && catalog.archived.has(id)) return catalog.archive.snapshotFile(id);
  return path.join(catalog.snapshotsDir, id, SNAPSHOT_FILE);
}

/** One snapshot, validated; from the archive when it has been published. */
export async function loadSnapshot(id: string): Promise<Snapshot> {
  const catalog = await loadCatalog();
  if (!catalog.ids.includes(id)) throw new SnapshotLoadError(catalog.snapshotsDir, `no snapshot "${id}" here or in the archive`);
  const file = snapshotFileFor(catalog, id);
  let pending = snapshotCache.get(file);
  if (!pending) {
    pending = readSnapshotFile(file, id);
    snapshotCache.set(file, pending);
  }
  return pending;
}

/** The snapshot published just before `id`, which its diff compares with. */
export async function previousId(id: string): Promise<string | undefined> {
  const { ids } = await loadCatalog();
  const i = ids.indexOf(id);
  return i >= 0 ? ids[i + 1] : undefined;
}

/** The newest snapshot, or undefined when there is none yet. */
export async function loadLatest(): Promise<Snapshot | undefined> {
  const { ids } = await loadCatalog();
  return ids[0] === undefined ? undefined : loadSnapshot(ids[0]);
}

/**
 * Every snapshot's summary, newest first: the archived ones from their published summary.json (one
 * small file each, however long the history), the others computed from the snapshot.
 */
export function loadSummaries(): Promise<SnapshotSummary[]> {
  const key = `${snapshotsDir()}\u0000${archiveDirFromEnv() ?? ''}`;
  let pending = summaryCache.get(key);
  if (!pending) {
    pending = (async () => {
      const catalog = await loadCatalog();
      return Promise.all(
        catalog.ids.map(async (id, i) => {
          if (catalog.archive && catalog.archived.has(id)) {
            const file = path.join(catalog.archive.pagesDir(id), SUMMARY_FILE);
            const stored = await readFile(file, 'utf8').then(
              (t) => parseSummary(JSON.parse(t)),
              () => undefined,
            );
            if (stored) return stored;
          }
          // Not archived yet, or archived by code that wrote no summary this code can read.
          return summarise(await loadSnapshot(id), catalog.ids[i + 1]);
        }),
      );
    })();
    summaryCache.set(key, pending);
  }
  return pending;
}

/** Snapshots whose per-snapshot pages this build renders (RATCHET_RENDER_IDS), newest first. */
export async function loadSnapshotsToRender(): Promise<Snapshot[]> {
  const catalog = await loadCatalog();
  const wanted = renderIdsFromEnv();
  if (wanted === null) return Promise.all(catalog.ids.map(loadSnapshot));
  const unknown = [...wanted].filter((id) => !catalog.ids.includes(id));
  if (unknown.length > 0) {
    throw new SnapshotLoadError(catalog.snapshotsDir, `RATCHET_RENDER_IDS names snapshots that are not there: ${unknown.join(', ')}`);
  }
  return Promise.all(catalog.ids.filter((id) => wanted.has(id)).map(loadSnapshot));
}
