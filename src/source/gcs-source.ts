/**
 * A BucketSource over Google Cloud Storage: listings through @google-cloud/storage, object reads (media downloads)
 * as plain HTTP GETs of the same JSON API URL.
 *
 * Decisions (details next to the code):
 * - Retries: ours only (retry.ts). The client's retry-request layer is switched off, so an attempt is exactly one
 *   HTTP request, onRetry sees every failure, and deadlines and timeouts apply to the whole operation.
 * - Per-request timeout: ours too. The client's `timeout` is ignored by its node-fetch 3 transport.
 * - Reads bypass the client: its request and stream layers cost about 1 ms of CPU per download, more than
 *   parsing a JSON file many times the size (bench/ingest.ts). readMedia sends one GET with Node's keep-alive
 *   agent, the client's auth headers when the client would send any, and checks the response itself.
 * - Reads: objects are buffered in memory up to `bufferLimitBytes` (8 MiB), so a failure anywhere in a small
 *   object is retried from scratch without the caller noticing. A larger object is handed to the caller as a
 *   stream once the first 8 MiB are in; a failure after that surfaces as SourceError('fetch') and the caller must
 *   read the object again (bytes already yielded cannot be taken back).
 * - gzip: we ask for gzip (Accept-Encoding), so GCS sends gzip-encoded objects as stored; the stored bytes are
 *   checked against Content-Length and the crc32c in x-goog-hash, then gunzipped. Validation stays on by default:
 *   it catches a body cut short or corrupted in a way the transport did not notice. Our own crc32c (crc32c.ts)
 *   keeps its CPU cost small; see `validation`.
 * - Auth: anonymous unless Application Default Credentials exist (see resolveSettings). A custom endpoint
 *   (option or STORAGE_EMULATOR_HOST) is always anonymous unless auth: 'adc' is given.
 * - Shape: createGcsSource checks the options (resolveSettings), sets up the client (openStorage) and hands
 *   listings and reads to a GcsClient, which holds what they share: the request limit and the closed flag.
 */
import { createHash, type Hash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Storage, type Bucket, type StorageOptions } from '@google-cloud/storage';
import { PassThroughClient } from 'google-auth-library';
import pLimit from 'p-limit';
import { isSafeObjectName } from '../util/safe-name.ts';
import { crc32cBase64, crc32cUpdate, FastCrc32c } from './crc32c.ts';
import { SourceError, type BucketSource, type ListOptions, type ListPage, type ObjectBytes, type ObjectInfo } from './source.ts';
import type { GcsAuthMode, GcsSourceSettings } from './source-spec.ts';
import {
  AttemptTimeoutError,
  RetryGiveUpError,
  TruncatedBodyError,
  describeError,
  httpStatusOf,
  withRetry,
  type RetryOptions,
  type RetryReason,
} from './retry.ts';

type DecoratedRequest = ReturnType<Storage['interceptors'][number]['request']>;

export interface GcsRetryInfo {
  operation: 'list' | 'read';
  /** Object name or listing prefix, relative to the source root. */
  object: string;
  /** The attempt that failed, 1-based. */
  attempt: number;
  delayMs: number;
  reason: RetryReason;
  /** One line describing the failure. */
  message: string;
}

/** The GCS source's settings plus the callbacks that stay with the thread that created it. */
export interface GcsSourceOptions extends GcsSourceSettings {
  onRetry?(info: GcsRetryInfo): void;
  /** Jitter source, for deterministic tests. */
  random?: () => number;
}

const DEFAULTS = {
  concurrency: 32,
  requestTimeoutMs: 30_000,
  retries: 5,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  bufferLimitBytes: 8 * 1024 * 1024,
};

// Only the fields we map: on real GCS a full object resource is ~1 KB of JSON, listings of 1,000 objects shrink
// by about 90 %.
const LIST_FIELDS = 'items(name,size,updated,contentEncoding,generation),prefixes,nextPageToken';

