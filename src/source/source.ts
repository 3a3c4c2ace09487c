import type { SourceSpec } from './source-spec.ts';

/**
 * A bucket source: the small interface every place Ratchet reads Prow results from implements.
 * Object names are bucket-relative ("logs/<job>/<build>/started.json"), always with '/' separators.
 * Implementations: local-source.ts (a directory laid out like a bucket) and gcs-source.ts.
 */

export interface ObjectInfo {
  /** Full object name, relative to the bucket root (never starts with '/'). */
  name: string;
  /** Size in bytes as stored (compressed size when contentEncoding is gzip). */
  size: number;
  /** Last modification time, ISO 8601, when the source knows it. */
  updated?: string;
  /** 'gzip' when the object is stored compressed; read() always yields decoded bytes. */
  contentEncoding?: string;
  /**
   * Changes whenever the object's content is written again (GCS: the object's generation; a local file: its
   * modification time in microseconds). With the size it tells whether an object changed without reading it.
   */
  generation?: string;
}

export interface ListOptions {
  /** Group names after this delimiter into `prefixes` (directory-style listing). */
  delimiter?: string;
  /** Continue a previous listing. */
  pageToken?: string;
  /** Page size; the source may return fewer. */
  maxResults?: number;
  /** Only names lexicographically >= this (GCS startOffset). */
  startOffset?: string;
}

export interface ListPage {
  objects: ObjectInfo[];
  /** Sub-prefixes (each ends with the delimiter) when a delimiter was given. */
  prefixes: string[];
  nextPageToken?: string;
  /**
   * Entries the source would not list, with why (the local source refuses symlinks that lead out of its
   * directory). Reported once per listing, on its first page; callers list them as data-quality problems.
   */
  refused?: RefusedEntry[];
}

export interface RefusedEntry {
  /** The object name or prefix (ending with '/') that was refused. */
  name: string;
  reason: string;
}

/** What a read yields: the object's bytes, and the stored checksum they were checked against, if any. */
export interface ObjectBytes extends AsyncIterable<Uint8Array> {
  /**
   * The stored object's checksum ("crc32c:<base64>" or "md5:<base64>") that every one of these bytes was checked
   * against before read() resolved. Absent when that is not so: nothing checked (validation off, a read the server
   * decompressed, a local file), or an object too large to hold, whose stream is checked only at its end. With
   * `generation` it pins what was read, and provenance needs no hash of its own (object-digest.ts).
   */
  readonly checksum?: string;
  /** The generation the source served (GCS: x-goog-generation), given with `checksum`. */
  readonly generation?: string;
}

export interface BucketSource {
  /** Human-readable location, e.g. "gs://test-platform-results" or "/data/sample/bucket". */
  readonly description: string;
  /** The bucket name used to build Prow links (e.g. "test-platform-results"). */
  readonly bucket: string;
  /** One page of a listing under `prefix`. */
  list(prefix: string, options?: ListOptions): Promise<ListPage>;
  /** The object's bytes, decoded (gunzipped when stored with Content-Encoding: gzip). Rejects with SourceError. */
  read(name: string): ObjectBytes | Promise<ObjectBytes>;
  /** Optional cleanup (close sockets, etc.). */
  close?(): Promise<void>;
  /**
   * How to open an equivalent source in another thread (plain data; see source-spec.ts and open-source.ts). Without it, fetching runs
   * stays on the calling thread.
   */
  readonly spec?: SourceSpec;
}

/**
 * not-found, fetch and timeout: the object is missing or could not be downloaded. invalid-name: the name is not one a
 * source accepts. too-large: the object is over the size a caller allowed (readText's maxBytes, limitBytes).
 * outside-source: the name leads out of the source (a local symlink to elsewhere).
 */
export type SourceErrorKind = 'not-found' | 'fetch' | 'timeout' | 'invalid-name' | 'too-large' | 'outside-source';

/** An object could not be listed or read. `object` names it; `kind` says why. */
export class SourceError extends Error {
  readonly object: string;
  readonly kind: SourceErrorKind;
  constructor(kind: SourceErrorKind, object: string, message: string, options?: { cause?: unknown }) {
    super(`${object}: ${message}`, options);
    this.name = 'SourceError';
    this.kind = kind;
    this.object = object;
  }
}

/** Every page of a listing, in the order the source returns them. */
export async function* listAll(source: BucketSource, prefix: string, options: Omit<ListOptions, 'pageToken'> = {}): AsyncGenerator<ListPage> {
  let pageToken: string | undefined;
  do {
    const page = await source.list(prefix, pageToken === undefined ? options : { ...options, pageToken });
    yield page;
    pageToken = page.nextPageToken;
  } while (pageToken);
}

/**
 * Read a whole (small) object as UTF-8 text. With `maxBytes`, reading stops (and the download is closed) as soon as
 * the decoded bytes exceed it: SourceError('too-large'). Memory stays within the limit however large the object.
 */
export async function readText(source: BucketSource, name: string, options: { maxBytes?: number | null } = {}): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of limitBytes(await source.read(name), name, options.maxBytes)) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Pass an object's chunks through, failing with SourceError('too-large') once more than `maxBytes` went by (no limit
 * when null or undefined). Stopping ends the caller's loop, which closes the download.
 */
export async function* limitBytes(stream: AsyncIterable<Uint8Array>, name: string, maxBytes: number | null | undefined): AsyncGenerator<Uint8Array> {
  if (maxBytes === null || maxBytes === undefined) {
    yield* stream;
    return;
  }
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new SourceError('too-large', name, `more than ${formatBytes(maxBytes)} when decoded; reading stopped there`);
    yield chunk;
  }
}

/** Bytes as a reader would say them: "512 B", "16 MB", "1.5 GB" (binary multiples, as the limits are set). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
