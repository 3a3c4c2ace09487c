/**
 * A directory laid out exactly like a bucket: object "logs/job/1/started.json" is the file
 * <root>/logs/job/1/started.json. Listing follows GCS semantics (lexicographic order, prefix,
 * delimiter, pages), so discovery code cannot tell it from the GCS source.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { BucketSource, ListOptions, ListPage, ObjectInfo } from './source.ts';
import { SourceError } from './source.ts';
import { isSafeObjectName, resolveInside } from '../util/safe-name.ts';
import { UsageError } from '../util/errors.ts';

const DEFAULT_PAGE = 1000;

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
  readonly #root: string;

  constructor(root: string, bucket: string) {
    this.#root = root;
    this.description = root;
    this.bucket = bucket;
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
    const file = resolveInside(this.#root, name);
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new SourceError('not-found', name, 'not a file');
    } catch (error) {
      if (error instanceof SourceError) throw error;
      throw new SourceError('not-found', name, 'no such object', { cause: error });
    }
    const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
    return wrapErrors(stream, name);
  }

  /** Entries directly under prefix's directory whose names start with the remainder of prefix. */
  async #listShallow(prefix: string, delimiter: string): Promise<Entry[]> {
    if (delimiter !== '/') throw new SourceError('invalid-name', prefix, `the local source supports only "/" as delimiter, not ${JSON.stringify(delimiter)}`);
    const slash = prefix.lastIndexOf('/');
    const dirPart = prefix.slice(0, slash + 1);
    const namePart = prefix.slice(slash + 1);
    const dir = resolveInside(this.#root, dirPart);
    let dirents;
    try {
      dirents = await readdir(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    const entries: Entry[] = [];
    for (const dirent of dirents) {
      if (!dirent.name.startsWith(namePart)) continue;
      const key = dirPart + dirent.name;
      if (dirent.isDirectory()) entries.push({ key: key + '/' });
      else if (dirent.isFile()) entries.push({ key, object: await objectInfo(path.join(dir, dirent.name), key) });
    }
    return entries.sort(byKey);
  }

  async #listDeep(prefix: string): Promise<Entry[]> {
    const slash = prefix.lastIndexOf('/');
    const dirPart = prefix.slice(0, slash + 1);
    const start = resolveInside(this.#root, dirPart);
    const entries: Entry[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let dirents;
      try {
        dirents = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const dirent of dirents) {
        const key = rel + dirent.name;
        if (dirent.isDirectory()) {
          // Only descend where names can still match the prefix.
          if ((key + '/').startsWith(prefix) || prefix.startsWith(key + '/')) await walk(path.join(dir, dirent.name), key + '/');
        } else if (dirent.isFile() && key.startsWith(prefix)) {
          entries.push({ key, object: await objectInfo(path.join(dir, dirent.name), key) });
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

async function objectInfo(file: string, name: string): Promise<ObjectInfo> {
  const info = await stat(file);
  return { name, size: info.size, updated: info.mtime.toISOString() };
}

async function* wrapErrors(stream: AsyncIterable<Uint8Array>, name: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk;
  } catch (error) {
    throw new SourceError('fetch', name, `read failed: ${(error as Error).message}`, { cause: error });
  }
}
