/**
 * Retry with exponential backoff and full jitter, a per-attempt timeout and an overall deadline.
 *
 * Used by the GCS source for every request. The Google client's own retry (retry-request) is switched off
 * there, so this module is the only place that decides whether and when to try again: attempt counts,
 * onRetry reports and the test server's request counters then all describe the same thing.
 */

/** Why an attempt failed, in a word a log line or a counter can use. */
export type RetryReason = 'rate-limited' | 'server-error' | 'connection' | 'timeout' | 'truncated' | 'integrity' | 'other';

export interface RetryInfo {
  /** The attempt that just failed, 1-based. */
  attempt: number;
  /** How long we wait before the next attempt. */
  delayMs: number;
  reason: RetryReason;
  error: unknown;
}

export interface AttemptContext {
  /** 1-based attempt number. */
  attempt: number;
  /**
   * Aborted when this attempt's time is up (per-attempt timeout or the overall deadline). The attempt
   * should stop its I/O; withRetry does not wait for it either way.
   */
  signal: AbortSignal;
}

export interface RetryOptions {
  /** Further attempts after the first one (0 = try once). */
  retries: number;
  /** Backoff cap for the first retry; doubles with each further retry. */
  baseDelayMs: number;
  /** Upper bound of one backoff delay. */
  maxDelayMs: number;
  /** Epoch ms after which no new attempt starts and a running one is cut short. */
  deadline?: number;
  /** Time limit of one attempt; it fails with AttemptTimeoutError (retryable) when exceeded. */
  attemptTimeoutMs?: number;
  /** Decides whether an error is worth another attempt. Default: isRetryableError. */
  isRetryable?: (error: unknown) => boolean;
  /** Longest Retry-After we honour; a server asking for more gets this much. Default 30 s. */
  maxRetryAfterMs?: number;
  onRetry?: (info: RetryInfo) => void;
  /** Uniform [0, 1) source for the jitter; injectable so tests are deterministic. */
  random?: () => number;
  /** Injectable clock and sleep for tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** An attempt took longer than its time limit. Retryable. */
export class AttemptTimeoutError extends Error {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'AttemptTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** A response body ended before all announced bytes arrived. Retryable. */
export class TruncatedBodyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TruncatedBodyError';
  }
}

export type GiveUpReason = 'retries-exhausted' | 'deadline';

/** withRetry stopped trying. `cause` is the last attempt's error. */
export class RetryGiveUpError extends Error {
  readonly attempts: number;
  readonly reason: GiveUpReason;
  readonly lastReason: RetryReason;
  constructor(reason: GiveUpReason, attempts: number, lastError: unknown) {
    const last = describeError(lastError);
    const what =
      reason === 'deadline'
        ? `gave up at the overall deadline after ${attempts} attempt${attempts === 1 ? '' : 's'}`
        : `failed ${attempts} time${attempts === 1 ? '' : 's'}, retry budget used up`;
    super(`${what} (last error: ${last})`, { cause: lastError });
    this.name = 'RetryGiveUpError';
    this.attempts = attempts;
    this.reason = reason;
    this.lastReason = classifyError(lastError);
  }
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Run `fn` until it succeeds, a non-retryable error occurs (rethrown unchanged), the retry budget is used up
 * or the deadline passes (both: RetryGiveUpError with the last error as cause).
 */
export async function withRetry<T>(fn: (context: AttemptContext) => Promise<T>, options: RetryOptions): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const isRetryable = options.isRetryable ?? isRetryableError;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
  if (!Number.isInteger(options.retries) || options.retries < 0) {
    throw new RangeError(`withRetry: retries must be a whole number >= 0, got ${options.retries}`);
  }

  for (let attempt = 1; ; attempt++) {
    const remaining = options.deadline === undefined ? Infinity : options.deadline - now();
    if (remaining <= 0) {
      // The deadline passed before this attempt (or before the first one) could start.
      throw new RetryGiveUpError('deadline', attempt - 1, new Error('the overall deadline had already passed'));
    }
    let limit = options.attemptTimeoutMs ?? Infinity;
    const cutByDeadline = remaining < limit;
    if (cutByDeadline) limit = remaining;

    let error: unknown;
    try {
      return await runAttempt(fn, attempt, limit);
    } catch (caught) {
      error = caught;
    }

    if (!isRetryable(error)) throw error;
    if (cutByDeadline && error instanceof AttemptTimeoutError) throw new RetryGiveUpError('deadline', attempt, error);
    if (attempt > options.retries) throw new RetryGiveUpError('retries-exhausted', attempt, error);

    // Full jitter (uniform in [0, cap]) spreads the retries of many parallel readers that failed together, so
    // they do not hit a recovering server in lockstep.
    const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
    let delayMs = Math.round(random() * cap);
    const retryAfterMs = retryAfterOf(error);
    if (retryAfterMs !== undefined) delayMs = Math.max(delayMs, Math.min(retryAfterMs, maxRetryAfterMs));
    if (options.deadline !== undefined && now() + delayMs >= options.deadline) {
      // Sleeping past the deadline only to give up afterwards wastes the caller's time.
      throw new RetryGiveUpError('deadline', attempt, error);
    }
    options.onRetry?.({ attempt, delayMs, reason: classifyError(error), error });
    if (delayMs > 0) await sleep(delayMs);
  }
}