/** gs://bucket[/prefix] → { bucket, prefix }; prefix is '' or ends with '/'. Throws on anything else. */
export function parseGsUrl(url: string): { bucket: string; prefix: string } {
  const example = 'expected gs://<bucket>[/<prefix>], e.g. gs://test-platform-results/logs/';
  if (typeof url !== 'string' || !url.startsWith('gs://')) {
    throw new Error(`"${String(url)}" is not a gs:// URL: ${example}`);
  }
  const rest = url.slice('gs://'.length);
  if (/[\s?#\\]/.test(rest)) {
    throw new Error(`"${url}" contains whitespace, '?', '#' or '\\', which a gs:// URL cannot hold: ${example}`);
  }
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  let prefix = slash < 0 ? '' : rest.slice(slash + 1);
  const bucketProblem = checkBucketName(bucket);
  if (bucketProblem) throw new Error(`"${url}": bucket name "${bucket}" ${bucketProblem}; ${example}`);
  if (prefix.startsWith('/') || prefix.includes('//')) {
    throw new Error(`"${url}": the prefix "${prefix}" has an empty path segment ('//'); remove the extra '/'`);
  }
  if (prefix.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new Error(`"${url}": '.' and '..' are not path operators in GCS; write the prefix out in full`);
  }
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  return { bucket, prefix };
}

function checkBucketName(bucket: string): string | undefined {
  if (bucket === '') return 'is empty';
  const dotted = bucket.includes('.');
  if (bucket.length < 3 || bucket.length > (dotted ? 222 : 63)) return `must be 3 to ${dotted ? 222 : 63} characters long`;
  if (!/^[a-z0-9][a-z0-9._-]*[a-z0-9]$/.test(bucket)) {
    return 'may hold only lower-case letters, digits, "-", "_" and ".", and must start and end with a letter or digit';
  }
  if (dotted && bucket.split('.').some((part) => part.length === 0 || part.length > 63)) {
    return 'has an empty or over-long (> 63 characters) dot-separated part';
  }
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) return 'looks like an IP address, which GCS does not allow';
  return undefined;
}

/**
 * Why an object name is unusable, or undefined when it is fine. The rule is the one the local source applies
 * (util/safe-name.ts), so both sources accept exactly the same names.
 */
function checkObjectName(name: string, allowEmpty: boolean): string | undefined {
  if (typeof name !== 'string') return 'is not a string';
  if (name === '') return allowEmpty ? undefined : 'is empty';
  if (isSafeObjectName(name)) return undefined;
  return "is not a safe object name: it must be bucket-relative (no leading '/'), at most 1,024 characters, without '.', '..' or empty segments, backslashes or control characters";
}

/**
 * Where ADC would come from without asking the network: the GOOGLE_APPLICATION_CREDENTIALS file or gcloud's
 * well-known file. Credentials from the GCE metadata server are not detected here (probing it means network
 * traffic and seconds of timeout off GCP); on GCP pass auth: 'adc'.
 */
export function hasApplicationDefaultCredentials(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): boolean {
  if (env.GOOGLE_APPLICATION_CREDENTIALS) return true;
  const configDir = env.CLOUDSDK_CONFIG ?? (process.platform === 'win32' && env.APPDATA ? join(env.APPDATA, 'gcloud') : join(home, '.config', 'gcloud'));
  return existsSync(join(configDir, 'application_default_credentials.json'));
}

