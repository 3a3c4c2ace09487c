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
}

export interface BucketSource {
  /** Human-readable location, e.g. "gs://test-platform-results" or "/data/sample/bucket". */
  readonly description: string;
  /** The bucket name used to build Prow links (e.g. "test-platform-results"). */
  readonly bucket: string;
  /** One page of a listing under `prefix`. */
  list(prefix: string, options?: ListOptions): Promise<ListPage>;
  /** The object's bytes, decoded (gunzipped when stored with Content-Encoding: gzip). Rejects with SourceError. */
  read(name: string): AsyncIterable<Uint8Array> | Promise<AsyncIterable<Uint8Array>>;
  /** Optional cleanup (close sockets, etc.). */
  close?(): Promise<void>;
  /**
   * How to open an equivalent source in another thread (plain data; see source-spec.ts and open-source.ts). Without it, fetching runs
   * stays on the calling thread.
   */
  readonly spec?: SourceSpec;
}

export type SourceErrorKind = 'not-found' | 'fetch' | 'timeout' | 'invalid-name';

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

/** Read a whole (small) object as UTF-8 text. */
export async function readText(source: BucketSource, name: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of await source.read(name)) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
