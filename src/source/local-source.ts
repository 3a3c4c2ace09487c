/**
 * A directory laid out exactly like a bucket: object "logs/job/1/started.json" is the file
 * <root>/logs/job/1/started.json. Listing follows GCS semantics (lexicographic order, prefix,
 * delimiter, pages), so discovery code cannot tell it from the GCS source.
 *
 * Objects stored gzip-encoded (Content-Encoding: gzip in GCS) follow the test server's convention
 * (test/support/gcs-test-server.ts): the file holds the gzip bytes and a sidecar
 * `<name>.gcsmeta.json` says {"contentEncoding":"gzip"}. Sidecars are not objects: listings hide
 * them, and read() yields the decoded bytes, so a tree read from here and through GCS agrees.
 *
 * The directory is untrusted like a bucket: a symbolic link leading out of it (a run folder, a top-level folder, a
 * file) is refused and reported, never followed. A listing walks its part of the tree once and serves its pages
 * from that walk, so reading a large folder in pages of 1,000 costs one walk, not one per page.
 */
import { createReadStream, type Dirent, existsSync, realpathSync, statSync } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { BucketSource, ListOptions, ListPage, ObjectInfo, RefusedEntry } from './source.ts';
import type { SourceSpec } from './source-spec.ts';
import { SourceError } from './source.ts';
import { isSafeObjectName, resolveInside } from '../util/safe-name.ts';
import { UsageError } from '../util/errors.ts';

const DEFAULT_PAGE = 1000;

/** Metadata sidecar of an object (same suffix as the test server's). */
const SIDECAR_SUFFIX = '.gcsmeta.json';

/**
 * Listings kept between pages (each walked once, paged from memory). A listing read to its end is dropped; one
 * abandoned half-way is pushed out by newer ones. Reading a page whose listing was pushed out walks it again.
 */
const KEPT_LISTINGS = 16;

const OUTSIDE = 'a symbolic link that leads outside the source directory; refused, nothing behind it is read';

export interface LocalSourceOptions {
  /** Bucket name to use in Prow links (default: the directory's name). */
  bucket?: string;
}

export function createLocalSource(root: string, options: LocalSourceOptions = {}): BucketSource {
  const dir = path.resolve(root);
  if (!existsSync(dir)) throw new UsageError(`source directory ${dir} does not exist: pass --source <dir> with a Prow bucket layout (logs/<job>/<build>/…)`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`source ${dir} is not a directory`);
  return new LocalSource(dir, realpathSync(dir), options.bucket ?? path.basename(dir));
}

/** A whole listing: its entries in GCS order, and what it refused. */
interface Listing {
  entries: Entry[];
  refused: RefusedEntry[];
}

/**
 * Everything is resolved against the real path of the root: a path whose real location (symbolic links followed)
 * is outside it is refused, in listings (listed in ListPage.refused) and reads (SourceError 'outside-source'). A
 * link that stays inside is read as what it points to.
 */
class LocalSource implements BucketSource {
  readonly description: string;
  readonly bucket: string;
  readonly spec: SourceSpec;
  /** The root's real path: every path read must resolve inside it. */
  readonly #root: string;
  readonly #listings = new Map<string, Listing>();

  constructor(given: string, real: string, bucket: string) {
    this.#root = real;
    this.description = given;
    this.bucket = bucket;
    this.spec = { type: 'local', root: given, bucket };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    if (prefix !== '' && !isSafeObjectName(prefix)) throw new SourceError('invalid-name', prefix, 'unsafe listing prefix');
    const { pageToken, startOffset } = options;
    const key = `${options.delimiter ?? ''}\u0000${prefix}`;
    // A first page walks the tree; later pages continue the same walk.
    let listing = pageToken === undefined ? undefined : this.#listings.get(key);
    if (!listing) listing = options.delimiter ? await this.#listShallow(prefix, options.delimiter) : await this.#listDeep(prefix);
    const { entries } = listing;
    // GCS orders by name; pages continue after the last name returned.
    let from = startOffset === undefined ? 0 : firstIndex(entries, (k) => compareKeys(k, startOffset) >= 0);
    if (pageToken !== undefined)
      from = Math.max(
        from,
        firstIndex(entries, (k) => compareKeys(k, pageToken) > 0),
      );
    const max = options.maxResults ?? DEFAULT_PAGE;
    const page = entries.slice(from, from + max);
    const result: ListPage = {
      objects: page.filter((e) => e.object).map((e) => e.object!),
      prefixes: page.filter((e) => !e.object).map((e) => e.key),
    };
    if (pageToken === undefined && listing.refused.length > 0) result.refused = listing.refused;
    this.#listings.delete(key);
    if (from + max < entries.length) {
      result.nextPageToken = page[page.length - 1]!.key;
      this.#listings.set(key, listing);
      if (this.#listings.size > KEPT_LISTINGS) this.#listings.delete(this.#listings.keys().next().value!);
    }
    return result;
  }

  async read(name: string): Promise<AsyncIterable<Uint8Array>> {
    if (!isSafeObjectName(name)) throw new SourceError('invalid-name', name, 'unsafe object name');
    if (name.endsWith(SIDECAR_SUFFIX)) throw new SourceError('not-found', name, 'no such object (metadata sidecars are not objects)');
    const file = await this.#real(resolveInside(this.#root, name), name);
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new SourceError('not-found', name, 'not a file');
    } catch (error) {
      if (error instanceof SourceError) throw error;
      throw new SourceError('not-found', name, 'no such object', { cause: error });
    }
    let encoding: string | undefined;
    try {
      encoding = await this.#contentEncoding(resolveInside(this.#root, name));
    } catch (error) {
      throw new SourceError('fetch', name, (error as Error).message, { cause: error });
    }
    const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
    if (encoding !== 'gzip') return wrapErrors(stream, name);
    // Decode as GCS clients do; a damaged or cut gzip stream fails the read like a broken download would.
    // pipeline() closes the file when the consumer stops early; its errors reach the reader through gunzip.
    const gunzip = pipeline(stream, createGunzip(), () => {});
    return wrapErrors(gunzip, name, 'stored gzip data is damaged or cut short');
  }

