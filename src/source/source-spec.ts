/**
 * A source as plain data, so that worker threads (src/ingest/ingest-pool.ts) can open their own copy of the source
 * the main thread reads: a BucketSource holds sockets and closures, which cannot cross threads. Types only: the
 * sources import it, and open-source.ts turns a spec into a source.
 */

type GcsAuthMode = 'auto' | 'anonymous' | 'adc';

/** What a GCS source needs to open: plain data (see gcs-source.ts for the defaults). */
export interface GcsSourceSettings {
  bucket: string;
  /** Root inside the bucket: names given to and returned by the source are relative to it. */
  prefix?: string;
  /** API endpoint such as http://127.0.0.1:4443. Default: STORAGE_EMULATOR_HOST when set, else Google's. */
  endpoint?: string;
  /** 'auto' (default): ADC when credentials are configured, else anonymous. */
  auth?: GcsAuthMode;
  /** Requests in flight at once. Default 32. */
  concurrency?: number;
  /** Time limit of one request: until the response is complete (buffered reads, listings) or between chunks. Default 30 s. */
  requestTimeoutMs?: number;
  /** Further attempts after a retryable failure. Default 5. */
  retries?: number;
  /** First backoff cap; doubles per retry up to maxDelayMs. Defaults 250 ms and 10 s. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Epoch ms: no request starts after it; operations still running fail with SourceError('timeout'). */
  deadline?: number;
  /** Objects up to this size (decoded bytes) are read into memory and retried whole. Default 8 MiB. */
  bufferLimitBytes?: number;
  /**
   * Checksum of downloaded bytes against the object's: 'crc32c' (default; every object has one; ~500 MB/s with
   * crc32c.ts, a few % of an ingest's CPU), 'md5' (hashed natively, but composite objects have no MD5 and then fail
   * to read), or false (rely on Content-Length and gzip framing alone).
   */
  validation?: 'crc32c' | 'md5' | false;
}

export type SourceSpec = { type: 'local'; root: string; bucket: string } | { type: 'gcs'; options: GcsSourceSettings };
