/**
 * An archive store over a bucket of named objects: a directory, or GCS (gcs-bucket.ts). The layout:
 *
 *   manifests/<id>.json     the entry's manifest (archive.ts); created only if absent, after its pages: the entry
 *                           exists from that moment, whole
 *   blobs/<sha-256>         a page's bytes, named by their hash: created only if absent, so two runs writing the
 *                           same page never overwrite each other, a push cut short leaves only unreferenced blobs
 *                           (the next push reuses them), and equal pages of different snapshots are stored once
 *   assets/_astro/<name>    hashed scripts and styles
 *   head/<id>.json          the newest snapshot's JSON; older heads are removed once a newer one is written
 *
 * Nothing but heads is ever removed or replaced. In GCS, blobs and heads are stored gzip-encoded (served decoded to
 * browsers that do not ask for gzip), except files that are gzip already; a directory keeps them as they are, so any
 * static server can serve it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { isSnapshotId } from '../snapshot/snapshot-id.ts';
import type { ArchiveStore, PublicLayout, PushBatch, PushReport, StoreCatalog } from './archive-store.ts';
import { type ArchiveManifest, type DirectoryArchive, parseManifest } from './archive.ts';

/** What the layout needs of a bucket. Names are '/'-separated and relative to the store's root. */
export interface ObjectBucket {
  readonly description: string;
  /** Whether browsers can be served this bucket's objects decoded when they are stored gzip-encoded (GCS). */
  readonly encodes: boolean;
  /** Every object name under `prefix`. */
  list(prefix: string): Promise<string[]>;
  /** The object's (decoded) bytes, or undefined when it does not exist. */
  read(name: string): Promise<Buffer | undefined>;
  /** Create the object unless one by that name exists; `gzip`: store it gzip-encoded. */
  create(name: string, bytes: Uint8Array, options: { gzip: boolean; contentType: string }): Promise<'created' | 'exists'>;
  remove(name: string): Promise<void>;
  close(): Promise<void>;
}

const CONCURRENCY = 16;
const isGzip = (bytes: Uint8Array): boolean => bytes[0] === 0x1f && bytes[1] === 0x8b;
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function contentTypeOf(name: string): string {
  if (name.endsWith('.html')) return 'text/html; charset=utf-8';
  if (name.endsWith('.json')) return 'application/json';
  if (name.endsWith('.css')) return 'text/css';
  if (name.endsWith('.js') || name.endsWith('.mjs')) return 'text/javascript';
  if (name.endsWith('.svg')) return 'image/svg+xml';
  if (name.endsWith('.gz')) return 'application/gzip';
  return 'application/octet-stream';
}

export class ObjectStore implements ArchiveStore {
  readonly description: string;
  readonly publicLayout: PublicLayout | null;
  readonly #bucket: ObjectBucket;
  readonly #limit = pLimit(CONCURRENCY);

  constructor(bucket: ObjectBucket, publicUrl: string | null) {
    this.#bucket = bucket;
    this.description = bucket.description;
    this.publicLayout = publicUrl === null ? null : { kind: 'objects', url: publicUrl };
  }

  async catalog(): Promise<StoreCatalog> {
    const [manifests, assets, heads] = await Promise.all([this.#bucket.list('manifests/'), this.#bucket.list('assets/'), this.#bucket.list('head/')]);
    const ids = manifests
      .map((name) => /^manifests\/([^/]+)\.json$/.exec(name)?.[1])
      .filter((id): id is string => id !== undefined && isSnapshotId(id))
      .sort();
    return { ids, assets: assets.map((name) => name.slice('assets/'.length)).sort(), head: newestHead(heads), locations: {} };
  }

  async #manifest(id: string): Promise<ArchiveManifest> {
    const name = `manifests/${id}.json`;
    const bytes = await this.#bucket.read(name);
    if (!bytes) throw new Error(`${this.description}: ${name} is missing; the store does not hold ${id}`);
    return parseManifest(bytes.toString('utf8'), id, `${this.description}/${name}`);
  }

  async restoreEntries(ids: readonly string[], into: DirectoryArchive): Promise<void> {
    for (const id of ids) {
      const manifest = await this.#manifest(id);
      // Fetched up front, in parallel; importEntry checks each against its hash.
      const pages = new Map<string, Promise<Buffer>>();
      for (const [rel, hash] of Object.entries(manifest.files))
        pages.set(
          rel,
          this.#limit(() => this.#blob(hash, `${id}/${rel}`)),
        );
      for (const p of pages.values()) p.catch(() => {});
      await into.importEntry(manifest, (rel) => pages.get(rel)!);
    }
  }

  async #blob(hash: string, what: string): Promise<Buffer> {
    const bytes = await this.#bucket.read(`blobs/${hash}`);
    if (!bytes) throw new Error(`${this.description}: blobs/${hash} (${what}) is missing`);
    return bytes;
  }

