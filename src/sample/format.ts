/**
 * Formatting helpers that imitate what the real writers (Go programs) put in the bucket: Go's
 * duration strings, Go's JSON and XML escaping, Prow's build ids. All UTC, no locale.
 */
import type { Rng } from './prng.ts';

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
export const DAY = 24 * HOUR;

/** RFC 3339 at whole seconds, as Kubernetes objects carry them: 2026-11-20T13:28:38Z. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function parts(ms: number): { y: string; mo: string; d: string; h: string; mi: string; s: string } {
  const t = new Date(ms);
  return {
    y: String(t.getUTCFullYear()),
    mo: pad(t.getUTCMonth() + 1),
    d: pad(t.getUTCDate()),
    h: pad(t.getUTCHours()),
    mi: pad(t.getUTCMinutes()),
    s: pad(t.getUTCSeconds()),
  };
}

/** The `_<YYYYMMDD-HHMMSS>` suffix origin puts on junit_e2e__, backend-disruption_, cluster-data_ files. */
export function fileStamp(ms: number): string {
  const p = parts(ms);
  return `${p.y}${p.mo}${p.d}-${p.h}${p.mi}${p.s}`;
}

/** The date part of a release payload tag: 4.22.0-0.nightly-<YYYY-MM-DD-HHMMSS>. */
export function payloadStamp(ms: number): string {
  const p = parts(ms);
  return `${p.y}-${p.mo}-${p.d}-${p.h}${p.mi}${p.s}`;
}

/** logrus-style time for build logs. */
export function logTime(ms: number): string {
  return isoSeconds(ms);
}

/**
 * Go's time.Duration.String() for a whole number of milliseconds: "0s", "850ms", "2.5s",
 * "1m3.2s", "1h0m5s". Ratchet's parser must accept every one of these shapes.
 */
export function goDuration(totalMs: number): string {
  const ms = Math.round(totalMs);
  if (ms === 0) return '0s';
  if (ms < 0) return `-${goDuration(-ms)}`;
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / HOUR);
  const m = Math.floor((ms % HOUR) / MINUTE);
  const sMs = ms % MINUTE;
  const whole = Math.floor(sMs / 1000);
  const frac = sMs % 1000;
  const seconds = frac === 0 ? String(whole) : `${whole}.${pad(frac, 3).replace(/0+$/, '')}`;
  let out = '';
  if (h > 0) out += `${h}h`;
  if (h > 0 || m > 0) out += `${m}m`;
  return `${out}${seconds}s`;
}

/** ci-operator style "2h3m13s" for whole seconds (build logs). */
export function goDurationSeconds(seconds: number): string {
  return goDuration(Math.round(seconds) * 1000);
}

/**
 * JSON as Go's encoding/json writes it: the caller supplies keys in struct order (or sorted, for
 * Go maps); Go additionally escapes <, > and & inside strings (HTML-safe by default).
 */
export function goJson(value: unknown, indent?: string): string {
  const text = indent === undefined ? JSON.stringify(value) : JSON.stringify(value, null, indent);
  return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** An object with its keys in code-point order: how Go marshals a map. */
export function sortedMap<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const list = [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Record<string, T> = {};
  for (const [k, v] of list) out[k] = v;
  return out;
}

const XML_ESCAPES: Record<string, string> = {
  '"': '&#34;',
  "'": '&#39;',
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '\t': '&#x9;',
  '\n': '&#xA;',
  '\r': '&#xD;',
};

/** encoding/xml EscapeText: what Go's JUnit writers (openshift-tests, ci-operator) produce. */
export function xmlEscape(text: string): string {
  return text.replace(/["'&<>\t\n\r]/g, (c) => XML_ESCAPES[c] as string);
}

/** A float the way Go's %v / strconv 'g' shortest form prints it for our small, rounded values. */
export function goFloat(value: number, decimals: number): string {
  return String(Number(value.toFixed(decimals)));
}

/**
 * Prow build ids are Twitter-style snowflakes: milliseconds since 2010-11-04T01:42:54.657Z shifted
 * left by 22 bits, then a 10-bit worker id and a 12-bit sequence. The real ids in the
 * release-controller results all decode to worker 1, sequence 0 (low 22 bits = 4096) and to a time
 * 0–60 s before the run's start, so a 2026-05-01 run has an id near 2050205768946290688.
 */
const SNOWFLAKE_EPOCH_MS = 1288834974657;

export function buildIdFor(createdMs: number, sequence = 0): string {
  const id = (BigInt(createdMs - SNOWFLAKE_EPOCH_MS) << 22n) | (1n << 12n) | BigInt(sequence & 0xfff);
  return id.toString();
}

/** The creation time (ms) encoded in a build id. */
export function buildIdTime(buildId: string): number {
  return Number(BigInt(buildId) >> 22n) + SNOWFLAKE_EPOCH_MS;
}

/** A version-4 UUID from the seeded stream. */
export function uuid(rng: Rng): string {
  const h = rng.hex(32).split('');
  h[12] = '4';
  h[16] = '89ab'[rng.int(0, 3)] as string;
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