/** Endpoint as a URL with scheme and no trailing '/': emulators are plain HTTP when no scheme is given. */
function normaliseEndpoint(endpoint: string, origin: string): string {
  const trimmed = endpoint.trim().replace(/\/+$/, '');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Error(`${origin} "${endpoint}" is not a valid URL; expected e.g. http://127.0.0.1:4443`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${origin} "${endpoint}" must use http or https, not ${url.protocol}`);
  }
  return withScheme;
}

function positive(value: number | undefined, fallback: number, what: string, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(`createGcsSource: ${what} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${value}`);
  }
  return value;
}

export function createGcsSource(options: GcsSourceOptions): BucketSource {
  const settings = resolveSettings(options);
  const client = new GcsClient(options, settings, openStorage(options, settings));
  // Everything but the callbacks, so that worker threads can open the same source (source-spec.ts, open-source.ts).
  const { onRetry: _onRetry, random: _random, ...spec } = options;
  return {
    description: client.description,
    bucket: options.bucket,
    spec: { type: 'gcs', options: spec },
    list: (prefix, listOptions) => client.list(prefix, listOptions),
    read: (name) => client.read(name),
    async close() {
      client.close();
    },
  };
}

/** The options checked, with defaults filled in, the endpoint resolved and the auth mode decided. */
interface ResolvedSettings {
  /** The prefix inside the bucket, '' or ending with '/'. */
  root: string;
  concurrency: number;
  requestTimeoutMs: number;
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  validation: 'crc32c' | 'md5' | false;
  bufferLimitBytes: number;
  /** STORAGE_EMULATOR_HOST as found in the environment. */
  emulatorHost: string | undefined;
  /** The API endpoint with its scheme, or undefined for Google's. */
  endpoint: string | undefined;
  authMode: GcsAuthMode;
  anonymous: boolean;
}

function resolveSettings(options: GcsSourceOptions): ResolvedSettings {
  const bucketProblem = checkBucketName(options.bucket);
  if (bucketProblem) throw new Error(`createGcsSource: bucket name "${options.bucket}" ${bucketProblem}`);
  let root = options.prefix ?? '';
  if (root !== '') {
    const problem = checkObjectName(root, false);
    if (problem) throw new Error(`createGcsSource: prefix "${root}" ${problem}`);
    if (!root.endsWith('/')) root += '/';
  }
  const concurrency = positive(options.concurrency, DEFAULTS.concurrency, 'concurrency');
  const requestTimeoutMs = positive(options.requestTimeoutMs, DEFAULTS.requestTimeoutMs, 'requestTimeoutMs');
  const retries = positive(options.retries, DEFAULTS.retries, 'retries', true);
  const baseDelayMs = positive(options.baseDelayMs, DEFAULTS.baseDelayMs, 'baseDelayMs', true);
  const maxDelayMs = positive(options.maxDelayMs, DEFAULTS.maxDelayMs, 'maxDelayMs', true);
  const validation = options.validation ?? 'crc32c';
  const bufferLimitBytes = positive(options.bufferLimitBytes, DEFAULTS.bufferLimitBytes, 'bufferLimitBytes', true);
  if (!Number.isInteger(retries)) throw new RangeError(`createGcsSource: retries must be a whole number, got ${retries}`);

  const emulatorHost = process.env.STORAGE_EMULATOR_HOST;
  const endpoint =
    options.endpoint !== undefined
      ? normaliseEndpoint(options.endpoint, 'endpoint')
      : emulatorHost
        ? normaliseEndpoint(emulatorHost, 'STORAGE_EMULATOR_HOST')
        : undefined;
  const authMode = options.auth ?? 'auto';
  const anonymous = authMode === 'anonymous' || (authMode === 'auto' && (endpoint !== undefined || !hasApplicationDefaultCredentials()));
  return { root, concurrency, requestTimeoutMs, retries, baseDelayMs, maxDelayMs, validation, bufferLimitBytes, emulatorHost, endpoint, authMode, anonymous };
}

/** The @google-cloud/storage client, set up for our retries, our endpoint and our auth. */
function openStorage(options: GcsSourceOptions, settings: ResolvedSettings): Storage {
  const { endpoint, emulatorHost, authMode, anonymous } = settings;
  const storageOptions: StorageOptions = {
    // autoRetry: false is the switch that matters: the constructor treats maxRetries: 0 as "unset" and puts
    // back its default of 3, which would multiply every one of our attempts by four.
    retryOptions: { autoRetry: false, maxRetries: 0 },
    // The client's own crc32c reads byte by byte (~55 MB/s, slower than parsing what it checks).
    crc32cGenerator: () => new FastCrc32c(),
  };
  if (endpoint !== undefined) storageOptions.apiEndpoint = endpoint;
  // A PassThroughClient adds no Authorization header and never looks for credentials. Without it the client
  // looks for ADC before each request, pings the GCE metadata server over the network (seconds of timeout off
  // GCP), and only sends the request anonymously once that has failed.
  if (anonymous) storageOptions.authClient = new PassThroughClient();
  // With a custom endpoint the client skips authentication entirely unless told otherwise.
  if (endpoint !== undefined && authMode === 'adc') storageOptions.useAuthWithCustomEndpoint = true;
  const storage = new Storage(storageOptions);
  if (endpoint !== undefined && emulatorHost !== undefined) {
    // When STORAGE_EMULATOR_HOST is set the client sends JSON API calls to it verbatim, ignoring apiEndpoint,
    // and breaks on a value without scheme ("localhost:4443"). Pin the base URL to what we resolved: an
    // explicit endpoint wins, and the emulator keeps its /b/... path style.
    storage.baseUrl = options.endpoint !== undefined ? `${endpoint}/storage/v1` : endpoint;
  }
  // The client pools sockets in one shared keep-alive agent and, whenever a download fails, destroys that
  // whole agent (a node-fetch 2 leak workaround): every other download in flight dies with it, so one fault
  // among 32 parallel reads would cause up to 31 more. Without `forever` the transport uses Node's global
  // agent (keep-alive by default since Node 19) and the client has no agent of its own to destroy.
  storage.interceptors.push({ request: (reqOpts) => ({ ...reqOpts, forever: false }) as DecoratedRequest });
  return storage;
}

/** Listings and reads of one bucket: names checked, requests bounded and retried, failures made SourceErrors. */
class GcsClient {
  readonly description: string;
  private readonly options: GcsSourceOptions;
  private readonly settings: ResolvedSettings;
  private readonly storage: Storage;
  private readonly bucket: Bucket;
  /** Requests in flight. */
  private readonly limit: ReturnType<typeof pLimit>;
  /** The media URL of an object is this plus its encoded name. */
  private readonly mediaBase: string;
  /** Whether reads carry the client's auth headers. */
  private readonly sendAuth: boolean;
  private closed = false;

  constructor(options: GcsSourceOptions, settings: ResolvedSettings, storage: Storage) {
    const { root, endpoint, anonymous, authMode } = settings;
    this.options = options;
    this.settings = settings;
    this.storage = storage;
    this.bucket = storage.bucket(options.bucket);
    this.description = `gs://${options.bucket}${root ? `/${root}` : ''}${endpoint ? ` (via ${endpoint})` : ''}`;
    this.limit = pLimit(settings.concurrency);
    // Media downloads do not go through the client: its layers (teeny-request, node-fetch, retry-request, hash
    // streams) cost about 1 ms of CPU per request, as much as parsing a JSON file many times its size. A read is
    // one plain GET of the JSON API's media URL (the same URL the client uses, so path styles and emulators behave
    // the same), with the client's auth when it would send any (see readMedia).
    this.mediaBase = `${storage.baseUrl}/b/${encodeURIComponent(options.bucket)}/o/`;
    // The client skips auth for a custom endpoint unless useAuthWithCustomEndpoint; anonymous sends none either.
    this.sendAuth = !anonymous && (endpoint === undefined || authMode === 'adc');
  }

  async list(prefix: string, listOptions: ListOptions = {}): Promise<ListPage> {
    const { root } = this.settings;
    this.checkOpen(prefix);
    const problem = checkObjectName(prefix, true);
    if (problem) throw new SourceError('invalid-name', prefix, `listing prefix ${problem}`);
    const query: Record<string, unknown> = { prefix: root + prefix, autoPaginate: false, fields: LIST_FIELDS };
    if (listOptions.delimiter !== undefined) query.delimiter = listOptions.delimiter;
    if (listOptions.pageToken !== undefined) query.pageToken = listOptions.pageToken;
    if (listOptions.maxResults !== undefined) query.maxResults = listOptions.maxResults;
    if (listOptions.startOffset !== undefined) query.startOffset = root + listOptions.startOffset;

    let response: RawListResponse;
    try {
      response = await this.limit(() =>
        withRetry(
          async () => {
            // getFiles resolves [files, nextQuery, apiResponse]; the prefixes exist only in apiResponse, and with
            // `fields` set the "files" are raw JSON anyway, so we read everything from apiResponse.
            const result = (await this.bucket.getFiles(query)) as unknown as [unknown, unknown, RawListResponse | undefined];
            return result[2] ?? {};
          },
          this.retryOptions('list', prefix),
        ),
      );
    } catch (error) {
      throw toSourceError(error, prefix, 'list', this.location(prefix));
    }
    return toListPage(response, root);
  }

  async read(name: string): Promise<ObjectBytes> {
    const { root, validation, bufferLimitBytes, requestTimeoutMs } = this.settings;
    this.checkOpen(name);
    const problem = checkObjectName(name, false);
    if (problem) throw new SourceError('invalid-name', name, `object name ${problem}`);
    const url = `${this.mediaBase}${encodeURIComponent(root + name)}?alt=media`;

    let head: ReadHead;
    try {
      head = await this.limit(() =>
        withRetry(async ({ signal }) => readMedia(url, await this.requestHeaders(url), validation, signal, bufferLimitBytes), this.retryOptions('read', name)),
      );
    } catch (error) {
      throw toSourceError(error, name, 'read', this.location(name));
    }
    const bytes: ObjectBytes =
      head.rest === undefined
        ? fromChunks(head.chunks)
        : streamRest(head.chunks, head.rest, name, this.location(name), requestTimeoutMs, this.options.deadline);
    return head.checksum === undefined ? bytes : Object.assign(bytes, { checksum: head.checksum, generation: head.generation });
  }

  /**
   * New calls are refused; calls already made run to completion, so nobody awaits a promise that never settles.
   * Sockets live in Node's global agent (see openStorage); idle ones are unref'd and do not keep the process alive.
   */
  close(): void {
    this.closed = true;
  }

  private checkOpen(object: string): void {
    if (this.closed) throw new SourceError('fetch', object, `${this.description} was closed; create a new source to read more`);
  }

  private location(name: string): string {
    return `gs://${this.options.bucket}/${this.settings.root}${name}`;
  }

  private retryOptions(operation: 'list' | 'read', object: string): RetryOptions {
    const { options } = this;
    const { retries, baseDelayMs, maxDelayMs, requestTimeoutMs } = this.settings;
    return {
      retries,
      baseDelayMs,
      maxDelayMs,
      attemptTimeoutMs: requestTimeoutMs,
      ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
      ...(options.random ? { random: options.random } : {}),
      onRetry: (info) =>
        options.onRetry?.({
          operation,
          object,
          attempt: info.attempt,
          delayMs: info.delayMs,
          reason: info.reason,
          message: describeError(info.error),
        }),
    };
  }

  private async requestHeaders(url: string): Promise<Record<string, string>> {
    const headers: Record<string, string> = { 'Accept-Encoding': 'gzip' };
    if (this.sendAuth) {
      const auth = (await this.storage.authClient.getRequestHeaders(url)) as Headers | Record<string, string>;
      if (typeof (auth as Headers).forEach === 'function' && typeof (auth as Headers).get === 'function') {
        (auth as Headers).forEach((value, key) => {
          headers[key] = value;
        });
      } else Object.assign(headers, auth);
    }
    return headers;
  }
}

