/**
 * A small GCS JSON API server over a local directory, for tests and benchmarks. It speaks the subset the
 * @google-cloud/storage client uses for reading: object listing, object metadata and media download
 * (ranges, gzip content-encoding), and for the archive store: simple and multipart uploads (with
 * ifGenerationMatch, gzip content-encoding kept as stored) and deletes. It can inject faults (429, 503, connection resets, slow and truncated
 * responses) deterministically and counts every request, so tests can prove faults happened and retries worked.
 *
 * The bucket:
 * - Object names are file paths relative to `root`, with '/' separators. Empty directories do not exist (as in GCS).
 * - Sidecar metadata: a file `<name>.gcsmeta.json` next to `<name>` holds the object's metadata
 *   (`{"contentEncoding": "gzip", "contentType": "...", "cacheControl": "..."}`); the sidecar itself is not an
 *   object. With contentEncoding gzip the file on disk holds the gzip bytes, exactly as GCS stores them.
 *   We chose a sidecar over "a file named x.gz is gzip-encoded" because real buckets hold `.gz` objects that are
 *   NOT content-encoded (tarballs, compressed logs); only the metadata can say which is which. writeObject()
 *   writes an object and its sidecar.
 *
 * Routes (GET and HEAD unless said; other methods answer 405):
 *   /storage/v1/b/<bucket>/o            (apiEndpoint style)  and  /b/<bucket>/o  (STORAGE_EMULATOR_HOST style)
 *   .../o/<url-encoded name>            metadata, or the bytes with ?alt=media; DELETE removes the object
 *   /download/storage/v1/b/<bucket>/o/<name>?alt=media
 *   POST /upload/storage/v1/b/<bucket>/o?uploadType=media|multipart&name=…[&ifGenerationMatch=N]
 *                                       a new object (412 when the precondition fails); answers its resource,
 *                                       with the crc32c the client checks the upload against
 *
 * Listen address is always 127.0.0.1 on a free port.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve, sep } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { CRC32C } from '@google-cloud/storage';
import { mulberry32 } from '../../src/util/mulberry32.ts';

const SIDECAR_SUFFIX = '.gcsmeta.json';
/** An upload being written: never listed or served. */
const UPLOAD_SUFFIX = '.gcs-upload-tmp';

type RequestKind = 'list' | 'metadata' | 'media' | 'upload' | 'delete' | 'other';

/**
 * - '429', '503': an error status with a GCS-style JSON body.
 * - 'reset': the socket is destroyed before any response byte.
 * - 'slow': the response is held back `delayMs` (phase 'headers', default) or sent half, then held back
 *   (phase 'body'); it completes afterwards if the client is still there.
 * - 'truncate': full Content-Length announced, half the body sent, then the socket is destroyed.
 */
type FaultKind = '429' | '503' | 'reset' | 'slow' | 'truncate';

interface FaultDecision {
  kind: FaultKind;
  /** For 429/503: sent as Retry-After (seconds). */
  retryAfterSeconds?: number;
  /** For 'slow': how long to hold the response. Default: the config's slowMs, else 2,000 ms. */
  delayMs?: number;
  /** For 'slow': hold before the headers (default) or in the middle of the body. */
  phase?: 'headers' | 'body';
}

interface FaultContext {
  kind: RequestKind;
  method: string;
  /** Object name for metadata/media requests. */
  object?: string;
  /** Listing prefix for list requests. */
  prefix?: string;
  /** The request's path and query as received. */
  url: string;
  /** How many requests with the same kind and target (object, or full list query) arrived so far, this one included. */
  attempt: number;
  headers: IncomingMessage['headers'];
}

export type FaultFunction = (context: FaultContext) => FaultDecision | undefined | null;

export interface FaultConfig {
  /** Chance in [0, 1] that a request gets a fault. */
  probability?: number;
  /**
   * Seed of the PRNG. The decision for a request depends only on (seed, kind, target, attempt), not on the
   * order concurrent requests arrive in, so a run with the same seed injects the same faults.
   */
  seed?: number;
  /** Faults to choose from (uniformly). Default: 429, 503, reset, truncate. */
  kinds?: FaultKind[];
  /** Request kinds faults apply to. Default: all. */
  requestKinds?: RequestKind[];
  /** Attach Retry-After to injected 429s. */
  retryAfterSeconds?: number;
  /** Hold time of 'slow' faults. Default 2,000 ms. */
  slowMs?: number;
  /** Objects that always fail (every metadata and media request), whatever the probability. */
  brokenObjects?: Iterable<string>;
  /** How broken objects fail. Default '503'. */
  brokenFault?: FaultKind;
}