  async restoreAssets(assets: readonly string[], into: DirectoryArchive): Promise<void> {
    await Promise.all(
      assets.map((rel) =>
        this.#limit(async () => {
          const bytes = await this.#bucket.read(`assets/${rel}`);
          if (!bytes) throw new Error(`${this.description}: assets/${rel} is missing`);
          await into.importAsset(rel, bytes);
        }),
      ),
    );
  }

  async readHead(): Promise<{ id: string; json: Buffer } | null> {
    const id = newestHead(await this.#bucket.list('head/'));
    if (id === null) return null;
    const json = await this.#bucket.read(`head/${id}.json`);
    return json ? { id, json } : null;
  }

  async push(batch: PushBatch): Promise<PushReport> {
    const report: PushReport = { added: [], present: [], attempts: 1, head: 'none' };
    for (const id of [...batch.ids].sort()) {
      if (await this.#bucket.read(`manifests/${id}.json`)) {
        report.present.push(id);
        continue;
      }
      const manifest = await batch.archive.manifest(id);
      if (!manifest) throw new Error(`archive store push: ${id} is not complete in ${batch.archive.root}`);
      // Assets first, then pages, then the manifest: whatever a manifest names is there before it.
      await Promise.all(
        manifest.assets.map((rel) =>
          this.#limit(async () => {
            const bytes = await readFile(path.join(batch.archive.assetsDir, rel));
            await this.#bucket.create(`assets/${rel}`, bytes, { gzip: this.#bucket.encodes && !isGzip(bytes), contentType: contentTypeOf(rel) });
          }),
        ),
      );
      await Promise.all(
        Object.entries(manifest.files).map(([rel, hash]) =>
          this.#limit(async () => {
            const bytes = await readFile(path.join(batch.archive.pagesDir(id), rel));
            if (sha256(bytes) !== hash)
              throw new Error(`archive store push: ${id}/${rel} in ${batch.archive.root} no longer matches its manifest; nothing of ${id} was added`);
            await this.#bucket.create(`blobs/${hash}`, bytes, { gzip: this.#bucket.encodes && !isGzip(bytes), contentType: contentTypeOf(rel) });
          }),
        ),
      );
      const made = await this.#bucket.create(`manifests/${id}.json`, Buffer.from(`${JSON.stringify(manifest, null, 1)}\n`), {
        gzip: this.#bucket.encodes,
        contentType: 'application/json',
      });
      (made === 'created' ? report.added : report.present).push(id);
    }
    if (batch.head) report.head = await this.#pushHead(batch.head);
    return report;
  }

  /** Write the head unless a newer one is there, then remove the older ones (each run writes its own name: no race). */
  async #pushHead(head: { id: string; file: string }): Promise<PushReport['head']> {
    const before = await this.#bucket.list('head/');
    const newest = newestHead(before);
    if (newest !== null && newest >= head.id) return 'kept';
    await this.#bucket.create(`head/${head.id}.json`, await readFile(head.file), { gzip: this.#bucket.encodes, contentType: 'application/json' });
    const after = await this.#bucket.list('head/');
    const keep = newestHead(after);
    for (const name of after) if (name !== `head/${keep}.json`) await this.#bucket.remove(name);
    return keep === head.id ? 'replaced' : 'kept';
  }

  close(): Promise<void> {
    return this.#bucket.close();
  }
}

function newestHead(names: readonly string[]): string | null {
  const ids = names
    .map((name) => /^head\/([^/]+)\.json$/.exec(name)?.[1])
    .filter((id): id is string => id !== undefined && isSnapshotId(id))
    .sort();
  return ids.at(-1) ?? null;
}

/**
 * A directory as a bucket. "Create unless present" is a hard link of a finished temporary file: link() fails when
 * the name exists, so a half-written object is never visible and an existing one is never replaced.
 */
export class DirectoryBucket implements ObjectBucket {
  readonly description: string;
  readonly encodes = false;
  readonly #root: string;

  constructor(root: string) {
    this.#root = path.resolve(root);
    this.description = this.#root;
  }

  #path(name: string): string {
    const target = path.resolve(this.#root, ...name.split('/'));
    if (!target.startsWith(this.#root + path.sep)) throw new Error(`archive store: "${name}" is outside ${this.#root}`);
    return target;
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (rel: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(path.join(this.#root, rel), { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const e of entries) {
        const child = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(child);
        else if (e.isFile() && !e.name.endsWith('.tmp')) out.push(child);
      }
    };
    await walk(prefix.replace(/\/$/, ''));
    return out.sort();
  }

  async read(name: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.#path(name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async create(name: string, bytes: Uint8Array): Promise<'created' | 'exists'> {
    const target = this.#path(name);
    await mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temp, bytes, { mode: 0o444 });
    try {
      await link(temp, target);
      return 'created';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
      throw error;
    } finally {
      await rm(temp, { force: true });
    }
  }

  async remove(name: string): Promise<void> {
    await rm(this.#path(name), { force: true });
  }

  async close(): Promise<void> {}
}