/** A listing response as a page of names relative to the root; anything outside the root is dropped. */
function toListPage(response: RawListResponse, root: string): ListPage {
  const objects: ObjectInfo[] = [];
  for (const item of response.items ?? []) {
    if (typeof item.name !== 'string' || !item.name.startsWith(root)) continue;
    const info: ObjectInfo = { name: item.name.slice(root.length), size: Number(item.size ?? 0) };
    if (item.updated) info.updated = item.updated;
    if (item.contentEncoding) info.contentEncoding = item.contentEncoding;
    if (item.generation !== undefined) info.generation = String(item.generation);
    objects.push(info);
  }
  const prefixes = (response.prefixes ?? []).filter((p) => p.startsWith(root)).map((p) => p.slice(root.length));
  const page: ListPage = { objects, prefixes };
  if (response.nextPageToken) page.nextPageToken = response.nextPageToken;
  return page;
}

interface RawListResponse {
  items?: { name?: string; size?: string | number; updated?: string; contentEncoding?: string; generation?: string | number }[];
  prefixes?: string[];
  nextPageToken?: string;
}

interface ReadHead {
  chunks: Uint8Array[];
  /** Set when the object is larger than the buffer limit: the live stream, positioned after `chunks`. */
  rest?: { iterator: AsyncIterator<Uint8Array>; close(): void };
  /** The stored checksum the bytes were checked against, and the generation served (ObjectBytes). */
  checksum?: string;
  generation?: string;
}