async function runAttempt<T>(fn: (context: AttemptContext) => Promise<T>, attempt: number, limitMs: number): Promise<T> {
  const controller = new AbortController();
  if (limitMs === Infinity) return fn({ attempt, signal: controller.signal });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new AttemptTimeoutError(Math.round(limitMs));
      controller.abort(error);
      reject(error);
    }, limitMs);
  });
  try {
    // Racing rather than trusting fn to honour the signal: some client calls (callback-style listing) cannot be
    // cancelled, and a hung call must not hold the caller beyond its limit.
    return await Promise.race([fn({ attempt, signal: controller.signal }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'ECONNREFUSED',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'Z_BUF_ERROR',
  'Z_DATA_ERROR',
  // The Google client's checksum mismatch (crc32c / md5 of the received bytes): corruption in transit.
  'CONTENT_DOWNLOAD_MISMATCH',
]);

const CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET']);

const TRUNCATION_MESSAGE = /premature close|unexpected end of file|aborted|content-length|content length|truncated/i;
const CONNECTION_MESSAGE = /socket hang up|ECONNRESET|EPIPE|other side closed/i;

/**
 * The HTTP error status an error carries (ApiError.code, response.statusCode, status), if any. Statuses below 400
 * are ignored: the client attaches the 200 response to errors that happen while the body arrives (a cut
 * connection), and those must be judged by their error code, not by the status that preceded them.
 */
export function httpStatusOf(error: unknown): number | undefined {
  for (const e of causeChain(error)) {
    const record = e as { code?: unknown; status?: unknown; statusCode?: unknown; response?: { statusCode?: unknown; status?: unknown } };
    for (const value of [record.code, record.status, record.statusCode, record.response?.statusCode, record.response?.status]) {
      if (typeof value === 'number' && value >= 400 && value <= 599) return value;
    }
  }
  return undefined;
}

function errorCodeOf(error: unknown): string | undefined {
  for (const e of causeChain(error)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const errno = (e as { errno?: unknown }).errno;
    if (typeof errno === 'string') return errno;
  }
  return undefined;
}

/** What kind of failure this is, used both for the retry decision and for reporting. */
export function classifyError(error: unknown): RetryReason {
  for (const e of causeChain(error)) {
    if (e instanceof AttemptTimeoutError) return 'timeout';
    if (e instanceof TruncatedBodyError) return 'truncated';
  }
  const status = httpStatusOf(error);
  if (status === 429) return 'rate-limited';
  if (status === 408) return 'timeout';
  if (status !== undefined && status >= 500) return 'server-error';
  if (status !== undefined) return 'other';
  const code = errorCodeOf(error);
  if (code === 'CONTENT_DOWNLOAD_MISMATCH') return 'integrity';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR') return 'truncated';
  const message = causeChain(error)
    .map((e) => (e instanceof Error ? e.message : String(e)))
    .join(' | ');
  // Node reports a body cut short by the peer as ECONNRESET "aborted"; that is a truncation, not a refusal.
  if (TRUNCATION_MESSAGE.test(message)) return 'truncated';
  if ((code !== undefined && CONNECTION_CODES.has(code)) || CONNECTION_MESSAGE.test(message)) return 'connection';
  return 'other';
}

/**
 * Default retry policy. Retry: 429, 408, 5xx, connection resets and hang-ups, timeouts (ours and the socket's),
 * bodies cut short, checksum mismatches. Do not retry: other 4xx (404 not found, 403 forbidden, 400 bad request
 * won't change on their own) and anything unrecognised (a programming error should surface at once).
 */
export function isRetryableError(error: unknown): boolean {
  const status = httpStatusOf(error);
  if (status !== undefined) return status === 429 || status === 408 || status >= 500;
  const reason = classifyError(error);
  if (reason !== 'other') return true;
  const code = errorCodeOf(error);
  return code !== undefined && RETRYABLE_CODES.has(code);
}

/** Milliseconds the server asked us to wait (Retry-After: seconds or an HTTP date), if it did. */
export function retryAfterOf(error: unknown, now: number = Date.now()): number | undefined {
  for (const e of causeChain(error)) {
    const record = e as { retryAfterMs?: unknown; response?: { headers?: unknown } };
    if (typeof record.retryAfterMs === 'number') return record.retryAfterMs;
    const headers = record.response?.headers;
    if (headers === undefined || headers === null) continue;
    let value: unknown;
    if (typeof (headers as { get?: unknown }).get === 'function') value = (headers as Headers).get('retry-after');
    else value = (headers as Record<string, unknown>)['retry-after'];
    if (typeof value !== 'string' || value.trim() === '') continue;
    const seconds = Number(value.trim());
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(value);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  return undefined;
}

/** One line describing an error, for messages: status, code and message, without stack traces. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = httpStatusOf(error);
  const code = errorCodeOf(error);
  let message = error.message.replace(/\s+/g, ' ').trim();
  // The Google client puts the whole JSON error body into the message; keep just its human part.
  const jsonMessage = /"message"\s*:\s*"([^"]+)"/.exec(message);
  if (jsonMessage?.[1]) message = jsonMessage[1];
  if (message.length > 200) message = `${message.slice(0, 200)}…`;
  const parts: string[] = [];
  if (status !== undefined && !message.includes(`HTTP ${status}`)) parts.push(`HTTP ${status}`);
  if (code !== undefined && code !== String(status) && !message.includes(code)) parts.push(code);
  if (message) parts.push(message);
  return parts.join(' ') || error.name;
}

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && chain.length < 8 && !chain.includes(current)) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}
