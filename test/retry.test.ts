import { describe, expect, it } from 'vitest';
import {
  AttemptTimeoutError,
  RetryGiveUpError,
  TruncatedBodyError,
  classifyError,
  describeError,
  isRetryableError,
  retryAfterOf,
  withRetry,
  type RetryInfo,
  type RetryOptions,
} from '../src/source/retry.ts';

const httpError = (status: number, headers: Record<string, string> = {}): Error =>
  Object.assign(new Error(`HTTP ${status}`), { code: status, response: { statusCode: status, headers } });
const codeError = (code: string, message = code): Error => Object.assign(new Error(message), { code });

/** Options with a fake clock: sleeps advance it instantly and are recorded. */
function fakeTime(overrides: Partial<RetryOptions> = {}): { options: RetryOptions; sleeps: number[]; retries: RetryInfo[] } {
  let now = 1_000_000;
  const sleeps: number[] = [];
  const retries: RetryInfo[] = [];
  const options: RetryOptions = {
    retries: 5,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    random: () => 1,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    onRetry: (info) => retries.push(info),
    ...overrides,
  };
  return { options, sleeps, retries };
}

function failing(errors: unknown[], result = 'ok'): () => Promise<string> {
  let call = 0;
  return async () => {
    const error = errors[call++];
    if (error !== undefined) throw error;
    return result;
  };
}

