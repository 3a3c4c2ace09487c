/**
 * The archive: every published snapshot's rendered pages, kept so that later builds publish them
 * again byte for byte instead of rendering them with newer code or data. This directory is the working
 * copy a build reads and writes; with an archive store (archive-store.ts) it is also a cache of the
 * store: entries come back from the store (importEntry) and go to it after a build (store-sync.ts).
 *
 *   <archive>/snapshots/<id>/snapshot.json    the snapshot the pages were rendered from (with a store: only
 *                                              the newest ones are kept, see store-sync.ts)
 *   <archive>/snapshots/<id>/pages/**          the published tree under /snapshots/<id>/ (HTML and JSON)
 *   <archive>/snapshots/<id>/manifest.json     written last: base path, kind, sha-256 of every page, assets used
 *   <archive>/assets/_astro/*                  content-hashed scripts and styles, kept forever
 *
 * A light entry (an intra-day snapshot, see tiers.ts) keeps only some of the rendered tree: its manifest says so.
 *
 * An entry is assembled in a temporary directory and renamed into place with its manifest already
 * written, so a directory named after a snapshot id is always complete; one without a manifest
 * (left by hand or by an older tool) counts as missing and is rendered again.
 *
 * A published entry is never deleted or replaced: the rename into place fails when a complete entry is already
 * there (two builds archiving the same id at once: the second is told so), and an incomplete directory in the way
 * is first moved aside and checked, then removed. Temporary directories carry their owner's pid, so those of a
 * killed build are removed by the next one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isSnapshotId } from '../snapshot/snapshot-id.ts';
import { ownerTag, removeAbandoned } from '../util/owned-names.ts';
import { type EntryKind, keptInLight } from './tiers.ts';

const ARCHIVE_FORMAT = 1;
const MANIFEST = 'manifest.json';
/** Site-relative folder of the hashed assets Astro writes (build.assets). */
const ASSETS_FOLDER = '_astro';

export interface ArchiveManifest {
  format: typeof ARCHIVE_FORMAT;
  id: string;
  /** The base path baked into every link of the pages: a build with another base cannot reuse them. */
  base: string;
  /** The site URL absolute links (canonical, feed, bug snippets) were made with. */
  site: string;
  /** Ratchet version that rendered the pages. */
  renderedBy: string;
  /** 'light': an intra-day snapshot that keeps only part of its tree (tiers.ts). Absent: 'full'. */
  kind?: EntryKind;
  /** Page path relative to pages/ → sha-256 (hex). */
  files: Record<string, string>;
  /** Site-relative asset paths the pages load, e.g. "_astro/Base.x1y2.css". */
  assets: string[];
}

export interface NewEntry {
  id: string;
  /** The rendered tree for /snapshots/<id>/ in the staging build. */
  pagesDir: string;
  /** The snapshot JSON the pages were rendered from. */
  snapshotFile: string;
  /** The staging build's root, where <root>/_astro/ holds the hashed assets. */
  stagingRoot: string;
  base: string;
  site: string;
  renderedBy: string;
  /** 'light' keeps only the pages tiers.ts names; default 'full'. */
  kind?: EntryKind;
}

class ArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveError';
  }
}