  /** The real path of `file`, which must be inside the root; not-found when it does not exist. */
  async #real(file: string, name: string): Promise<string> {
    let real: string;
    try {
      real = await realpath(file);
    } catch (error) {
      throw new SourceError('not-found', name, 'no such object', { cause: error });
    }
    if (!this.#inside(real)) throw new SourceError('outside-source', name, OUTSIDE);
    return real;
  }

  #inside(real: string): boolean {
    return real === this.#root || real.startsWith(this.#root + path.sep);
  }

  /** The sidecar's content encoding; a sidecar that leads outside the root counts as none. */
  async #contentEncoding(file: string): Promise<string | undefined> {
    const sidecar = await realpath(file + SIDECAR_SUFFIX).catch(() => undefined);
    if (sidecar === undefined || !this.#inside(sidecar)) return undefined;
    return readContentEncoding(sidecar, path.basename(file + SIDECAR_SUFFIX));
  }

  /**
   * The directory of a listing's prefix ('' or ending with '/'), resolved: its real path, or a refusal when it leads
   * outside the root, or undefined when it does not exist.
   */
  async #startDir(dirPart: string): Promise<{ real: string } | { refused: RefusedEntry } | undefined> {
    const real = await realpath(resolveInside(this.#root, dirPart)).catch(() => undefined);
    if (real === undefined) return undefined;
    if (!this.#inside(real)) return { refused: { name: dirPart, reason: OUTSIDE } };
    return { real };
  }

  /**
   * What a directory entry is once symbolic links are followed: a directory (real path), a file (real path), or
   * refused. Other entries (sockets, devices) are nothing.
   */
  async #follow(dir: string, dirent: Dirent, key: string): Promise<{ dir: string } | { file: string } | { refused: RefusedEntry } | undefined> {
    const full = path.join(dir, dirent.name);
    if (dirent.isDirectory()) return { dir: full };
    if (dirent.isFile()) return { file: full };
    if (!dirent.isSymbolicLink()) return undefined;
    const real = await realpath(full).catch(() => undefined);
    if (real === undefined) return { refused: { name: key, reason: 'a symbolic link to nothing (its target does not exist); skipped' } };
    const info = await stat(real).catch(() => undefined);
    if (!this.#inside(real)) return { refused: { name: info?.isDirectory() ? `${key}/` : key, reason: OUTSIDE } };
    if (info?.isDirectory()) return { dir: real };
    return info?.isFile() ? { file: real } : undefined;
  }

  /** Entries directly under prefix's directory whose names start with the remainder of prefix. */
  async #listShallow(prefix: string, delimiter: string): Promise<Listing> {
    if (delimiter !== '/') throw new SourceError('invalid-name', prefix, `the local source supports only "/" as delimiter, not ${JSON.stringify(delimiter)}`);
    const slash = prefix.lastIndexOf('/');
    const dirPart = prefix.slice(0, slash + 1);
    const namePart = prefix.slice(slash + 1);
    const listing: Listing = { entries: [], refused: [] };
    const start = await this.#startDir(dirPart);
    if (start === undefined) return listing;
    if ('refused' in start) return { entries: [], refused: [start.refused] };
    let dirents: Dirent[];
    try {
      dirents = await readdir(start.real, { withFileTypes: true });
    } catch {
      return listing;
    }
    const sidecars = sidecarsOf(dirents);
    for (const dirent of dirents) {
      if (!dirent.name.startsWith(namePart) || dirent.name.endsWith(SIDECAR_SUFFIX)) continue;
      const key = dirPart + dirent.name;
      const found = await this.#follow(start.real, dirent, key);
      if (found === undefined) continue;
      if ('refused' in found) listing.refused.push(found.refused);
      else if ('dir' in found) listing.entries.push({ key: `${key}/` });
      else listing.entries.push({ key, object: await objectInfo(found.file, key, sidecars.has(dirent.name)) });
    }
    listing.entries.sort(byKey);
    return listing;
  }

  async #listDeep(prefix: string): Promise<Listing> {
    const slash = prefix.lastIndexOf('/');
    const dirPart = prefix.slice(0, slash + 1);
    const listing: Listing = { entries: [], refused: [] };
    const start = await this.#startDir(dirPart);
    if (start === undefined) return listing;
    if ('refused' in start) return { entries: [], refused: [start.refused] };
    // The real directories above: a link back to one of them cannot make the walk go round forever.
    const walk = async (dir: string, rel: string, above: ReadonlySet<string>): Promise<void> => {
      if (above.has(dir)) {
        listing.refused.push({ name: rel, reason: 'a symbolic link to a folder above it (a loop); not followed' });
        return;
      }
      const chain = new Set(above).add(dir);
      let dirents: Dirent[];
      try {
        dirents = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      const sidecars = sidecarsOf(dirents);
      for (const dirent of dirents) {
        if (dirent.name.endsWith(SIDECAR_SUFFIX)) continue;
        const key = rel + dirent.name;
        // Only descend where names can still match the prefix.
        const underPrefix = key.startsWith(prefix) || `${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`);
        if (!underPrefix) continue;
        const found = await this.#follow(dir, dirent, key);
        if (found === undefined) continue;
        if ('refused' in found) listing.refused.push(found.refused);
        else if ('dir' in found) await walk(found.dir, `${key}/`, chain);
        else if (key.startsWith(prefix)) listing.entries.push({ key, object: await objectInfo(found.file, key, sidecars.has(dirent.name)) });
      }
    };
    await walk(start.real, dirPart, new Set());
    listing.entries.sort(byKey);
    listing.refused.sort((a, b) => compareKeys(a.name, b.name));
    return listing;
  }
}