/** A non-200 answer to a media request; code and response are where retry.ts looks for status and Retry-After. */
class GcsHttpError extends Error {
  readonly code: number;
  readonly response: { statusCode: number; headers: IncomingMessage['headers'] };
  constructor(statusCode: number, headers: IncomingMessage['headers'], body: string) {
    let message = body.trim().replace(/\s+/g, ' ').slice(0, 300);
    try {
      const parsed = JSON.parse(body) as { error?: { message?: unknown } };
      if (typeof parsed.error?.message === 'string') message = parsed.error.message;
    } catch {
      // not JSON: keep the text
    }
    super(`HTTP ${statusCode}${message ? `: ${message}` : ''}`);
    this.name = 'GcsHttpError';
    this.code = statusCode;
    this.response = { statusCode, headers };
  }
}

/** The downloaded bytes do not match the object's checksum (code as the client's, so retry.ts calls it integrity). */
class ChecksumMismatchError extends Error {
  readonly code = 'CONTENT_DOWNLOAD_MISMATCH';
  constructor(message: string) {
    super(message);
    this.name = 'ChecksumMismatchError';
  }
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new AttemptTimeoutError(0);
}

/** Send one GET; resolves at the response headers. The signal destroys the request (and its socket). */
function openMedia(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError(signal));
      return;
    }
    const req = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, { headers });
    const onAbort = (): void => {
      req.destroy(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    // Kept for the request's lifetime: a socket error after the response is reported here too, and through the
    // response (and so through the body stream) as well.
    req.on('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      reject(error);
    });
    req.once('response', (res) => {
      signal.removeEventListener('abort', onAbort);
      resolve({ req, res });
    });
    req.end();
  });
}