async function sha256File(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/** Every file under `dir`, as '/'-separated paths relative to it, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(child);
      else if (e.isFile()) out.push(child);
    }
  }
  await walk('');
  return out.sort();
}

/**
 * Assets a set of pages needs: the hashed files their HTML names, plus whatever those files name in
 * turn (a page script importing a shared chunk). Names are content hashes, so a plain substring
 * search over the few bundle files is exact enough and never misses a dynamic import.
 */
async function referencedAssets(pagesDir: string, pages: readonly string[], stagingRoot: string): Promise<string[]> {
  const assetsDir = path.join(stagingRoot, ASSETS_FOLDER);
  const available = existsSync(assetsDir) ? await listFiles(assetsDir) : [];
  const found = new Set<string>();
  const queue: string[] = [];
  const scan = (text: string): void => {
    for (const name of available) {
      if (!found.has(name) && text.includes(`${ASSETS_FOLDER}/${name}`)) {
        found.add(name);
        queue.push(name);
      }
    }
  };
  for (const page of pages) {
    if (page.endsWith('.html')) scan(await readFile(path.join(pagesDir, page), 'utf8'));
  }
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (!/\.(js|mjs|css)$/.test(name)) continue;
    const text = await readFile(path.join(assetsDir, name), 'utf8');
    // Chunks import each other relatively ("./chunk.js"), so look for bare names too.
    for (const other of available) {
      if (!found.has(other) && text.includes(other)) {
        found.add(other);
        queue.push(other);
      }
    }
  }
  return [...found].sort().map((name) => `${ASSETS_FOLDER}/${name}`);
}

/** A manifest read back from `where` (a file, or a store); throws when it is not one for `id`. */
export function parseManifest(text: string, id: string, where: string): ArchiveManifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ArchiveError(`${where} is not valid JSON (${(err as Error).message}); delete the entry to render it again`);
  }
  return checkManifest(parsed, id, where);
}

function checkManifest(value: unknown, id: string, where: string): ArchiveManifest {
  const m = value as Partial<ArchiveManifest> | null;
  const valid =
    m !== null &&
    typeof m === 'object' &&
    m.format === ARCHIVE_FORMAT &&
    m.id === id &&
    typeof m.base === 'string' &&
    typeof m.files === 'object' &&
    m.files !== null &&
    Array.isArray(m.assets) &&
    (m.kind === undefined || m.kind === 'full' || m.kind === 'light');
  if (!valid) throw new ArchiveError(`${where} is not a format-${ARCHIVE_FORMAT} manifest for ${id}; delete the entry to render it again`);
  return m as ArchiveManifest;
}

/** `rel` under `dir`, refusing a path that would leave it (a manifest from a store is not trusted). */
function safeJoin(dir: string, rel: string, id: string): string {
  const target = path.resolve(dir, rel);
  if (rel.includes('\0') || !target.startsWith(path.resolve(dir) + path.sep))
    throw new ArchiveError(`archive: ${id}'s manifest names "${rel}", which is outside its pages; not restored`);
  return target;
}

export class DirectoryArchive {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  entryDir(id: string): string {
    if (!isSnapshotId(id)) throw new ArchiveError(`archive: "${id}" is not a snapshot id`);
    return path.join(this.root, 'snapshots', id);
  }

  pagesDir(id: string): string {
    return path.join(this.entryDir(id), 'pages');
  }

  snapshotFile(id: string): string {
    return path.join(this.entryDir(id), 'snapshot.json');
  }

  get assetsDir(): string {
    return path.join(this.root, 'assets');
  }

  /** The manifest of a complete entry, or undefined when the entry is missing or incomplete. */
  async manifest(id: string): Promise<ArchiveManifest | undefined> {
    let text: string;
    try {
      text = await readFile(path.join(this.entryDir(id), MANIFEST), 'utf8');
    } catch {
      return undefined;
    }
    return parseManifest(text, id, path.join(this.entryDir(id), MANIFEST));
  }

