/**
 * The durable archive store: where published snapshots are kept for good, outside the CI cache that GitHub evicts
 * after a week. One interface, three kinds, chosen by a URL (--archive-store, archive.store):
 *
 *   /a/directory                   a directory (local use, tests)                         object-store.ts
 *   gs://bucket[/prefix]           a GCS bucket                                          object-store.ts
 *   git+<repository url>#<branch>  an orphan branch of a git repository (the workflow's    git-store.ts
 *                                  zero-setup default: the same repository)
 *
 * What a store holds, whatever its kind: each archive entry (its manifest and the pages it lists, exactly the bytes
 * published), every hashed asset, and the head: the newest snapshot's JSON, which the next run's analysis and diff
 * start from after a lost cache. Entries are only ever added: an entry appears whole or not at all (its manifest is
 * written last, or the git push is one ref update), is never replaced, and two runs adding at once both succeed (a
 * git push rejected because the other run pushed first is built again on top of it). Only the head is replaced.
 *
 * open-archive-store.ts is the one module that knows every kind (as source/open-source.ts is for sources); the
 * kinds know only this interface and the local archive (archive.ts).
 */
import type { DirectoryArchive } from './archive.ts';

export interface StoreCatalog {
  /** Ids of the entries the store holds, oldest first. */
  ids: string[];
  /** Assets the store holds, site-relative ("_astro/x.js"). */
  assets: string[];
  /** The id of the snapshot whose JSON the store keeps (the newest pushed), or null. */
  head: string | null;
  /** Per id, where its files are for a browser beyond the public URL (git: the commit that added it). */
  locations: Record<string, string>;
}

/** How a browser finds an entry's files in the store (written to the site for its 404 page). */
export interface PublicLayout {
  /** 'git': <url><commit>/entries/<id>/pages/<path>. 'objects': <url>manifests/<id>.json names each page's blob, <url>blobs/<sha-256>. */
  kind: 'git' | 'objects';
  /** Ends with '/'. */
  url: string;
}

export interface PushBatch {
  /** The local archive the entries are read from. */
  archive: DirectoryArchive;
  /** Entries to add (complete in `archive`); those the store already holds are left as they are. */
  ids: readonly string[];
  /** The newest snapshot's JSON, to become the head unless the store's head is newer. */
  head: { id: string; file: string } | null;
}

export interface PushReport {
  /** Entries this push added. */
  added: string[];
  /** Entries the store held already (another run added them first). */
  present: string[];
  /** Attempts the push took (git: rejected pushes built again on top of the other run's). */
  attempts: number;
  head: 'replaced' | 'kept' | 'none';
}

export interface ArchiveStore {
  /** For messages: the URL without credentials. */
  readonly description: string;
  /** Where browsers read the store, or null when they cannot (then every snapshot stays on the site). */
  readonly publicLayout: PublicLayout | null;
  catalog(): Promise<StoreCatalog>;
  /** Copy entries (pages checked against their manifests) into the local archive. */
  restoreEntries(ids: readonly string[], into: DirectoryArchive): Promise<void>;
  /** Copy assets into the local archive. */
  restoreAssets(assets: readonly string[], into: DirectoryArchive): Promise<void>;
  /** The head snapshot's JSON (as written by writeSnapshot), or null when the store has none. */
  readHead(): Promise<{ id: string; json: Buffer } | null>;
  push(batch: PushBatch): Promise<PushReport>;
  close(): Promise<void>;
}