/** The body of an error response, up to 64 KiB. */
async function errorBody(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      if (size < 65_536) chunks.push(chunk);
      size += chunk.length;
    }
  } catch {
    // a body cut short still tells what little it has
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Checks the bytes as stored (before gunzip) against Content-Length and the object's hash from x-goog-hash: fed
 * every chunk, it says at the end what is wrong, if anything. Without a hash in the response there is nothing to
 * check against (some emulators); a response GCS decompressed for us (stored gzip, sent plain) cannot be checked
 * either.
 */
class StoredBytesCheck {
  #bytes = 0;
  #crc = 0;
  #md5: Hash | undefined;
  readonly #expectedLength: number | undefined;
  readonly #expectedCrc: string | undefined;
  readonly #expectedMd5: string | undefined;

  constructor(res: IncomingMessage, validation: 'crc32c' | 'md5' | false) {
    const length = res.headers['content-length'];
    this.#expectedLength = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
    const transcoded = /gzip/i.test(headerOf(res, 'x-goog-stored-content-encoding')) && !/gzip/i.test(headerOf(res, 'content-encoding'));
    if (validation === false || transcoded) return;
    const hashes = parseGoogHash(headerOf(res, 'x-goog-hash'));
    if (validation === 'crc32c') this.#expectedCrc = hashes.crc32c;
    else if (hashes.md5 !== undefined) {
      this.#expectedMd5 = hashes.md5;
      this.#md5 = createHash('md5');
    } else if (hashes.crc32c !== undefined) {
      // Composite objects have no MD5; the client fails these reads too (see GcsSourceOptions.validation).
      throw new Error("the object has no MD5 hash (a composite object); read it with validation 'crc32c'");
    }
  }

  /** What the bytes are checked against, as ObjectBytes.checksum says it; undefined when nothing is. */
  get checksum(): string | undefined {
    if (this.#expectedCrc !== undefined) return `crc32c:${this.#expectedCrc}`;
    return this.#expectedMd5 !== undefined ? `md5:${this.#expectedMd5}` : undefined;
  }

  update(chunk: Uint8Array): void {
    this.#bytes += chunk.byteLength;
    if (this.#expectedCrc !== undefined) this.#crc = crc32cUpdate(this.#crc, chunk);
    this.#md5?.update(chunk);
  }

  /** At the end of the body: what does not match, or undefined. */
  problem(): Error | undefined {
    if (this.#expectedLength !== undefined && this.#bytes !== this.#expectedLength) {
      return new TruncatedBodyError(`the body ended after ${this.#bytes} of ${this.#expectedLength} bytes (content-length)`);
    }
    if (this.#expectedCrc !== undefined && crc32cBase64(this.#crc) !== this.#expectedCrc) {
      return new ChecksumMismatchError(`crc32c of the downloaded bytes is ${crc32cBase64(this.#crc)}, the object's is ${this.#expectedCrc}`);
    }
    if (this.#md5 !== undefined) {
      const md5 = this.#md5.digest('base64');
      if (md5 !== this.#expectedMd5) return new ChecksumMismatchError(`md5 of the downloaded bytes is ${md5}, the object's is ${this.#expectedMd5}`);
    }
    return undefined;
  }

  /** The check as a stream stage (for the gzip path, where gunzip follows it), failing the stream at its end. */
  stage(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) => {
        this.update(chunk);
        callback(null, chunk);
      },
      flush: (callback: TransformCallback) => callback(this.problem()),
    });
  }
}

function headerOf(res: IncomingMessage, name: string): string {
  const value = res.headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

function parseGoogHash(header: string): { crc32c?: string; md5?: string } {
  const out: { crc32c?: string; md5?: string } = {};
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    if (key === 'crc32c' || key === 'md5') out[key] = part.slice(eq + 1).trim();
  }
  return out;
}

const ignore = (): void => {};

/** One read attempt: a GET, then the body checked and decoded, buffered up to `limitBytes` (readHead). */
async function readMedia(
  url: string,
  headers: Record<string, string>,
  validation: 'crc32c' | 'md5' | false,
  signal: AbortSignal,
  limitBytes: number,
): Promise<ReadHead> {
  const { req, res } = await openMedia(url, headers, signal);
  if (res.statusCode !== 200) throw new GcsHttpError(res.statusCode ?? 0, res.headers, await errorBody(res));
  let check: StoredBytesCheck;
  try {
    check = new StoredBytesCheck(res, validation);
  } catch (error) {
    req.destroy();
    throw error;
  }
  let head: ReadHead;
  if (!/gzip/i.test(headerOf(res, 'content-encoding'))) head = await readPlain(req, res, check, signal, limitBytes);
  else {
    // pipeline destroys every stage when one fails, and the last one with the error, so the iterator sees it.
    const stream: Readable = pipeline(res, check.stage(), createGunzip(), ignore);
    const close = (error?: Error): void => {
      stream.destroy(error);
      if (!res.complete) req.destroy();
    };
    head = await readHead(stream, close, signal, limitBytes);
  }
  // Only a body read and checked whole before the caller sees it can vouch for its checksum: a larger one is
  // checked at the end of its stream, which a caller that stops early never reaches.
  const generation = headerOf(res, 'x-goog-generation');
  if (check.checksum !== undefined && head.rest === undefined && generation !== '') {
    head.checksum = check.checksum;
    head.generation = generation;
  }
  return head;
}

/**
 * An identity-encoded body (what almost every object is), read off the response's own events: a pipeline, a
 * Transform and an async iterator per object cost more CPU than the small JSON objects a run is mostly made of
 * (bench/ingest.ts). Same checks, same errors and the same buffering as readHead: failures before the caller has
 * seen a byte can be retried from scratch.
 */
function readPlain(req: ClientRequest, res: IncomingMessage, check: StoredBytesCheck, signal: AbortSignal, limitBytes: number): Promise<ReadHead> {
  return new Promise<ReadHead>((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const detach = (): void => {
      res.off('data', onData);
      res.off('end', onEnd);
      res.off('error', fail);
      res.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
    };
    function fail(error: Error): void {
      detach();
      res.destroy();
      if (!res.complete) req.destroy();
      reject(error);
    }
    function onData(chunk: Buffer): void {
      check.update(chunk);
      chunks.push(chunk);
      size += chunk.byteLength;
      if (size <= limitBytes) return;
      // Larger than we buffer: the rest is streamed to the caller, still checked.
      detach();
      res.pause();
      resolve({ chunks, rest: plainRest(req, res, check) });
    }
    function onEnd(): void {
      const problem = check.problem();
      if (problem) fail(problem);
      else {
        detach();
        resolve({ chunks });
      }
    }
    // A socket that closes mid-body errors the response first; this is the backstop for a close without either.
    function onClose(): void {
      fail(new TruncatedBodyError(`the connection closed after ${size} bytes, before the body ended`));
    }
    function onAbort(): void {
      fail(abortError(signal));
    }
    if (signal.aborted) {
      onAbort();
      return;
    }
    // Kept for the response's lifetime, so that an error after we stop listening (while the caller holds the rest
    // unread) cannot go unhandled; the listeners that read the body still see every error.
    res.on('error', ignore);
    res.on('data', onData);
    res.once('end', onEnd);
    res.once('error', fail);
    res.once('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The rest of an identity-encoded body past the buffer limit, checked as it streams and at its end. */
function plainRest(req: ClientRequest, res: IncomingMessage, check: StoredBytesCheck): NonNullable<ReadHead['rest']> {
  async function* body(): AsyncGenerator<Uint8Array> {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      check.update(chunk);
      yield chunk;
    }
    const problem = check.problem();
    if (problem) throw problem;
  }
  return {
    iterator: body(),
    close: () => {
      res.destroy();
      if (!res.complete) req.destroy();
    },
  };
}

/**
 * Buffer the object, or its first `limitBytes` when it is larger. Any failure here loses nothing the caller has
 * seen, so withRetry can simply start again.
 */
async function readHead(stream: Readable, close: (error?: Error) => void, signal: AbortSignal, limitBytes: number): Promise<ReadHead> {
  const abort = (): void => close(abortError(signal));
  if (signal.aborted) abort();
  else signal.addEventListener('abort', abort, { once: true });
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return { chunks };
      chunks.push(next.value);
      size += next.value.byteLength;
      if (size > limitBytes) return { chunks, rest: { iterator, close: () => close() } };
    }
  } catch (error) {
    close();
    throw error;
  } finally {
    signal.removeEventListener('abort', abort);
  }
}

async function* fromChunks(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  // Drop each chunk once handed out, so a consumer that streams does not keep the whole object alive.
  while (chunks.length > 0) yield chunks.shift()!;
}

async function* streamRest(
  chunks: Uint8Array[],
  rest: NonNullable<ReadHead['rest']>,
  name: string,
  where: string,
  idleTimeoutMs: number,
  deadline: number | undefined,
): AsyncGenerator<Uint8Array> {
  let delivered = 0;
  try {
    while (chunks.length > 0) {
      const chunk = chunks.shift()!;
      delivered += chunk.byteLength;
      yield chunk;
    }
    for (;;) {
      // The timer runs only while we wait for the network, not while the consumer holds a chunk.
      let limitMs = idleTimeoutMs;
      if (deadline !== undefined) limitMs = Math.min(limitMs, deadline - Date.now());
      if (limitMs <= 0) throw new SourceError('timeout', name, `${where}: the overall deadline passed while streaming; read it again with more time`);
      let timer: NodeJS.Timeout | undefined;
      const next = await Promise.race([
        rest.iterator.next(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new AttemptTimeoutError(Math.round(limitMs))), limitMs);
        }),
      ]).finally(() => clearTimeout(timer));
      if (next.done) return;
      delivered += next.value.byteLength;
      yield next.value;
    }
  } catch (error) {
    if (error instanceof SourceError) throw error;
    const kind = error instanceof AttemptTimeoutError ? 'timeout' : 'fetch';
    throw new SourceError(
      kind,
      name,
      `${where} failed after ${delivered} bytes had been delivered (${describeError(error)}); the partial data is unusable, read the object again from the start`,
      { cause: error },
    );
  } finally {
    // Also runs when the consumer stops early (break/return): release the connection.
    rest.close();
  }
}