interface Entry {
  key: string;
  object?: ObjectInfo;
}

function byKey(a: Entry, b: Entry): number {
  return compareKeys(a.key, b.key);
}

/** GCS sorts by the UTF-8 bytes of the name; Buffer.compare gives the same order. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The first index whose key passes `test` (false for a prefix of the sorted entries, then true), by bisection. */
function firstIndex(entries: Entry[], test: (key: string) => boolean): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (test(entries[mid]!.key)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Names of the objects in a directory listing that have a sidecar (the sidecar's name minus its suffix). */
function sidecarsOf(dirents: Array<{ name: string; isFile(): boolean }>): Set<string> {
  const names = new Set<string>();
  for (const dirent of dirents) if (dirent.isFile() && dirent.name.endsWith(SIDECAR_SUFFIX)) names.add(dirent.name.slice(0, -SIDECAR_SUFFIX.length));
  return names;
}

/** Size as stored (compressed when gzip-encoded), as GCS reports it. */
async function objectInfo(file: string, name: string, hasSidecar: boolean): Promise<ObjectInfo> {
  const info = await stat(file);
  const object: ObjectInfo = { name, size: info.size, updated: info.mtime.toISOString(), generation: String(Math.floor(info.mtimeMs * 1000)) };
  if (hasSidecar) {
    // A broken sidecar is reported when the object is read; a listing goes on without it.
    const encoding = await readContentEncoding(file + SIDECAR_SUFFIX, path.basename(file + SIDECAR_SUFFIX)).catch(() => undefined);
    if (encoding !== undefined) object.contentEncoding = encoding;
  }
  return object;
}

/** contentEncoding from a sidecar file (`name` as the error names it), undefined without one. Throws when it is unreadable. */
async function readContentEncoding(sidecar: string, name: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(sidecar, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch (error) {
    throw new Error(`metadata sidecar ${name} is not valid JSON (${(error as Error).message}); fix or delete it`);
  }
  const encoding = (meta as { contentEncoding?: unknown } | null)?.contentEncoding;
  return typeof encoding === 'string' && encoding !== '' ? encoding : undefined;
}

async function* wrapErrors(stream: AsyncIterable<Uint8Array>, name: string, what = 'read failed'): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk;
  } catch (error) {
    throw new SourceError('fetch', name, `${what}: ${(error as Error).message}`, { cause: error });
  }
}