describe('withRetry', () => {
  it('retries retryable errors with exponential backoff capped at maxDelayMs', async () => {
    const { options, sleeps, retries } = fakeTime();
    const errors = [httpError(503), httpError(429), codeError('ECONNRESET'), httpError(500), httpError(502)];
    await expect(withRetry(failing(errors), options)).resolves.toBe('ok');
    // random() = 1: the full cap each time: 100, 200, 400, 800, then capped at 1000.
    expect(sleeps).toEqual([100, 200, 400, 800, 1000]);
    expect(retries.map((info) => info.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(retries.map((info) => info.reason)).toEqual(['server-error', 'rate-limited', 'connection', 'server-error', 'server-error']);
  });

  it('draws full jitter: a delay anywhere in [0, cap]', async () => {
    const { options, sleeps } = fakeTime({ random: () => 0.25 });
    await withRetry(failing([httpError(503), httpError(503)]), options);
    expect(sleeps).toEqual([25, 50]);
    const zero = fakeTime({ random: () => 0 });
    await withRetry(failing([httpError(503)]), zero.options);
    expect(zero.sleeps).toEqual([]);
  });

  it('gives up after the retry budget with RetryGiveUpError carrying the last error', async () => {
    const { options } = fakeTime({ retries: 2 });
    const last = httpError(503);
    const error = await withRetry(failing([httpError(503), httpError(503), last]), options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryGiveUpError);
    expect(error).toMatchObject({ attempts: 3, reason: 'retries-exhausted', lastReason: 'server-error', cause: last });
    expect((error as Error).message).toBe('failed 3 times, retry budget used up (last error: HTTP 503)');
  });

  it('rethrows non-retryable errors at once, unchanged', async () => {
    for (const status of [400, 403, 404]) {
      const { options, sleeps } = fakeTime();
      const original = httpError(status);
      await expect(withRetry(failing([original]), options)).rejects.toBe(original);
      expect(sleeps).toEqual([]);
    }
    const bug = new TypeError('x is not a function');
    await expect(withRetry(failing([bug]), fakeTime().options)).rejects.toBe(bug);
  });

  it('waits at least Retry-After, capped by maxRetryAfterMs', async () => {
    const { options, sleeps } = fakeTime({ random: () => 0, maxRetryAfterMs: 5000 });
    await withRetry(failing([httpError(429, { 'retry-after': '2' }), httpError(429, { 'retry-after': '120' })]), options);
    expect(sleeps).toEqual([2000, 5000]);
  });

  it('gives up at the deadline instead of sleeping past it', async () => {
    const { options, sleeps } = fakeTime({ deadline: 1_000_000 + 250 });
    const error = await withRetry(failing([httpError(503), httpError(503), httpError(503)]), options).catch((e: unknown) => e);
    // Sleeps 100, then 200 would end at +300 > +250: stop after the second attempt.
    expect(sleeps).toEqual([100]);
    expect(error).toMatchObject({ reason: 'deadline', attempts: 2 });
    expect((error as Error).message).toMatch(/^gave up at the overall deadline after 2 attempts/);
  });

  it('does not start when the deadline already passed', async () => {
    let called = false;
    const { options } = fakeTime({ deadline: 1 });
    const error = await withRetry(async () => {
      called = true;
    }, options).catch((e: unknown) => e);
    expect(called).toBe(false);
    expect(error).toMatchObject({ reason: 'deadline', attempts: 0 });
  });

  it('times out a hung attempt, aborts its signal and retries', async () => {
    const signals: AbortSignal[] = [];
    const result = await withRetry(
      async ({ attempt, signal }) => {
        signals.push(signal);
        if (attempt === 1) return new Promise<string>(() => undefined);
        return 'second';
      },
      { retries: 1, baseDelayMs: 1, maxDelayMs: 1, attemptTimeoutMs: 30 },
    );
    expect(result).toBe('second');
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[0]!.reason).toBeInstanceOf(AttemptTimeoutError);
    expect(signals[1]!.aborted).toBe(false);
  });

  it('cuts an attempt short at the deadline', async () => {
    const started = Date.now();
    const error = await withRetry(() => new Promise<never>(() => undefined), {
      retries: 5,
      baseDelayMs: 1,
      maxDelayMs: 1,
      attemptTimeoutMs: 10_000,
      deadline: Date.now() + 50,
    }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toMatchObject({ reason: 'deadline' });
    expect((error as Error).cause).toBeInstanceOf(AttemptTimeoutError);
  });

  it('rejects a negative or fractional retry count', async () => {
    await expect(withRetry(async () => 1, { retries: -1, baseDelayMs: 1, maxDelayMs: 1 })).rejects.toThrow(/retries must be a whole number/);
  });
});

describe('error classification', () => {
  it.each([
    [httpError(429), true, 'rate-limited'],
    [httpError(408), true, 'timeout'],
    [httpError(500), true, 'server-error'],
    [httpError(503), true, 'server-error'],
    [httpError(400), false, 'other'],
    [httpError(403), false, 'other'],
    [httpError(404), false, 'other'],
    [codeError('ECONNRESET', 'socket hang up'), true, 'connection'],
    [codeError('EPIPE'), true, 'connection'],
    [codeError('ETIMEDOUT'), true, 'timeout'],
    [codeError('ECONNRESET', 'aborted'), true, 'truncated'],
    [codeError('ERR_STREAM_PREMATURE_CLOSE', 'Premature close'), true, 'truncated'],
    [codeError('Z_BUF_ERROR', 'unexpected end of file'), true, 'truncated'],
    [codeError('CONTENT_DOWNLOAD_MISMATCH', 'checksum mismatch'), true, 'integrity'],
    [new AttemptTimeoutError(100), true, 'timeout'],
    [new TruncatedBodyError('got 10 of 20 bytes'), true, 'truncated'],
    [new Error('socket hang up'), true, 'connection'],
    [new TypeError('undefined is not a function'), false, 'other'],
  ])('%s → retryable %s, %s', (error, retryable, reason) => {
    expect(isRetryableError(error)).toBe(retryable);
    expect(classifyError(error)).toBe(reason);
  });

  it('judges a transport error by its code even when a 200 response is attached', () => {
    const error = Object.assign(new Error('Invalid response body: aborted'), { code: 'ECONNRESET', response: { statusCode: 200 } });
    expect(isRetryableError(error)).toBe(true);
    expect(classifyError(error)).toBe('truncated');
  });

  it('looks through causes', () => {
    expect(isRetryableError(new Error('wrapped', { cause: httpError(503) }))).toBe(true);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterOf(httpError(429, { 'retry-after': '3' }))).toBe(3000);
    expect(retryAfterOf(httpError(503, { 'retry-after': new Date(10_000).toUTCString() }), 4_000)).toBe(6000);
    expect(retryAfterOf(httpError(503))).toBeUndefined();
    expect(retryAfterOf({ response: { headers: new Headers({ 'Retry-After': '1' }) } })).toBe(1000);
  });

  it('describes errors in one line, keeping just the message of a JSON error body', () => {
    const apiError = Object.assign(new Error('{"error":{"code":503,"message":"Backend Error"}}'), { code: 503 });
    expect(describeError(apiError)).toBe('HTTP 503 Backend Error');
    expect(describeError(codeError('ECONNRESET', 'socket hang up'))).toBe('ECONNRESET socket hang up');
    expect(describeError('plain')).toBe('plain');
  });
});