export interface GcsTestServerOptions {
  /** Directory served as the bucket. */
  root: string;
  bucket: string;
  faults?: FaultConfig | FaultFunction;
}

interface GcsTestServerStats {
  requests: Record<RequestKind | 'total', number>;
  faults: Record<FaultKind | 'total', number>;
  notFound: number;
  rangeRequests: number;
  /** Media responses of gzip-encoded objects sent compressed / decompressed (transcoded). */
  gzipServed: number;
  transcoded: number;
  /** Requests that carried an Authorization header (anonymous access must send none). */
  withAuthorization: number;
  /** Media requests per object name. */
  mediaByObject: Map<string, number>;
  /** Requests per URL style: /storage/v1/b/... (apiEndpoint), /b/... (STORAGE_EMULATOR_HOST), /download/..., /upload/... */
  pathStyles: { api: number; emulator: number; download: number; upload: number };
}

export interface GcsTestServer {
  /** http://127.0.0.1:<port>: use as apiEndpoint or STORAGE_EMULATOR_HOST. */
  url: string;
  port: number;
  stats: GcsTestServerStats;
  resetStats(): void;
  /** Replace the fault policy (undefined: no faults). Also forgets attempt counts. */
  setFaults(faults: FaultConfig | FaultFunction | undefined): void;
  close(): Promise<void>;
}

interface StoredObject {
  name: string;
  path: string;
  size: number;
  mtimeMs: number;
  contentEncoding?: string;
  contentType: string;
  cacheControl?: string;
}

interface ObjectHashes {
  key: string;
  md5: string;
  crc32c: string;
}

const JSON_TYPE = 'application/json; charset=UTF-8';

function emptyStats(): GcsTestServerStats {
  return {
    requests: { total: 0, list: 0, metadata: 0, media: 0, upload: 0, delete: 0, other: 0 },
    faults: { total: 0, '429': 0, '503': 0, reset: 0, slow: 0, truncate: 0 },
    notFound: 0,
    rangeRequests: 0,
    gzipServed: 0,
    transcoded: 0,
    withAuthorization: 0,
    mediaByObject: new Map(),
    pathStyles: { api: 0, emulator: 0, download: 0, upload: 0 },
  };
}

/** Write an object (and its sidecar when metadata is given) into a bucket directory. gzip: store compressed. */
export async function writeObject(
  root: string,
  name: string,
  data: string | Uint8Array,
  metadata: { contentEncoding?: 'gzip'; contentType?: string; cacheControl?: string } = {},
): Promise<void> {
  const path = objectPath(root, name);
  if (path === undefined) throw new Error(`writeObject: "${name}" is not a valid object name (empty, absolute, or with . or .. segments)`);
  await mkdir(dirname(path), { recursive: true });
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  await writeFile(path, metadata.contentEncoding === 'gzip' ? gzipSync(bytes) : bytes);
  if (Object.keys(metadata).length > 0) await writeFile(path + SIDECAR_SUFFIX, JSON.stringify(metadata));
}

