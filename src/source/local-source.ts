/**
 * A directory laid out exactly like a bucket: object "logs/job/1/started.json" is the file
 * <root>/logs/job/1/started.json. Listing follows GCS semantics (lexicographic order, prefix,
 * delimiter, pages), so discovery code cannot tell it from the GCS source.
 *
 * Objects stored gzip-encoded (Content-Encoding: gzip in GCS) follow the test server's convention
 * (test/support/gcs-test-server.ts): the file holds the gzip bytes and a sidecar
 * `<name>.gcsmeta.json` says {"contentEncoding":"gzip"}. Sidecars are not objects: listings hide
 * them, and read() yields the decoded bytes, so a tree read from here and through GCS agrees.
 */
import { createReadStream, type Dirent, existsSync, statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { BucketSource, ListOptions, ListPage, ObjectInfo } from './source.ts';
import type { SourceSpec } from './source-spec.ts';
import { SourceError } from './source.ts';
import { isSafeObjectName, resolveInside } from '../util/safe-name.ts';
import { UsageError } from '../util/errors.ts';

const DEFAULT_PAGE = 1000;

/** Metadata sidecar of an object (same suffix as the test server's). */
const SIDECAR_SUFFIX = '.gcsmeta.json';

export interface LocalSourceOptions {
  /** Bucket name to use in Prow links (default: the directory's name). */
  bucket?: string;
}

export function createLocalSource(root: string, options: LocalSourceOptions = {}): BucketSource {
  const dir = path.resolve(root);
  if (!existsSync(dir)) throw new UsageError(`source directory ${dir} does not exist: pass --source <dir> with a Prow bucket layout (logs/<job>/<build>/…)`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`source ${dir} is not a directory`);
  return new LocalSource(dir, options.bucket ?? path.basename(dir));
}

class LocalSource implements BucketSource {
  readonly description: string;
  readonly bucket: string;
  readonly spec: SourceSpec;
  readonly #root: string;

  constructor(root: string, bucket: string) {
    this.#root = root;
    this.description = root;
    this.bucket = bucket;
    this.spec = { type: 'local', root, bucket };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    if (prefix !== '' && !isSafeObjectName(prefix)) throw new SourceError('invalid-name', prefix, 'unsafe listing prefix');
    const all = options.delimiter ? await this.#listShallow(prefix, options.delimiter) : await this.#listDeep(prefix);
    // GCS orders by name; pages continue after the last name returned.
    let entries = all;
    const { pageToken, startOffset } = options;
    if (pageToken !== undefined) entries = entries.filter((e) => e.key > pageToken);
    if (startOffset !== undefined) entries = entries.filter((e) => e.key >= startOffset);
    const max = options.maxResults ?? DEFAULT_PAGE;
    const page = entries.slice(0, max);
    const result: ListPage = {
      objects: page.filter((e) => e.object).map((e) => e.object!),
      prefixes: page.filter((e) => !e.object).map((e) => e.key),
    };
    if (entries.length > max) result.nextPageToken = page[page.length - 1]!.key;
    return result;
  }

  async read(name: string): Promise<AsyncIterable<Uint8Array>> {
    if (!isSafeObjectName(name)) throw new SourceError('invalid-name', name, 'unsafe object name');
    if (name.endsWith(SIDECAR_SUFFIX)) throw new SourceError('not-found', name, 'no such object (metadata sidecars are not objects)');
    const file = resolveInside(this.#root, name);
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new SourceError('not-found', name, 'not a file');
    } catch (error) {
      if (error instanceof SourceError) throw error;
      throw new SourceError('not-found', name, 'no such object', { cause: error });
    }
    let encoding: string | undefined;
    try {
      encoding = await readContentEncoding(file);
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

  /** Entries directly under prefix's directory whose names start with the remainder of prefix. */
  async #listShallow(prefix: string, delimiter: string): Promise<Entry[]> {
    if (delimiter !== '/') throw new SourceError('invalid-name', prefix, `the local source supports only "/" as delimiter, not ${JSON.stringify(delimiter)}`);
    const slash = prefix.lastIndexOf('/');
    const dirPart = prefix.slice(0, slash + 1);
    const namePart = prefix.slice(slash + 1);
    const dir = resolveInside(this.#root, dirPart);
    let dirents: Dirent[];
    try {
      dirents = await readdir(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    const entries: Entry[] = [];
    const sidecars = sidecarsOf(dirents);
    for (const dirent of dirents) {
      if (!dirent.name.startsWith(namePart)) continue;
      const key = dirPart + dirent.name;
      if (dirent.isDirectory()) entries.push({ key: `${key}/` });
      else if (dirent.isFile() && !dirent.name.endsWith(SIDECAR_SUFFIX)) {
        entries.push({ key, object: await objectInfo(path.join(dir, dirent.name), key, sidecars.has(dirent.name)) });
      }
    }
    return entries.sort(byKey);
  }

  async #listDeep(prefix: string): Promise<Entry[]> {
    const slash = prefix.lastIndexOf('/');
    const dirPart = prefix.slice(0, slash + 1);
    const start = resolveInside(this.#root, dirPart);
    const entries: Entry[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let dirents: Dirent[];
      try {
        dirents = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      const sidecars = sidecarsOf(dirents);
      for (const dirent of dirents) {
        const key = rel + dirent.name;
        if (dirent.isDirectory()) {
          // Only descend where names can still match the prefix.
          if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(path.join(dir, dirent.name), `${key}/`);
        } else if (dirent.isFile() && key.startsWith(prefix) && !dirent.name.endsWith(SIDECAR_SUFFIX)) {
          entries.push({ key, object: await objectInfo(path.join(dir, dirent.name), key, sidecars.has(dirent.name)) });
        }
      }
    };
    await walk(start, dirPart);
    return entries.sort(byKey);
  }
}

interface Entry {
  key: string;
  object?: ObjectInfo;
}

function byKey(a: Entry, b: Entry): number {
  // GCS sorts by the UTF-8 bytes of the name; Buffer.compare gives the same order.
  return Buffer.compare(Buffer.from(a.key), Buffer.from(b.key));
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
  const object: ObjectInfo = { name, size: info.size, updated: info.mtime.toISOString() };
  if (hasSidecar) {
    // A broken sidecar is reported when the object is read; a listing goes on without it.
    const encoding = await readContentEncoding(file).catch(() => undefined);
    if (encoding !== undefined) object.contentEncoding = encoding;
  }
  return object;
}

/** contentEncoding from the file's sidecar, undefined without one. Throws when the sidecar is unreadable. */
async function readContentEncoding(file: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file + SIDECAR_SUFFIX, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch (error) {
    throw new Error(`metadata sidecar ${path.basename(file)}${SIDECAR_SUFFIX} is not valid JSON (${(error as Error).message}); fix or delete it`);
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