function toSourceError(error: unknown, object: string, operation: 'list' | 'read', where: string): SourceError {
  if (error instanceof SourceError) return error;
  const verb = operation === 'list' ? 'listing' : 'reading';
  const last = error instanceof RetryGiveUpError ? error.cause : error;
  const status = httpStatusOf(last);
  if (status === 404) {
    const what =
      operation === 'list'
        ? `${where}: the bucket does not exist (HTTP 404); check the bucket name`
        : `${where}: no such object (HTTP 404); check the name, or whether the job has uploaded it yet`;
    return new SourceError('not-found', object, what, { cause: error });
  }
  if (status === 401 || status === 403) {
    return new SourceError(
      'fetch',
      object,
      `${verb} ${where} was refused (HTTP ${status}): the bucket is not public or the credentials lack access; set GOOGLE_APPLICATION_CREDENTIALS or run "gcloud auth application-default login"`,
      { cause: error },
    );
  }
  if (error instanceof RetryGiveUpError) {
    const kind = error.reason === 'deadline' || error.lastReason === 'timeout' ? 'timeout' : 'fetch';
    const advice = error.reason === 'deadline' ? 'allow more time or fewer objects' : 'the service or network is unhealthy; try again later or raise retries';
    return new SourceError(kind, object, `${verb} ${where} ${error.message}; ${advice}`, { cause: error });
  }
  return new SourceError('fetch', object, `${verb} ${where} failed: ${describeError(error)}`, { cause: error });
}