  /** Ids of complete entries, newest first. */
  async ids(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(path.join(this.root, 'snapshots'));
    } catch {
      return [];
    }
    const ids: string[] = [];
    for (const name of names) {
      if (isSnapshotId(name) && (await this.manifest(name))) ids.push(name);
    }
    return ids.sort().reverse();
  }

  /**
   * Add a freshly rendered snapshot. Its files become read-only, because builds hard-link them into
   * the published site; an asset that already exists must have the same bytes (hashed names).
   */
  async add(entry: NewEntry): Promise<ArchiveManifest> {
    const finalDir = this.entryDir(entry.id);
    if (await this.manifest(entry.id))
      throw new ArchiveError(`archive: ${entry.id} is already archived in ${finalDir}; published snapshots are never replaced`);
    const snapshotsDir = path.join(this.root, 'snapshots');
    await mkdir(snapshotsDir, { recursive: true });
    await removeAbandoned(snapshotsDir, '.incoming-');
    await removeAbandoned(snapshotsDir, '.aside-');
    const incoming = path.join(snapshotsDir, `.incoming-${ownerTag()}-${entry.id}-${randomBytes(4).toString('hex')}`);
    const kind = entry.kind ?? 'full';
    const kept = (await listFiles(entry.pagesDir)).filter((rel) => kind === 'full' || keptInLight(rel));
    try {
      const pages = path.join(incoming, 'pages');
      const files: Record<string, string> = {};
      for (const rel of kept) {
        const target = path.join(pages, rel);
        await mkdir(path.dirname(target), { recursive: true });
        await copyFile(path.join(entry.pagesDir, rel), target);
        await chmod(target, 0o444);
        files[rel] = await sha256File(target);
      }
      await copyFile(entry.snapshotFile, path.join(incoming, 'snapshot.json'));
      await chmod(path.join(incoming, 'snapshot.json'), 0o444);
      const assets = await referencedAssets(entry.pagesDir, kept, entry.stagingRoot);
      for (const asset of assets) await this.#keepAsset(path.join(entry.stagingRoot, asset), asset);
      const manifest: ArchiveManifest = {
        format: ARCHIVE_FORMAT,
        id: entry.id,
        base: entry.base,
        site: entry.site,
        renderedBy: entry.renderedBy,
        ...(kind === 'light' ? { kind } : {}),
        files,
        assets,
      };
      await this.#commit(incoming, manifest);
      return manifest;
    } catch (err) {
      await rm(incoming, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Add an entry as a store gave it back: every page is checked against the manifest's sha-256 before the entry
   * appears, so a damaged or tampered copy is refused rather than published. `read` gives a page's bytes.
   */
  async importEntry(manifest: ArchiveManifest, read: (rel: string) => Promise<Uint8Array>): Promise<void> {
    checkManifest(manifest, manifest.id, 'store');
    if (await this.manifest(manifest.id)) return;
    const snapshotsDir = path.join(this.root, 'snapshots');
    await mkdir(snapshotsDir, { recursive: true });
    await removeAbandoned(snapshotsDir, '.incoming-');
    const incoming = path.join(snapshotsDir, `.incoming-${ownerTag()}-${manifest.id}-${randomBytes(4).toString('hex')}`);
    try {
      for (const [rel, hash] of Object.entries(manifest.files)) {
        const target = safeJoin(path.join(incoming, 'pages'), rel, manifest.id);
        const bytes = await read(rel);
        const actual = createHash('sha256').update(bytes).digest('hex');
        if (actual !== hash)
          throw new ArchiveError(`archive: ${manifest.id}/${rel} from the store has sha-256 ${actual}, its manifest says ${hash}; not restored`);
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, bytes, { mode: 0o444 });
      }
      await this.#commit(incoming, manifest);
    } catch (err) {
      await rm(incoming, { recursive: true, force: true });
      throw err;
    }
  }

  /** The manifest is the completeness marker: written last, then the whole entry appears at once (one rename). */
  async #commit(incoming: string, manifest: ArchiveManifest): Promise<void> {
    const finalDir = this.entryDir(manifest.id);
    await writeFile(path.join(incoming, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
    await this.#setAsideIncomplete(manifest.id, path.dirname(finalDir));
    try {
      await rename(incoming, finalDir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await this.manifest(manifest.id)))
        throw new ArchiveError(`archive: ${manifest.id} was archived by another build meanwhile, in ${finalDir}; published snapshots are never replaced`);
      throw err;
    }
  }

  /** An asset as a store gave it back (hashed name: an existing one must have the same bytes). */
  async importAsset(rel: string, bytes: Uint8Array): Promise<void> {
    if (!/^_astro\/[^/]+$/.test(rel) || rel.includes('..')) throw new ArchiveError(`archive: "${rel}" from the store is not an asset path (_astro/<name>)`);
    const target = path.join(this.assetsDir, rel);
    if (existsSync(target)) return;
    await mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temp, bytes, { mode: 0o444 });
    await rename(temp, target);
  }

  /** Whether the entry still holds the snapshot its pages were rendered from. */
  hasSnapshot(id: string): boolean {
    return existsSync(this.snapshotFile(id));
  }

  /** Give an entry back the snapshot it was rendered from (the store keeps the newest one: its head). */
  async restoreSnapshot(id: string, bytes: Uint8Array): Promise<void> {
    if (this.hasSnapshot(id)) return;
    const temp = `${this.snapshotFile(id)}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temp, bytes, { mode: 0o444 });
    await rename(temp, this.snapshotFile(id));
  }

  /**
   * With a store, the local archive is a working copy: an entry the store holds is dropped here once no build needs
   * it (older than the site's tier), and so is the snapshot JSON of all but the newest. Never call it for an entry
   * the store does not hold: store-sync.ts checks.
   */
  async evict(id: string, what: 'entry' | 'snapshot'): Promise<void> {
    if (what === 'snapshot') {
      await rm(this.snapshotFile(id), { force: true });
      return;
    }
    const aside = path.join(this.root, 'snapshots', `.aside-${ownerTag()}-${id}-${randomBytes(4).toString('hex')}`);
    try {
      await rename(this.entryDir(id), aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    await rm(aside, { recursive: true, force: true });
  }

  /**
   * Moves an entry directory without a manifest out of the way, then removes it. A complete entry is never touched:
   * should one have been renamed into place just before (another build), it is put back and this build told so.
   */
  async #setAsideIncomplete(id: string, snapshotsDir: string): Promise<void> {
    const finalDir = this.entryDir(id);
    if (!existsSync(finalDir) || (await this.manifest(id))) return;
    const aside = path.join(snapshotsDir, `.aside-${ownerTag()}-${id}-${randomBytes(4).toString('hex')}`);
    try {
      await rename(finalDir, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    if (existsSync(path.join(aside, MANIFEST))) {
      await rename(aside, finalDir);
      throw new ArchiveError(`archive: ${id} was archived by another build meanwhile, in ${finalDir}; published snapshots are never replaced`);
    }
    await rm(aside, { recursive: true, force: true });
  }

  async #keepAsset(source: string, rel: string): Promise<void> {
    const target = path.join(this.assetsDir, rel);
    const hash = await sha256File(source);
    if (existsSync(target)) {
      if ((await sha256File(target)) !== hash) {
        throw new ArchiveError(`archive: ${target} exists with different content than the new build's ${rel}; hashed asset names must never be reused`);
      }
      return;
    }
    await mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
    await copyFile(source, temp);
    await chmod(temp, 0o444);
    await rename(temp, target);
  }

  /** Every archived asset, site-relative ("_astro/x.js"). */
  async assets(): Promise<string[]> {
    return existsSync(this.assetsDir) ? listFiles(this.assetsDir) : [];
  }

  /** Pages whose bytes differ from the manifest, or that are missing: empty when the entry is intact. */
  async verify(id: string): Promise<string[]> {
    const manifest = await this.manifest(id);
    if (!manifest) return [`${id}: not archived`];
    const problems: string[] = [];
    for (const [rel, hash] of Object.entries(manifest.files)) {
      const file = path.join(this.pagesDir(id), rel);
      if (!existsSync(file)) problems.push(`${id}/${rel}: missing`);
      else if ((await sha256File(file)) !== hash) problems.push(`${id}/${rel}: changed`);
    }
    for (const asset of manifest.assets) {
      if (!existsSync(path.join(this.assetsDir, asset))) problems.push(`${id}: asset ${asset} missing`);
    }
    return problems;
  }
}
