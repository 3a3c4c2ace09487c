/**
 * One HTTP request with a deadline, for the alert destinations. Any failure (a refused connection, a
 * timeout, a status that is not 2xx) comes back as a DeliveryError saying what and where; callers
 * keep the alert for the next run instead of crashing the run.
 */
export class DeliveryError extends Error {}

export async function request(
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string; timeoutMs: number; what: string },
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method,
      headers: init.headers ?? {},
      ...(init.body !== undefined ? { body: init.body } : {}),
      signal: AbortSignal.timeout(init.timeoutMs),
    });
  } catch (error) {
    const e = error as Error;
    const why = e.name === 'TimeoutError' ? `no answer within ${init.timeoutMs} ms` : ((e.cause as Error | undefined)?.message ?? e.message);
    throw new DeliveryError(`${init.what}: ${why}`);
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) throw new DeliveryError(`${init.what}: HTTP ${response.status} ${text.slice(0, 200)}`);
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
