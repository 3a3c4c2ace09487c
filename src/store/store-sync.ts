/**
 * The local archive and snapshots folders kept in step with the archive store, around a run:
 *
 *   restore  before the run: the entries the site will hold (its tier) that are missing here, every asset, and the
 *            store's head (the newest snapshot's JSON) when it is not here: what a lost cache takes away.
 *   push     after the site is published: every local entry the store does not hold yet (this run's, and any an
 *            earlier run published but could not push), and the newest snapshot as the head.
 *   prune    once the store holds them: entries outside the site's tier leave the local archive, and snapshot JSON
 *            leaves the snapshots folder and the archive for all but the newest snapshot (the next analysis and
 *            diff start from it). At OpenShift size a snapshot's JSON is 85 MB: twelve a day would fill a disk and
 *            any CI cache within days.
 *
 * Nothing is pruned that the store does not hold: the local copy is then the only one.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { listSnapshotIds, snapshotFile } from './snapshot-store.ts';
import type { ArchiveStore, PushReport, StoreCatalog } from './archive-store.ts';
import { DirectoryArchive } from './archive.ts';
import { onSite } from './tiers.ts';
import { writeAtomic } from '../util/write-atomic.ts';

export interface RestoreReport {
  catalog: StoreCatalog;
  /** Entries copied into the local archive. */
  entries: string[];
  assets: number;
  /** The head snapshot written into the snapshots folder, if it was missing. */
  head: string | null;
}

/** The days of snapshots the site holds with this store: none kept back when browsers cannot read the store. */
export function siteDays(store: ArchiveStore, pagesDays: number): number | null {
  return store.publicLayout === null ? null : pagesDays;
}

export async function restoreFromStore(
  store: ArchiveStore,
  local: { archive: DirectoryArchive; snapshots: string },
  options: { pagesDays: number | null; newId: string },
): Promise<RestoreReport> {
  const catalog = await store.catalog();
  const have = new Set(await local.archive.ids());
  const all = [...new Set([...catalog.ids, ...have, options.newId])];
  const tier = onSite(all, options.pagesDays);
  const entries = catalog.ids.filter((id) => tier.has(id) && !have.has(id));
  await store.restoreEntries(entries, local.archive);
  const haveAssets = new Set(await local.archive.assets());
  const assets = catalog.assets.filter((a) => !haveAssets.has(a));
  await store.restoreAssets(assets, local.archive);
  let head: string | null = null;
  const own = new Set(await listSnapshotIds(local.snapshots));
  if (catalog.head !== null && !own.has(catalog.head)) {
    const stored = await store.readHead();
    if (stored) {
      await writeAtomic(snapshotFile(local.snapshots, stored.id), stored.json);
      if (await local.archive.manifest(stored.id)) await local.archive.restoreSnapshot(stored.id, stored.json);
      head = stored.id;
    }
  }
  await keepNewestSnapshot(local);
  return { catalog, entries, assets: assets.length, head };
}

/**
 * The newest archived entry must hold its snapshot: the next build's diff page reads it. The snapshots folder has
 * it when a cache kept it there (prune keeps the newest there and in the archive, but a cache can be older).
 */
async function keepNewestSnapshot(local: { archive: DirectoryArchive; snapshots: string }): Promise<void> {
  const newest = (await local.archive.ids())[0];
  if (newest === undefined || local.archive.hasSnapshot(newest)) return;
  const own = snapshotFile(local.snapshots, newest);
  const bytes = await readFile(own).catch(() => undefined);
  if (bytes) await local.archive.restoreSnapshot(newest, bytes);
}

/** The newest snapshot JSON of the snapshots folder: the head a push offers. */
async function newestSnapshot(snapshots: string): Promise<{ id: string; file: string } | null> {
  const id = (await listSnapshotIds(snapshots)).at(-1);
  return id === undefined ? null : { id, file: snapshotFile(snapshots, id) };
}

/** Every complete local entry the store lacks (per `catalog`, read before the build), and the newest snapshot as the head. */
export async function pushToStore(store: ArchiveStore, local: { archive: DirectoryArchive; snapshots: string }, catalog: StoreCatalog): Promise<PushReport> {
  const inStore = new Set(catalog.ids);
  const ids = (await local.archive.ids()).filter((id) => !inStore.has(id)).sort();
  return store.push({ archive: local.archive, ids, head: await newestSnapshot(local.snapshots) });
}

/**
 * After a push: what the store now holds leaves the local copy when no build needs it. `held` are the ids the
 * store holds (its catalog plus what the push added or found there).
 */
export async function pruneLocal(
  local: { archive: DirectoryArchive; snapshots: string },
  held: ReadonlySet<string>,
  pagesDays: number | null,
): Promise<{ entries: string[]; snapshots: string[] }> {
  const archived = await local.archive.ids();
  const own = await listSnapshotIds(local.snapshots);
  const all = [...new Set([...held, ...archived, ...own])].sort();
  const tier = onSite(all, pagesDays);
  // The newest snapshot this machine has: the next analysis's previous snapshot, and the next build's diff.
  const newest = [...own].sort().at(-1);
  const entries: string[] = [];
  for (const id of archived) {
    if (!held.has(id)) continue;
    if (!tier.has(id)) {
      await local.archive.evict(id, 'entry');
      entries.push(id);
    } else if (id !== newest && local.archive.hasSnapshot(id)) {
      await local.archive.evict(id, 'snapshot');
    }
  }
  const snapshots: string[] = [];
  for (const id of own) {
    if (id === newest || !held.has(id)) continue;
    await rm(path.join(local.snapshots, id), { recursive: true, force: true });
    snapshots.push(id);
  }
  return { entries, snapshots };
}

/**
 * Copy every entry (and the head) of one store into another: how a workflow job with write access pushes what a
 * build job staged (`ratchet run --stage-push <dir>` writes a directory store; `ratchet archive push <dir>` copies it).
 */
export async function copyStore(from: ArchiveStore, to: ArchiveStore, workDir: string): Promise<PushReport> {
  const source = await from.catalog();
  const target = await to.catalog();
  const wanted = source.ids.filter((id) => !target.ids.includes(id));
  const scratch = path.join(workDir, `.store-copy-${process.pid}-${Date.now()}`);
  try {
    const archive = new DirectoryArchive(path.join(scratch, 'archive'));
    await from.restoreEntries(wanted, archive);
    await from.restoreAssets(source.assets, archive);
    const head = await from.readHead();
    let headFile: { id: string; file: string } | null = null;
    if (head) {
      headFile = { id: head.id, file: path.join(scratch, 'head.json') };
      await writeAtomic(headFile.file, head.json);
    }
    return await to.push({ archive, ids: wanted, head: headFile });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