/** Start the server on 127.0.0.1, on a free port. */
export async function startGcsTestServer(options: GcsTestServerOptions): Promise<GcsTestServer> {
  const root = resolve(options.root);
  const rootStat = await stat(root).catch(() => undefined);
  if (!rootStat?.isDirectory()) throw new Error(`startGcsTestServer: root "${root}" is not a directory; create it first`);

  const stats = emptyStats();
  let policy = makePolicy(options.faults);
  const attempts = new Map<string, number>();
  const hashCache = new Map<string, ObjectHashes>();
  const timers = new Set<NodeJS.Timeout>();

  const delay = (ms: number): Promise<void> =>
    new Promise((resolveDelay) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolveDelay();
      }, ms);
      timers.add(timer);
    });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.requests.total++;
    if (req.headers.authorization !== undefined) stats.withAuthorization++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = parseRoute(url.pathname);
    if (route) stats.pathStyles[route.style]++;
    const method = req.method ?? 'GET';
    const kind: RequestKind =
      route?.style === 'upload'
        ? 'upload'
        : route?.object === undefined
          ? route
            ? 'list'
            : 'other'
          : method === 'DELETE'
            ? 'delete'
            : url.searchParams.get('alt') === 'media'
              ? 'media'
              : 'metadata';
    stats.requests[kind]++;
    if (kind === 'media' && route?.object !== undefined) {
      stats.mediaByObject.set(route.object, (stats.mediaByObject.get(route.object) ?? 0) + 1);
    }

    const target =
      kind === 'list'
        ? `${url.pathname}?${url.searchParams.toString()}`
        : kind === 'upload'
          ? (url.searchParams.get('name') ?? '')
          : (route?.object ?? url.pathname);
    const attemptKey = `${kind}\u0000${target}`;
    const attempt = (attempts.get(attemptKey) ?? 0) + 1;
    attempts.set(attemptKey, attempt);
    const fault =
      policy?.({
        kind,
        method,
        ...(route?.object !== undefined ? { object: route.object } : {}),
        ...(kind === 'list' ? { prefix: url.searchParams.get('prefix') ?? '' } : {}),
        url: req.url ?? '/',
        attempt,
        headers: req.headers,
      }) ?? undefined;

    if (fault) {
      stats.faults.total++;
      stats.faults[fault.kind]++;
      if (fault.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault.kind === '429' || fault.kind === '503') {
        const headers: Record<string, string> = {};
        if (fault.retryAfterSeconds !== undefined) headers['Retry-After'] = String(fault.retryAfterSeconds);
        const message = fault.kind === '429' ? 'The rate of change requests to the object is too high (injected).' : 'Backend Error (injected).';
        sendError(res, Number(fault.kind), message, fault.kind === '429' ? 'rateLimitExceeded' : 'backendError', headers);
        return;
      }
    }
    const send = (status: number, headers: Record<string, string | number>, body: Buffer): Promise<void> =>
      sendWithFault(req, res, status, headers, body, fault, delay);

    const allowed = kind === 'upload' ? method === 'POST' : kind === 'delete' || method === 'GET' || method === 'HEAD';
    if (!allowed) {
      await send(405, { 'Content-Type': JSON_TYPE }, errorBody(405, `${method} is not supported on ${url.pathname} by the test server`, 'methodNotAllowed'));
      return;
    }
    if (!route) {
      await send(404, { 'Content-Type': JSON_TYPE }, errorBody(404, `Not found: ${url.pathname} is not a route of the test server`, 'notFound'));
      return;
    }
    if (route.bucket !== options.bucket) {
      stats.notFound++;
      await send(404, { 'Content-Type': JSON_TYPE }, errorBody(404, 'The specified bucket does not exist.', 'notFound'));
      return;
    }
    if (kind === 'upload') {
      const result = await acceptUpload(root, url, await readBody(req), req.headers['content-type'] ?? '');
      if ('error' in result) {
        if (result.status === 404) stats.notFound++;
        await send(result.status, { 'Content-Type': JSON_TYPE }, errorBody(result.status, result.error, result.reason));
        return;
      }
      const stored = await readFile(result.object.path);
      hashCache.delete(result.object.path);
      await send(
        200,
        { 'Content-Type': JSON_TYPE },
        Buffer.from(JSON.stringify(objectResource(options.bucket, result.object, hashesOf(hashCache, result.object, stored), url))),
      );
      return;
    }
    if (kind === 'list') {
      const listing = await listObjects(root, options.bucket, url.searchParams);
      if ('error' in listing) {
        await send(400, { 'Content-Type': JSON_TYPE }, errorBody(400, listing.error, 'invalid'));
        return;
      }
      await send(200, { 'Content-Type': JSON_TYPE }, Buffer.from(JSON.stringify(listing)));
      return;
    }

    const name = route.object!;
    const object = await findObject(root, name);
    if (!object) {
      stats.notFound++;
      await send(404, { 'Content-Type': JSON_TYPE }, errorBody(404, `No such object: ${options.bucket}/${name}`, 'notFound'));
      return;
    }
    if (kind === 'delete') {
      const expected = url.searchParams.get('ifGenerationMatch');
      if (expected !== null && expected !== generationOf(object)) {
        await send(412, { 'Content-Type': JSON_TYPE }, errorBody(412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet'));
        return;
      }
      await rm(object.path, { force: true });
      await rm(object.path + SIDECAR_SUFFIX, { force: true });
      hashCache.delete(object.path);
      await send(204, {}, Buffer.alloc(0));
      return;
    }
    const stored = await readFile(object.path);
    const hashes = hashesOf(hashCache, object, stored);
    if (kind === 'metadata') {
      await send(200, { 'Content-Type': JSON_TYPE }, Buffer.from(JSON.stringify(objectResource(options.bucket, object, hashes, url))));
      return;
    }

    // Media. Like GCS: a gzip-encoded object goes out as stored when the client accepts gzip (or the object
    // says Cache-Control: no-transform); otherwise GCS decompresses it ("decompressive transcoding") and then
    // ignores Range, because ranges of the decoded bytes cannot be served from the stored ones.
    const headers: Record<string, string | number> = {
      'Content-Type': object.contentType,
      'X-Goog-Generation': generationOf(object),
      'X-Goog-Metageneration': '1',
      'X-Goog-Hash': `crc32c=${hashes.crc32c},md5=${hashes.md5}`,
      'X-Goog-Stored-Content-Length': stored.length,
      'X-Goog-Stored-Content-Encoding': object.contentEncoding ?? 'identity',
      ETag: `"${Buffer.from(hashes.md5, 'base64').toString('hex')}"`,
      'Last-Modified': new Date(object.mtimeMs).toUTCString(),
      'Accept-Ranges': 'bytes',
    };
    let body = stored;
    let transcoded = false;
    if (object.contentEncoding === 'gzip') {
      if (acceptsGzip(req.headers['accept-encoding']) || /no-transform/i.test(object.cacheControl ?? '')) {
        headers['Content-Encoding'] = 'gzip';
        stats.gzipServed++;
      } else {
        body = gunzipSync(stored);
        transcoded = true;
        stats.transcoded++;
      }
    } else if (object.contentEncoding) {
      headers['Content-Encoding'] = object.contentEncoding;
    }

    const range = req.headers.range;
    if (range !== undefined && !transcoded) {
      stats.rangeRequests++;
      const parsed = parseRange(range, body.length);
      if (parsed === 'unsatisfiable') {
        await send(
          416,
          { 'Content-Type': JSON_TYPE, 'Content-Range': `bytes */${body.length}` },
          errorBody(416, `The requested range cannot be satisfied: ${range} of ${body.length} bytes`, 'requestedRangeNotSatisfiable'),
        );
        return;
      }
      if (parsed) {
        headers['Content-Range'] = `bytes ${parsed.start}-${parsed.end}/${body.length}`;
        await send(206, headers, body.subarray(parsed.start, parsed.end + 1));
        return;
      }
    }
    if (transcoded) headers['Transfer-Encoding'] = 'chunked';
    await send(200, headers, body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const message = `test server failure: ${error instanceof Error ? error.message : String(error)}`;
      res.writeHead(500, { 'Content-Type': JSON_TYPE });
      res.end(errorBody(500, message, 'internalError'));
    });
  });
  // Clients drop connections on purpose (timeouts); a write to a gone socket must not crash the test run.
  server.on('clientError', (_error, socket) => socket.destroy());

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(0, '127.0.0.1', () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats,
    resetStats() {
      Object.assign(stats, emptyStats());
    },
    setFaults(faults) {
      policy = makePolicy(faults);
      attempts.clear();
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    },
  };
}

async function sendWithFault(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  headers: Record<string, string | number>,
  body: Buffer,
  fault: FaultDecision | undefined,
  delay: (ms: number) => Promise<void>,
): Promise<void> {
  const chunked = headers['Transfer-Encoding'] === 'chunked';
  const outHeaders = { ...headers };
  if (!chunked) outHeaders['Content-Length'] = body.length;
  const gone = (): boolean => res.destroyed || req.socket.destroyed;
  const isHead = req.method === 'HEAD';

  if (fault?.kind === 'slow' && fault.phase !== 'body') {
    await delay(fault.delayMs ?? 2000);
    if (gone()) return;
  }
  res.writeHead(status, outHeaders);
  if (isHead) {
    res.end();
    return;
  }
  if (fault?.kind === 'truncate' || (fault?.kind === 'slow' && fault.phase === 'body')) {
    const half = Math.floor(body.length / 2);
    if (fault.kind === 'truncate') {
      // Let the first half reach the socket, then cut: the client sees fewer bytes than Content-Length.
      res.write(body.subarray(0, half), () => req.socket.destroy());
      return;
    }
    res.write(body.subarray(0, half));
    await delay(fault.delayMs ?? 2000);
    if (gone()) return;
    res.end(body.subarray(half));
    return;
  }
  res.end(body);
}

function makePolicy(faults: FaultConfig | FaultFunction | undefined): FaultFunction | undefined {
  if (faults === undefined) return undefined;
  if (typeof faults === 'function') return faults;
  const probability = faults.probability ?? 0;
  if (!(probability >= 0 && probability <= 1)) throw new RangeError(`fault probability must be within [0, 1], got ${probability}`);
  const kinds = faults.kinds ?? ['429', '503', 'reset', 'truncate'];
  if (kinds.length === 0) throw new RangeError('fault kinds must not be empty');
  const requestKinds = new Set<RequestKind>(faults.requestKinds ?? ['list', 'metadata', 'media', 'upload', 'delete', 'other']);
  const broken = new Set(faults.brokenObjects ?? []);
  const seed = faults.seed ?? 1;
  const decorate = (kind: FaultKind): FaultDecision => ({
    kind,
    ...(kind === '429' && faults.retryAfterSeconds !== undefined ? { retryAfterSeconds: faults.retryAfterSeconds } : {}),
    ...(kind === 'slow' ? { delayMs: faults.slowMs ?? 2000 } : {}),
  });
  return (context) => {
    if (context.object !== undefined && broken.has(context.object)) return decorate(faults.brokenFault ?? '503');
    if (!requestKinds.has(context.kind) || probability === 0) return undefined;
    const target = context.object ?? context.url;
    const random = mulberry32(fnv1a(`${seed}\u0000${context.kind}\u0000${target}\u0000${context.attempt}`));
    if (random() >= probability) return undefined;
    return decorate(kinds[Math.floor(random() * kinds.length)]!);
  };
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

interface Route {
  bucket: string;
  object?: string;
  style: 'api' | 'emulator' | 'download' | 'upload';
}

function parseRoute(pathname: string): Route | undefined {
  const match = /^(\/download|\/upload)?(\/storage\/v1)?\/b\/([^/]+)\/o(?:\/(.+))?$/.exec(pathname);
  if (!match) return undefined;
  // /download/b/... and /upload/b/... are no GCS routes; uploads name their object in the query.
  if (match[1] && !match[2]) return undefined;
  if (match[1] === '/upload') return match[4] === undefined ? { bucket: decodeURIComponent(match[3]!), style: 'upload' } : undefined;
  const style = match[1] ? 'download' : match[2] ? 'api' : 'emulator';
  let bucket: string;
  let object: string | undefined;
  try {
    bucket = decodeURIComponent(match[3]!);
    // Clients encode '/' in names as %2F; accept raw slashes too.
    object = match[4] === undefined ? undefined : match[4].split('/').map(decodeURIComponent).join('/');
  } catch {
    return undefined;
  }
  return object === undefined ? { bucket, style } : { bucket, object, style };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The parts of a multipart/related body: each part's headers (lower-case) and bytes. */
function multipartParts(body: Buffer, contentType: string): Array<{ headers: Record<string, string>; data: Buffer }> | undefined {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Array<{ headers: Record<string, string>; data: Buffer }> = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) return undefined;
    // Each part: CRLF, headers, a blank line, the bytes, CRLF before the next delimiter.
    const part = body.subarray(start + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) return undefined;
    const headers: Record<string, string> = {};
    for (const line of part.subarray(0, split).toString().split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    parts.push({ headers, data: part.subarray(split + 4) });
    at = next;
  }
  return parts;
}

type UploadResult = { object: StoredObject } | { status: number; error: string; reason: string };

/**
 * A simple (uploadType=media) or multipart upload: the object is written whole (temporary file, then rename), with
 * a sidecar when the metadata names a content encoding or type. ifGenerationMatch=0 means "only if absent", another
 * number "only if this generation is there", as in GCS.
 */
async function acceptUpload(root: string, url: URL, body: Buffer, contentType: string): Promise<UploadResult> {
  const uploadType = url.searchParams.get('uploadType') ?? 'media';
  let name = url.searchParams.get('name') ?? undefined;
  let data = body;
  const meta: { contentEncoding?: string; contentType?: string; cacheControl?: string } = {};
  if (uploadType === 'multipart') {
    const parts = multipartParts(body, contentType);
    if (parts?.length !== 2) return { status: 400, error: 'multipart upload: expected a metadata part and a media part', reason: 'invalid' };
    let resource: { name?: unknown; contentEncoding?: unknown; contentType?: unknown; cacheControl?: unknown };
    try {
      resource = JSON.parse(parts[0]!.data.toString('utf8')) as typeof resource;
    } catch {
      return { status: 400, error: 'multipart upload: the metadata part is not JSON', reason: 'invalid' };
    }
    if (typeof resource.name === 'string') name = resource.name;
    if (typeof resource.contentEncoding === 'string') meta.contentEncoding = resource.contentEncoding;
    if (typeof resource.contentType === 'string') meta.contentType = resource.contentType;
    if (typeof resource.cacheControl === 'string') meta.cacheControl = resource.cacheControl;
    data = parts[1]!.data;
  } else if (uploadType !== 'media') {
    return { status: 400, error: `the test server does not support uploadType=${uploadType} (use media or multipart)`, reason: 'invalid' };
  }
  if (name === undefined) return { status: 400, error: 'upload without an object name', reason: 'required' };
  const path = objectPath(root, name);
  if (path === undefined || name.endsWith(SIDECAR_SUFFIX)) return { status: 400, error: `"${name}" is not a valid object name`, reason: 'invalid' };
  const expected = url.searchParams.get('ifGenerationMatch');
  if (expected !== null) {
    const existing = await findObject(root, name);
    const holds = expected === '0' ? existing === undefined : existing !== undefined && generationOf(existing) === expected;
    if (!holds) return { status: 412, error: 'At least one of the pre-conditions you specified did not hold.', reason: 'conditionNotMet' };
  }
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}-${Math.random().toString(36).slice(2)}${UPLOAD_SUFFIX}`;
  await writeFile(temp, data);
  if (Object.keys(meta).length > 0) await writeFile(path + SIDECAR_SUFFIX, JSON.stringify(meta));
  else await rm(path + SIDECAR_SUFFIX, { force: true });
  await rename(temp, path);
  const info = await stat(path);
  return { object: await describeObject(name, path, info.size, info.mtimeMs) };
}

function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Malformed or multi-range headers are ignored, as HTTP allows: the whole object is sent.
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

function errorBody(code: number, message: string, reason: string): Buffer {
  return Buffer.from(JSON.stringify({ error: { code, message, errors: [{ message, domain: 'global', reason }] } }));
}

function sendError(res: ServerResponse, status: number, message: string, reason: string, headers: Record<string, string> = {}): void {
  const body = errorBody(status, message, reason);
  res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': body.length, ...headers });
  res.end(body);
}

/** The file for an object name, or undefined when the name could escape the root or is not a GCS-style name. */
function objectPath(root: string, name: string): string | undefined {
  if (name === '' || name.startsWith('/') || name.includes('\0') || name.includes('\\')) return undefined;
  if (name.split('/').some((segment) => segment === '.' || segment === '..')) return undefined;
  const path = resolve(root, ...name.split('/'));
  return path.startsWith(resolve(root) + sep) ? path : undefined;
}

function contentTypeOf(name: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  switch (ext) {
    case 'json':
      return 'application/json';
    case 'xml':
      return 'application/xml';
    case 'txt':
    case 'log':
      return 'text/plain; charset=utf-8';
    case 'html':
      return 'text/html; charset=utf-8';
    case 'gz':
      return 'application/gzip';
    default:
      return 'application/octet-stream';
  }
}

async function findObject(root: string, name: string): Promise<StoredObject | undefined> {
  if (name.endsWith(SIDECAR_SUFFIX) || name.endsWith(UPLOAD_SUFFIX)) return undefined;
  const path = objectPath(root, name);
  if (path === undefined) return undefined;
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  return describeObject(name, path, info.size, info.mtimeMs);
}

async function describeObject(name: string, path: string, size: number, mtimeMs: number): Promise<StoredObject> {
  const object: StoredObject = { name, path, size, mtimeMs, contentType: contentTypeOf(name) };
  const sidecar = await readFile(path + SIDECAR_SUFFIX, 'utf8').catch(() => undefined);
  if (sidecar !== undefined) {
    let meta: { contentEncoding?: unknown; contentType?: unknown; cacheControl?: unknown };
    try {
      meta = JSON.parse(sidecar) as typeof meta;
    } catch (error) {
      throw new Error(`sidecar ${path}${SIDECAR_SUFFIX} is not valid JSON (${(error as Error).message}); fix or delete it`);
    }
    if (typeof meta.contentEncoding === 'string') object.contentEncoding = meta.contentEncoding;
    if (typeof meta.contentType === 'string') object.contentType = meta.contentType;
    if (typeof meta.cacheControl === 'string') object.cacheControl = meta.cacheControl;
  }
  return object;
}

function hashesOf(cache: Map<string, ObjectHashes>, object: StoredObject, stored: Buffer): ObjectHashes {
  const key = `${object.size}:${object.mtimeMs}`;
  const cached = cache.get(object.path);
  if (cached?.key === key) return cached;
  const hashes: ObjectHashes = {
    key,
    md5: createHash('md5').update(stored).digest('base64'),
    crc32c: crc32cOf(stored),
  };
  cache.set(object.path, hashes);
  return hashes;
}

function crc32cOf(bytes: Buffer): string {
  // CRC32C.from(buffer) would read the buffer as a 4-byte checksum; update() hashes data.
  const crc = new CRC32C();
  crc.update(bytes);
  return crc.toString();
}

/** GCS generations are microsecond timestamps of the write; the file's mtime is the closest thing we have. */
function generationOf(object: StoredObject): string {
  return String(Math.floor(object.mtimeMs * 1000));
}

function objectResource(bucket: string, object: StoredObject, hashes: ObjectHashes, url: URL): Record<string, unknown> {
  const generation = generationOf(object);
  const updated = new Date(object.mtimeMs).toISOString();
  const encoded = encodeURIComponent(object.name);
  return {
    kind: 'storage#object',
    id: `${bucket}/${object.name}/${generation}`,
    selfLink: `${url.origin}/storage/v1/b/${bucket}/o/${encoded}`,
    mediaLink: `${url.origin}/download/storage/v1/b/${bucket}/o/${encoded}?generation=${generation}&alt=media`,
    name: object.name,
    bucket,
    generation,
    metageneration: '1',
    contentType: object.contentType,
    storageClass: 'STANDARD',
    size: String(object.size),
    md5Hash: hashes.md5,
    crc32c: hashes.crc32c,
    etag: `C${generation.slice(-8)}=`,
    timeCreated: updated,
    updated,
    timeStorageClassUpdated: updated,
    ...(object.contentEncoding ? { contentEncoding: object.contentEncoding } : {}),
    ...(object.cacheControl ? { cacheControl: object.cacheControl } : {}),
  };
}

/** GCS orders names by their UTF-8 bytes; JS string comparison (UTF-16 units) differs for some characters. */
function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

async function walk(root: string, directory: string, out: { name: string; path: string }[]): Promise<void> {
  const entries = await readdir(directory, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
    throw error;
  });
  for (const entry of entries) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) await walk(root, path, out);
    else if ((entry.isFile() || entry.isSymbolicLink()) && !entry.name.endsWith(SIDECAR_SUFFIX) && !entry.name.endsWith(UPLOAD_SUFFIX)) {
      out.push({
        name: path
          .slice(root.length + 1)
          .split(sep)
          .join('/'),
        path,
      });
    }
  }
}

interface PageToken {
  /** The last name or prefix returned. */
  after: string;
  /** True when `after` was a prefix: everything under it was already covered. */
  prefix: boolean;
}

async function listObjects(
  root: string,
  bucket: string,
  query: URLSearchParams,
): Promise<{ kind: string; items?: unknown[]; prefixes?: string[]; nextPageToken?: string } | { error: string }> {
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const startOffset = query.get('startOffset') ?? '';
  const endOffset = query.get('endOffset') ?? '';
  const maxResultsRaw = query.get('maxResults');
  const maxResults = maxResultsRaw === null ? 1000 : Number(maxResultsRaw);
  if (!Number.isInteger(maxResults) || maxResults < 1) return { error: `Invalid maxResults "${maxResultsRaw}": expected a whole number >= 1` };
  for (const unsupported of ['matchGlob', 'versions', 'softDeleted']) {
    if (query.has(unsupported) && query.get(unsupported) !== 'false') {
      return { error: `The test server does not support the "${unsupported}" list parameter` };
    }
  }
  let token: PageToken | undefined;
  const pageToken = query.get('pageToken');
  if (pageToken) {
    try {
      token = JSON.parse(Buffer.from(pageToken, 'base64url').toString('utf8')) as PageToken;
      if (typeof token.after !== 'string' || typeof token.prefix !== 'boolean') throw new Error('bad shape');
    } catch {
      return { error: `Invalid pageToken "${pageToken}": pass back a nextPageToken unchanged` };
    }
  }

  // Walk only the directory the prefix pins down ("logs/job/" → root/logs/job), not the whole bucket.
  const slash = prefix.lastIndexOf('/');
  const base = slash < 0 ? root : objectPath(root, prefix.slice(0, slash));
  const files: { name: string; path: string }[] = [];
  if (base !== undefined) await walk(root, base, files);
  files.sort((a, b) => compareNames(a.name, b.name));

  const items: unknown[] = [];
  const prefixes: string[] = [];
  let last: PageToken | undefined;
  let more = false;
  for (const file of files) {
    const name = file.name;
    if (!name.startsWith(prefix)) continue;
    if (startOffset && compareNames(name, startOffset) < 0) continue;
    if (endOffset && compareNames(name, endOffset) >= 0) continue;
    if (token && (compareNames(name, token.after) <= 0 || (token.prefix && name.startsWith(token.after)))) continue;
    if (last?.prefix && name.startsWith(last.after)) continue;
    let entry: PageToken = { after: name, prefix: false };
    if (delimiter) {
      const cut = name.indexOf(delimiter, prefix.length);
      if (cut >= 0) entry = { after: name.slice(0, cut + delimiter.length), prefix: true };
    }
    // GCS counts items and prefixes together against maxResults.
    if (items.length + prefixes.length >= maxResults) {
      more = true;
      break;
    }
    if (entry.prefix) prefixes.push(entry.after);
    else {
      const info = await stat(file.path).catch(() => undefined);
      if (!info?.isFile()) continue;
      const object = await describeObject(name, file.path, info.size, info.mtimeMs);
      items.push(listItem(bucket, object));
    }
    last = entry;
  }
  const result: { kind: string; items?: unknown[]; prefixes?: string[]; nextPageToken?: string } = { kind: 'storage#objects' };
  // Like GCS, empty arrays are left out of the response.
  if (items.length > 0) result.items = items;
  if (prefixes.length > 0) result.prefixes = prefixes;
  if (more && last) result.nextPageToken = Buffer.from(JSON.stringify(last)).toString('base64url');
  return result;
}

function listItem(bucket: string, object: StoredObject): Record<string, unknown> {
  const generation = generationOf(object);
  const updated = new Date(object.mtimeMs).toISOString();
  // Listing does not hash the files (that would read every byte of the bucket); md5Hash/crc32c come with the
  // object metadata and the media response instead. The GCS source does not ask for them when listing.
  return {
    kind: 'storage#object',
    id: `${bucket}/${object.name}/${generation}`,
    name: object.name,
    bucket,
    generation,
    metageneration: '1',
    contentType: object.contentType,
    storageClass: 'STANDARD',
    size: String(object.size),
    timeCreated: updated,
    updated,
    ...(object.contentEncoding ? { contentEncoding: object.contentEncoding } : {}),
    ...(object.cacheControl ? { cacheControl: object.cacheControl } : {}),
  };
}
